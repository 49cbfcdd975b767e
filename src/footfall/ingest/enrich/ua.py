"""User agent -> browser, OS and device, named the way Plausible's dashboard names them."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ua_parser import load_lazy_builtins
from ua_parser.core import Domain
from ua_parser.regex import Resolver as RustResolver

DEFAULT_CACHE_SIZE = 10_000
# Real user agents are under 500 characters; a longer header is cut before parsing so a
# hostile client cannot make the cache hold megabytes.
_MAX_UA_LENGTH = 1_024

# ua-parser (uap-core) family -> the name Plausible shows (its Ingestion.Event.browser_name
# folds the mobile variants of UAInspector's names into the desktop browser).
_BROWSERS = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "HeadlessChrome": "Chrome",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Opera Mini": "Opera",
    "Opera Touch": "Opera",
    "Yandex Browser Lite": "Yandex Browser",
    "Samsung Internet": "Samsung Internet",
    "Other": "",
}
# In-app browsers and web views: Plausible shows all of them as "Mobile App".
_MOBILE_APPS = frozenset(
    {
        "Chrome Mobile WebView",
        "Facebook",
        "Facebook Messenger",
        "Instagram",
        "LinkedIn",
        "Twitter",
        "Pinterest",
        "Snapchat",
        "TikTok",
        "WeChat",
        "Line",
    }
)
_LINUX = frozenset(
    {"Linux", "Ubuntu", "Debian", "Fedora", "Red Hat", "Arch Linux", "Linux Mint", "Gentoo"}
    | {"Mandriva", "Slackware", "SUSE", "openSUSE", "CentOS", "Kubuntu", "Xubuntu", "Mageia"}
)
_OSES = {"Mac OS X": "Mac", "Mac OS": "Mac", "Other": ""}

_TABLET_MARKERS = ("iPad", "Tablet", "Kindle", "Silk/", "PlayBook", "Nexus 7", "Nexus 10")
_TV_MARKERS = ("Android TV", "SmartTV", "SMART-TV", "AFTB", "AFTS", "AFTM", "CrKey")


@dataclass(frozen=True, slots=True)
class UserAgentInfo:
    browser: str = ""
    browser_version: str = ""
    os: str = ""
    os_version: str = ""
    device: str = ""


def _major_minor(major: str | None, minor: str | None) -> str:
    """Plausible keeps two version components: "131.0", "17.6", and "10" for Windows 10."""
    if not major:
        return ""
    return f"{major}.{minor}" if minor else major


def _device(ua: str) -> str:
    if any(marker in ua for marker in _TV_MARKERS):
        return "Desktop"  # Plausible counts TVs and consoles as desktops
    if any(marker in ua for marker in _TABLET_MARKERS):
        return "Tablet"
    if "Android" in ua:
        # Google's guidance: Android phones say "Mobile", Android tablets do not.
        return "Mobile" if "Mobile" in ua else "Tablet"
    # "Mobi" is the marker MDN recommends: iPhone, Firefox OS, Opera Mobi/Mini, ...
    if "Mobi" in ua or "iPhone" in ua or "iPod" in ua:
        return "Mobile"
    return "Desktop"


def device_from_screen_width(width: int) -> str:
    """Plausible's screen-size buckets for trackers that send the viewport width."""
    if width < 576:
        return "Mobile"
    if width < 992:
        return "Tablet"
    if width < 1440:
        return "Laptop"
    return "Desktop"


# What the resolver is asked: the device comes from our own markers (``_device``).
_DOMAINS = Domain.USER_AGENT | Domain.OS


class UserAgentParser:
    """uap-core rules run by the Rust resolver (ua-parser-rs), with an LRU cache in front.

    Only uap-core's browser and OS rules are compiled: its ~600 device rules (brand and
    model, which Plausible does not show) cost 15 MB of compiled regexes, resident for
    the process's life, and a third of each uncached parse (docs/performance.md,
    "Idle RSS under 200 MB"). Measured on the 2-core dev machine over 34 real browser UAs:
    about 42 µs per uncached parse (67 with the device rules) and under 1 µs per cached
    one; building the parser takes about 0.3 s, so build one per process. Reproduce with
    timeit on UserAgentParser(cache_size=0).parse.
    """

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        # Built explicitly rather than through BestAvailableResolver, so a missing
        # ua-parser-rs fails here (ImportError) instead of silently running 10x slower.
        agents, systems, _devices = load_lazy_builtins()
        self.resolver = RustResolver((agents, systems, []))
        self._cached = functools.lru_cache(maxsize=cache_size)(self._parse)

    def parse(self, ua: str) -> UserAgentInfo:
        """Browser, OS and device of a user agent; unknown parts are ""."""
        ua = ua.strip()[:_MAX_UA_LENGTH]
        if not ua:
            return UserAgentInfo()
        return self._cached(ua)

    def _parse(self, ua: str) -> UserAgentInfo:
        result = self.resolver(ua, _DOMAINS)
        browser = version = os_name = os_version = ""
        if result.user_agent is not None:
            family = result.user_agent.family
            if family in _MOBILE_APPS:
                browser = "Mobile App"  # an app's own version number means nothing here
            else:
                browser = _BROWSERS.get(family, family)
                if browser:
                    version = _major_minor(result.user_agent.major, result.user_agent.minor)
        if result.os is not None:
            family = result.os.family
            os_name = "GNU/Linux" if family in _LINUX else _OSES.get(family, family)
            if os_name:
                os_version = _major_minor(result.os.major, result.os.minor)
        return UserAgentInfo(browser, version, os_name, os_version, _device(ua))
