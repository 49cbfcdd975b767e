import crawleruseragents
import pytest

from footfall.domain import DropReason
from footfall.ingest.enrich.bots import BotDetector, crawler_patterns

BROWSERS = [
    # Chrome desktop, Windows and macOS
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    # Firefox desktop, Windows and Linux
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    # Safari macOS, iPhone, iPad
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1",
    # Edge desktop and Android
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
    # Chrome Android (reduced UA), Samsung Internet, Firefox Android
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    # Chrome and Firefox on iOS, Opera, ChromeOS, the Facebook in-app browser
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/480.0.0.0]",
    # An Electron desktop app is used by a person
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Slack/4.41.105 Chrome/130.0.6723.137 Electron/33.2.0 Safari/537.36",
]


@pytest.fixture(scope="module")
def detector() -> BotDetector:
    return BotDetector()


@pytest.mark.parametrize("ua", BROWSERS)
def test_real_browsers_pass(detector: BotDetector, ua: str) -> None:
    assert detector.check(ua) is None


@pytest.mark.parametrize("ua", ["", " ", "\t\n"])
def test_empty_user_agent(detector: BotDetector, ua: str) -> None:
    assert detector.check(ua) is DropReason.EMPTY_USER_AGENT


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
        "PhantomJS/2.1.1 Safari/538.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Chrome-Lighthouse",
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36 Puppeteer",
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36 Playwright/1.49",
        "Mozilla/5.0 Selenium/4.27 (python linux)",
    ],
)
def test_headless_browsers(detector: BotDetector, ua: str) -> None:
    assert detector.check(ua) is DropReason.HEADLESS_BROWSER


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
        "+https://openai.com/gptbot)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Go-http-client/1.1",
        "Wget/1.21.4",
        "okhttp/4.12.0",
        "axios/1.7.9",
        "python-httpx/0.28.1",
        # not in crawler-user-agents 1.67, covered by our own list
        "Java/17.0.2",
        "PostmanRuntime/7.39.0",
        "undici",
        "Dart/3.2 (dart:io)",
        "GuzzleHttp/7",
    ],
)
def test_bots_and_http_clients(detector: BotDetector, ua: str) -> None:
    assert detector.check(ua) is DropReason.BOT_USER_AGENT


def test_every_instance_of_the_list_is_caught(detector: BotDetector) -> None:
    # The list ships example user agents for each pattern: all of them must be dropped.
    missed = [
        ua
        for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA
        for ua in entry.get("instances", [])
        if detector.check(ua) is None
    ]
    assert missed == []


def test_nearly_all_patterns_compile_in_re2() -> None:
    total = len(crawleruseragents.CRAWLER_USER_AGENTS_DATA)
    assert total > 1000
    assert len(crawler_patterns()) >= total - 10


def test_cache_is_bounded_and_used() -> None:
    detector = BotDetector(cache_size=2)
    for ua in BROWSERS[:5]:
        detector.check(ua)
    detector.check(BROWSERS[4])
    info = detector._cached.cache_info()
    assert info.currsize == 2
    assert info.hits == 1


def test_huge_user_agents_are_classified_but_not_cached() -> None:
    detector = BotDetector()
    padding = " x" * 5_000
    assert detector.check(BROWSERS[0] + padding) is None
    assert detector.check("curl/8.5.0" + padding) is DropReason.BOT_USER_AGENT
    assert detector._cached.cache_info().currsize == 0
