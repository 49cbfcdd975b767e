import pytest

from footfall.ingest.enrich.referrer import (
    MAX_URL_LENGTH,
    Referrer,
    is_spam,
    parse_referrer,
    referrer_source,
    source_name,
)


@pytest.mark.parametrize(
    ("host", "spam"),
    [
        ("semalt.com", True),
        ("SEMALT.COM", True),
        ("www.semalt.com", True),
        ("a.b.semalt.com", True),  # any subdomain of a listed host
        ("darodar.com", True),
        ("qiwi.xyz", True),  # listed in upper case upstream
        ("prizesk.com", True),  # listed with a trailing space upstream
        ("zvuker.net", True),  # last line of the list
        ("01casino-x.ru", True),  # first line of the list
        ("notsemalt.com", False),  # a suffix match must stop at a dot
        ("semalt.com.example.org", False),
        ("google.com", False),
        ("news.ycombinator.com", False),
        ("", False),
    ],
)
def test_is_spam(host: str, spam: bool) -> None:
    assert is_spam(host) is spam


def test_spam_list_is_the_full_matomo_list() -> None:
    from footfall.ingest.enrich.referrer import _spam_hosts

    assert len(_spam_hosts()) > 2_000


@pytest.mark.parametrize(
    ("host", "source"),
    [
        ("www.google.com", "Google"),
        ("google.de", "Google"),
        ("www.google.co.uk", "Google"),
        ("google.com.br", "Google"),
        ("news.google.com", "Google"),
        ("mail.google.com", "Gmail"),
        ("www.bing.com", "Bing"),
        ("duckduckgo.com", "DuckDuckGo"),
        ("de.search.yahoo.com", "Yahoo!"),
        ("search.yahoo.co.jp", "Yahoo!"),
        ("yandex.ru", "Yandex"),
        ("www.baidu.com", "Baidu"),
        ("www.ecosia.org", "Ecosia"),
        ("search.brave.com", "Brave"),
        ("www.qwant.com", "Qwant"),
        ("www.startpage.com", "Startpage"),
        ("t.co", "Twitter"),
        ("x.com", "Twitter"),
        ("twitter.com", "Twitter"),
        ("m.facebook.com", "Facebook"),
        ("l.facebook.com", "Facebook"),
        ("lm.facebook.com", "Facebook"),
        ("fb.me", "Facebook"),
        ("l.instagram.com", "Instagram"),
        ("www.linkedin.com", "LinkedIn"),
        ("lnkd.in", "LinkedIn"),
        ("old.reddit.com", "Reddit"),
        ("news.ycombinator.com", "Hacker News"),
        ("github.com", "GitHub"),
        ("m.youtube.com", "YouTube"),
        ("pinterest.co.uk", "Pinterest"),
        ("www.tiktok.com", "TikTok"),
        ("en.m.wikipedia.org", "Wikipedia"),
        ("stackoverflow.com", "Stack Overflow"),
        ("medium.com", "Medium"),
        ("someone.substack.com", "Substack"),
        ("chatgpt.com", "ChatGPT"),
        ("chat.openai.com", "ChatGPT"),
        ("www.perplexity.ai", "Perplexity"),
        ("outlook.live.com", "Outlook.com"),
        # unknown hosts come back as they are, without www.
        ("www.markosaric.com", "markosaric.com"),
        ("blog.example.org", "blog.example.org"),
        ("googleblog.com", "googleblog.com"),
        ("google.evil.example", "google.evil.example"),
        ("ycombinator.com", "ycombinator.com"),
    ],
)
def test_referrer_source(host: str, source: str) -> None:
    assert referrer_source(host) == source


@pytest.mark.parametrize(
    ("tagged", "name"),
    [
        ("google", "Google"),
        ("GOOGLE", "Google"),
        ("adwords", "Google"),
        ("ig", "Instagram"),
        ("fb", "Facebook"),
        ("yt", "YouTube"),
        ("hacker news", "Hacker News"),
        ("google.com", "Google"),
        (" Twitter ", "Twitter"),
        ("Newsletter", "Newsletter"),  # unknown: kept as typed
        ("my-partner.example", "my-partner.example"),
    ],
)
def test_source_name(tagged: str, name: str) -> None:
    assert source_name(tagged) == name


def test_parse_referrer_cleans_query_and_fragment() -> None:
    ref = parse_referrer("https://www.Google.com/search?q=secret#top", "example.com")
    assert ref == Referrer(url="https://www.google.com/search", host="google.com", source="Google")


def test_parse_referrer_keeps_port_and_unknown_host() -> None:
    ref = parse_referrer("http://blog.example.org:8080/post/1?utm=x", "example.com")
    assert ref == Referrer(
        url="http://blog.example.org:8080/post/1",
        host="blog.example.org",
        source="blog.example.org",
    )


@pytest.mark.parametrize(
    "referrer",
    [
        "",
        "   ",
        "not a url",
        "ftp://files.example.org/x",
        "android-app://com.google.android.gm",
        "javascript:alert(1)",
        "http://[::1",  # unparsable
        "http://example.org:99999/",  # port out of range
        "https:///path-only",
        "https://example.com/other-page",  # self-referral
        "https://www.example.com/",  # self-referral through www.
        "http://localhost:3000/",
    ],
)
def test_parse_referrer_rejects(referrer: str) -> None:
    assert parse_referrer(referrer, "example.com") is None


def test_self_referral_ignores_www_on_the_site_side() -> None:
    assert parse_referrer("https://example.com/a", "www.example.com") is None
    assert parse_referrer("https://shop.example.com/a", "example.com") is not None


def test_parse_referrer_cuts_long_urls() -> None:
    ref = parse_referrer("https://news.ycombinator.com/" + "a" * 5_000, "example.com")
    assert ref is not None
    assert len(ref.url) == MAX_URL_LENGTH
    assert ref.source == "Hacker News"
