import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ua_parser import Parser, load_lazy_builtins
from ua_parser.core import Domain
from ua_parser.regex import Resolver as RustResolver

from footfall.ingest.enrich.ua import UserAgentInfo, UserAgentParser, device_from_screen_width

WIN_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

CASES = [
    (WIN_CHROME, UserAgentInfo("Chrome", "131.0", "Windows", "10", "Desktop")),
    (
        "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/109.0.0.0 Safari/537.36",
        UserAgentInfo("Chrome", "109.0", "Windows", "7", "Desktop"),
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.6 Safari/605.1.15",
        UserAgentInfo("Safari", "17.6", "Mac", "10.15", "Desktop"),
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        UserAgentInfo("Firefox", "128.0", "GNU/Linux", "", "Desktop"),
    ),
    (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        UserAgentInfo("Firefox", "133.0", "GNU/Linux", "", "Desktop"),
    ),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        UserAgentInfo("Chrome", "131.0", "Chrome OS", "14541.0", "Desktop"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        UserAgentInfo("Edge", "131.0", "Windows", "10", "Desktop"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
        UserAgentInfo("Opera", "115.0", "Windows", "10", "Desktop"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        UserAgentInfo("Safari", "17.6", "iOS", "17.6", "Mobile"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        UserAgentInfo("Chrome", "131.0", "iOS", "17.6", "Mobile"),
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/16.6 Mobile/15E148 Safari/604.1",
        UserAgentInfo("Safari", "16.6", "iOS", "16.7", "Tablet"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        UserAgentInfo("Chrome", "131.0", "Android", "10", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        UserAgentInfo("Chrome", "131.0", "Android", "13", "Tablet"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        UserAgentInfo("Samsung Internet", "26.0", "Android", "14", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        UserAgentInfo("Firefox", "133.0", "Android", "14", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
        UserAgentInfo("Edge", "131.0", "Android", "14", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36",
        UserAgentInfo("Mobile App", "", "Android", "14", "Mobile"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/480.0.0.0]",
        UserAgentInfo("Mobile App", "", "iOS", "17.5", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 9; SHIELD Android TV) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        UserAgentInfo("Chrome", "120.0", "Android", "9", "Desktop"),
    ),
    ("curl/8.5.0", UserAgentInfo("curl", "8.5", "", "", "Desktop")),
    ("something nobody knows", UserAgentInfo("", "", "", "", "Desktop")),
    ("", UserAgentInfo()),
]


@pytest.fixture(scope="module")
def parser() -> UserAgentParser:
    return UserAgentParser()


@pytest.mark.parametrize(("ua", "expected"), CASES)
def test_parse(parser: UserAgentParser, ua: str, expected: UserAgentInfo) -> None:
    assert parser.parse(ua) == expected


def test_uses_the_rust_resolver(parser: UserAgentParser) -> None:
    assert isinstance(parser.resolver, RustResolver)


@pytest.fixture(scope="module")
def uap_core() -> Parser:
    """uap-core's whole rule set (with its device rules), as ua-parser runs it."""
    return Parser(RustResolver(load_lazy_builtins()))


# Pieces of real user agents, recombined: browser and OS tokens in every order.
_PIECES = sorted(
    {piece for ua, _ in CASES for piece in ua.replace("(", " ( ").replace(")", " ) ").split()}
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14).map(" ".join))
def test_browser_and_os_as_uap_core_without_its_device_rules(
    parser: UserAgentParser, uap_core: Parser, ua: str
) -> None:
    """The parser compiles only the browser and OS rules: their answers are uap-core's."""
    full = uap_core.parse(ua)
    mine = parser.resolver(ua, Domain.USER_AGENT | Domain.OS)
    assert (mine.user_agent, mine.os) == (full.user_agent, full.os)


@pytest.mark.parametrize("ua", [ua for ua, _ in CASES])
def test_real_user_agents_as_uap_core(parser: UserAgentParser, uap_core: Parser, ua: str) -> None:
    full = uap_core.parse(ua)
    mine = parser.resolver(ua, Domain.USER_AGENT | Domain.OS)
    assert (mine.user_agent, mine.os) == (full.user_agent, full.os)


def test_cache_is_bounded_and_hit() -> None:
    parser = UserAgentParser(cache_size=1)
    parser.parse(WIN_CHROME)
    parser.parse(WIN_CHROME)
    parser.parse(CASES[1][0])
    info = parser._cached.cache_info()
    assert (info.hits, info.currsize) == (1, 1)


def test_huge_user_agents_are_cut_before_caching(parser: UserAgentParser) -> None:
    assert parser.parse(WIN_CHROME + " x" * 100_000).browser == "Chrome"


@pytest.mark.parametrize(
    ("width", "device"),
    [
        (0, "Mobile"),
        (375, "Mobile"),
        (575, "Mobile"),
        (576, "Tablet"),
        (991, "Tablet"),
        (992, "Laptop"),
        (1439, "Laptop"),
        (1440, "Desktop"),
        (3840, "Desktop"),
    ],
)
def test_device_from_screen_width(width: int, device: str) -> None:
    assert device_from_screen_width(width) == device
