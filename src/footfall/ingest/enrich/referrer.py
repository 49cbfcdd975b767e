"""Referrer parsing, referrer spam, and known-source names (Google, Twitter, ...)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2_000  # Plausible cuts the referrer to 2,000 characters (COMPAT.md)

# The second-level labels under which a brand sits in a country TLD (google.co.uk,
# google.com.br, yahoo.co.jp). Enough for the brands the data file marks with ".*".
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "ne", "or", "gob", "gov", "edu"})


@dataclass(frozen=True, slots=True)
class Referrer:
    """A cleaned external referrer: no query or fragment, which may carry personal data."""

    url: str
    host: str  # lower-case, without port and without a leading "www."
    source: str


def _data_text(name: str) -> str:
    return resources.files("footfall.ingest.enrich").joinpath("data", name).read_text("utf-8")


@functools.cache
def _spam_hosts() -> frozenset[str]:
    lines = (line.strip().lower() for line in _data_text("referrer_spam.txt").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@functools.cache
def _known_sources() -> tuple[dict[str, str], dict[str, str]]:
    """(host pattern -> name, lower-case alias -> name), loaded once."""
    data = json.loads(_data_text("sources.json"))
    hosts: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for name, entry in data["sources"].items():
        for host in entry["hosts"]:
            hosts[host] = name
        aliases[name.lower()] = name
        for alias in entry["aliases"]:
            aliases[alias] = name
    return hosts, aliases


def _normalize_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host.removeprefix("www.")


def _suffixes(labels: list[str]) -> list[str]:
    """ "a.b.c" -> ["a.b.c", "b.c", "c"]: the host, then each parent domain, longest first."""
    return [".".join(labels[i:]) for i in range(len(labels))]


def is_spam(host: str) -> bool:
    """True when the host or one of its parent domains is a known referrer spammer."""
    spam = _spam_hosts()
    return any(suffix in spam for suffix in _suffixes(_normalize_host(host).split(".")))


def _wildcard_form(labels: list[str]) -> list[str] | None:
    """news.google.co.uk -> [news, google, *], so one "google.*" entry covers every TLD."""
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return [*labels[:-2], "*"]
    if len(labels) >= 2 and labels[-1].isalpha():
        return [*labels[:-1], "*"]
    return None


def known_source(host: str) -> str | None:
    """The source name of a known referrer host ("Google" for www.google.de), else None."""
    hosts, _ = _known_sources()
    labels = _normalize_host(host).split(".")
    wildcard = _wildcard_form(labels)
    # Most specific first: at each depth the exact host, then its any-TLD form, so
    # mail.yahoo.co.jp finds "mail.yahoo.*" before its parent "yahoo.co.jp".
    for depth in range(len(labels)):
        exact = ".".join(labels[depth:])
        if exact in hosts:
            return hosts[exact]
        # The bare "*" is never tried, so the wildcard cannot match every host.
        if wildcard is not None and depth < len(wildcard) - 1:
            generalized = ".".join(wildcard[depth:])
            if generalized in hosts:
                return hosts[generalized]
    return None


def source_aliases() -> dict[str, str]:
    """Lower-case utm_source spellings -> source name (a copy; the table is loaded once)."""
    return dict(_known_sources()[1])


def referrer_source(host: str) -> str:
    """The source name for a referrer host; unknown hosts come back without "www."."""
    return known_source(host) or _normalize_host(host)


def source_name(tagged: str) -> str:
    """Normalize a utm_source/source/ref value: "GOOGLE", "adwords", "google.com" -> "Google".

    As in Plausible, known names match case-insensitively and shorthands map to their
    source; anything else is kept as the site owner typed it.
    """
    tagged = tagged.strip()
    _, aliases = _known_sources()
    lowered = tagged.lower()
    if lowered in aliases:
        return aliases[lowered]
    if "." in lowered and " " not in lowered:
        return known_source(lowered) or tagged
    return tagged


def parse_referrer(referrer: str, site_host: str) -> Referrer | None:
    """A cleaned external referrer, or None for empty, malformed, non-web or self-referrals."""
    referrer = referrer.strip()
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    hostname = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not hostname:
        return None
    host = _normalize_host(hostname)
    # An internal navigation is not a referral; localhost is a developer's own machine
    # (Plausible's Source.has_referral? ignores both).
    if host == _normalize_host(site_host) or host == "localhost":
        return None
    netloc = hostname if port is None else f"{hostname}:{port}"
    url = f"{scheme}://{netloc}{parts.path}"[:MAX_URL_LENGTH]
    return Referrer(url=url, host=host, source=referrer_source(host))
