"""Traffic shields: per-site rules that drop events at ingest, each under its own reason.

- hostnames: an allow list; when set, events whose page is on another hostname are
  dropped (``hostname_not_allowed``). ``*`` matches any run of characters, so
  ``*.example.com`` is every subdomain (not ``example.com`` itself: list both).
- ips: addresses and CIDR ranges, matched in the pipeline while the IP is still in
  memory (``ip_excluded``); stored as the owner typed them, never taken from events.
- countries: ISO 3166-1 alpha-2 codes, matched after the geo lookup
  (``country_excluded``).
- pages: path patterns as in Plausible's page exclusions and our goals, ``*`` within a
  path segment and ``**`` across them (``page_excluded``).

Rules are checked here once (``parse``) before a store keeps them; ``Guard`` is their
compiled form, which the site cache holds beside each site (ingest/site_cache.py).
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import re2

from footfall.domain import SHIELD_KINDS, DropReason, Shields, Site, normalize_domain
from footfall.errors import InputError, NotFoundError
from footfall.stats.filters import glob_pattern

if TYPE_CHECKING:
    from footfall.store.registry import Stores

MAX_RULES = 100  # per kind and site (Plausible allows 30 IP rules)
MAX_LENGTH = 500
_HOST_CHARS = frozenset(string.ascii_lowercase + string.digits + "-.*")

# The drop reasons a site's settings show, in the order shown.
SITE_REASONS = (
    DropReason.HOSTNAME_NOT_ALLOWED,
    DropReason.IP_EXCLUDED,
    DropReason.COUNTRY_EXCLUDED,
    DropReason.PAGE_EXCLUDED,
    DropReason.BOT_USER_AGENT,
    DropReason.HEADLESS_BROWSER,
    DropReason.EMPTY_USER_AGENT,
    DropReason.REFERRER_SPAM,
)


def _hostname(raw: str) -> str:
    host = normalize_domain(raw)
    if not host or not set(host) <= _HOST_CHARS or len(host) > 253:
        raise InputError(f"{raw!r} is not a hostname or a pattern like *.example.com")
    return host


def _ip(raw: str) -> str:
    text = raw.strip()
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InputError(f"{raw!r} is not an IP address or a CIDR range") from None
    return text


def _country(raw: str) -> str:
    code = raw.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise InputError(f"{raw!r} is not a two-letter country code (ISO 3166-1)")
    return code


def _page(raw: str) -> str:
    path = raw.strip()
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise InputError(f"{raw!r} is not a page path (it starts with /, no spaces)")
    return path


_KIND = {"hostname": "hostnames", "ip": "ips", "country": "countries", "page": "pages"}
_CHECKS = {"hostnames": _hostname, "ips": _ip, "countries": _country, "pages": _page}


def parse(rules: Mapping[str, Iterable[str]]) -> Shields:
    """Owner input (kind -> entries; kinds left out are empty) as Shields: each entry
    checked and normalized, blanks skipped, duplicates kept once in the order given.
    Raise InputError naming the kind (``field``) of the first bad entry."""
    unknown = set(rules) - set(SHIELD_KINDS)
    if unknown:
        raise InputError(f"unknown shields: {', '.join(sorted(unknown))}", field="shields")
    kept: dict[str, tuple[str, ...]] = {}
    for kind in SHIELD_KINDS:
        entries: dict[str, None] = {}
        for raw in rules.get(kind, ()):
            if not raw.strip():
                continue
            if len(raw) > MAX_LENGTH:
                raise InputError(f"a {kind} entry is longer than {MAX_LENGTH}", field=kind)
            try:
                entries[_CHECKS[kind](raw)] = None
            except InputError as exc:
                raise InputError(exc.detail, field=kind) from None
        if len(entries) > MAX_RULES:
            raise InputError(f"at most {MAX_RULES} {kind} per site", field=kind)
        kept[kind] = tuple(entries)
    return Shields(**kept)


def parse_lines(rules: Mapping[str, str]) -> Shields:
    """``parse`` for text areas and the CLI: entries separated by lines or commas."""
    return parse({k: re.split(r"[\n,]", v) for k, v in rules.items()})


def shields_json(shields: Shields, drops: Mapping[str, int]) -> dict[str, Any]:
    return {
        **{k: list(getattr(shields, k)) for k in SHIELD_KINDS},
        "dropped": {r.value: int(drops.get(r.value, 0)) for r in SITE_REASONS},
    }


def _alternation(patterns: Iterable[str]) -> Any:
    body = "|".join(f"(?:{p})" for p in patterns)
    return re2.compile(body) if body else None


def _host_pattern(host: str) -> str:
    return "^" + ".*".join(re.escape(p) for p in host.split("*")) + "$"


@dataclass(frozen=True)
class Guard:
    """One site's shields, compiled. Each check answers the drop reason, or None."""

    shields: Shields

    @cached_property
    def _hosts(self) -> Any:
        return _alternation(_host_pattern(h) for h in self.shields.hostnames)

    @cached_property
    def _pages(self) -> Any:
        return _alternation(glob_pattern(p) for p in self.shields.pages)

    @cached_property
    def _networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(i, strict=False) for i in self.shields.ips)

    @cached_property
    def _countries(self) -> frozenset[str]:
        return frozenset(self.shields.countries)

    def check_page(self, hostname: str, ip: str, path: str) -> DropReason | None:
        """The shields decided by the request: hostname, IP and page."""
        if self._hosts is not None and not self._hosts.search(hostname.lower()):
            return DropReason.HOSTNAME_NOT_ALLOWED
        if self._networks and _excluded(ip, self._networks):
            return DropReason.IP_EXCLUDED
        if self._pages is not None and self._pages.search(path):
            return DropReason.PAGE_EXCLUDED
        return None

    def check_country(self, country: str) -> DropReason | None:
        if country and country in self._countries:
            return DropReason.COUNTRY_EXCLUDED
        return None


def _excluded(ip: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    # An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) is that IPv4 address.
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr.version == n.version and addr in n for n in networks)


NO_SHIELDS = Shields()
OPEN = Guard(NO_SHIELDS)


class ShieldManager:
    """The shields of a site by domain, as the management API, the settings page and
    the CLI's direct mode read and change them. Callers drop the site caches after a
    change (``SiteCache.invalidate``; the CLI announces through Redis)."""

    def __init__(self, stores: Stores) -> None:
        self.stores = stores

    def _site(self, domain: str) -> Site:
        site = self.stores.catalog.get_site(normalize_domain(domain))
        if site is None:
            raise NotFoundError(f"no site {domain}", field="site")
        return site

    def show(self, domain: str) -> dict[str, Any]:
        site = self._site(domain)
        cat = self.stores.catalog
        return {"site": site.domain, **shields_json(cat.shields(site.id), cat.site_drops(site.id))}

    def replace(self, domain: str, rules: Mapping[str, Iterable[str]]) -> dict[str, Any]:
        site = self._site(domain)
        self.stores.catalog.set_shields(site.id, parse(rules))
        return self.show(domain)

    def add(self, domain: str, kind: str, value: str) -> dict[str, Any]:
        site, kind = self._site(domain), _KIND.get(kind, kind)
        now = self._rules(site, kind)
        self.stores.catalog.set_shields(site.id, parse({**now, kind: [*now[kind], value]}))
        return self.show(domain)

    def remove(self, domain: str, kind: str, value: str) -> dict[str, Any]:
        site, kind = self._site(domain), _KIND.get(kind, kind)
        now = self._rules(site, kind)
        gone = getattr(parse({kind: [value]}), kind)
        if not gone or gone[0] not in now[kind]:
            raise NotFoundError(f"{value!r} is not among the {kind} of {domain}", field=kind)
        kept = {**now, kind: tuple(v for v in now[kind] if v != gone[0])}
        self.stores.catalog.set_shields(site.id, Shields(**kept))
        return self.show(domain)

    def _rules(self, site: Site, kind: str) -> dict[str, tuple[str, ...]]:
        if kind not in SHIELD_KINDS:
            kinds = ", ".join(SHIELD_KINDS)
            raise InputError(f"a shield is one of {kinds}, not {kind!r}", field="kind")
        shields = self.stores.catalog.shields(site.id)
        return {k: getattr(shields, k) for k in SHIELD_KINDS}
