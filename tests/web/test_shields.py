"""Traffic shields through the real ingest endpoints of the three dialects (Plausible's
/api/event, Umami's /api/send, our /api/v1/track/event), on every backend: each event
a site's shields exclude is dropped under its reason, the rest are stored, and the
site's drop tallies (management API) count exactly the drops. The expected answers
come from an oracle written apart from footfall/shields.py (fnmatch, a recursive
path matcher, ipaddress)."""

from __future__ import annotations

import fnmatch
import ipaddress
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hyp_event
from hypothesis import strategies as st

from footfall.ingest.enrich.geo import GeoLocator
from footfall.sites import SiteManager, parse_scopes
from footfall.store.registry import Stores
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.backends import backend, stores
from tests.support import CHROME_UA, settings_for

__all__ = ["backend", "stores"]

GEO = GeoLocator(None)
HOSTS = ["ex.com", "www.ex.com", "a.ex.com", "b.a.ex.com", "shop.org", "a.shop.org"]
HOST_RULES = ["ex.com", "*.ex.com", "a.*", "shop.org", "*.org", "b.*.com", "*"]
SEGMENTS = ["a", "b", "x1"]
DIALECTS = ["plausible", "umami", "track"]


@dataclass
class App:
    client: TestClient
    svc: Services
    sites: Iterator[int]

    def call(self, method: str, path: str, json: object = None) -> dict[str, object]:
        token = {"authorization": f"Bearer {self.svc.admin_token}"}
        r = self.client.request(method, f"/api/v1{path}", json=json, headers=token)
        assert r.status_code == 200, r.text
        answer: dict[str, object] = r.json()
        return answer


@pytest.fixture
def app(stores: Stores, tmp_path: Path) -> Iterator[App]:
    made = create_app(settings_for(tmp_path, trusted_proxies="127.0.0.1"), stores=stores)
    with TestClient(made, client=("127.0.0.1", 50000)) as client:
        yield App(client, made.state.services, itertools.count())


# the oracle ------------------------------------------------------------------
def _page_matches(pattern: str, path: str) -> bool:
    """``*`` within a path segment, ``**`` across them: a matcher by recursion."""
    if not pattern:
        return not path
    if pattern.startswith("**"):
        return any(_page_matches(pattern[2:], path[i:]) for i in range(len(path) + 1))
    if pattern.startswith("*"):
        stop = path.find("/")
        stop = len(path) if stop < 0 else stop
        return any(_page_matches(pattern[1:], path[i:]) for i in range(stop + 1))
    return bool(path) and path[0] == pattern[0] and _page_matches(pattern[1:], path[1:])


def expected_reason(host: str, ip: str, path: str, rules: dict[str, list[str]]) -> str | None:
    bare = host.removeprefix("www.")
    allowed = [h.removeprefix("www.") for h in rules["hostnames"]]
    if allowed and not any(fnmatch.fnmatchcase(bare, p) for p in allowed):
        return "hostname_not_allowed"
    addr = ipaddress.ip_address(ip)
    networks = [ipaddress.ip_network(n, strict=False) for n in rules["ips"]]
    if any(addr.version == n.version and addr in n for n in networks):
        return "ip_excluded"
    if any(_page_matches(p, path) for p in rules["pages"]):
        return "page_excluded"
    if GEO.lookup(ip).country in rules["countries"]:
        return "country_excluded"
    return None


# the traffic -----------------------------------------------------------------
IPV4 = st.integers(0x01000000, 0xDFFFFFFF).map(lambda n: str(ipaddress.IPv4Address(n)))
IPV6 = st.integers(0x2000 << 112, (0x2C00 << 112) - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
PATHS = st.lists(st.sampled_from(SEGMENTS), max_size=3).map(lambda s: "/" + "/".join(s))
PAGE_RULES = st.lists(st.sampled_from([*SEGMENTS, "*", "**"]), min_size=1, max_size=3).map(
    lambda s: "/" + "/".join(s)
)
EVENTS = st.lists(
    st.tuples(st.sampled_from(HOSTS), st.one_of(IPV4, IPV6), PATHS, st.sampled_from(DIALECTS)),
    min_size=1,
    max_size=8,
)


def _cidr(ip: str, bits: int) -> str:
    """A range around ``ip`` as an owner might type it (host bits left set)."""
    addr = ipaddress.ip_address(ip)
    return f"{addr}/{bits % (addr.max_prefixlen + 1)}"


@st.composite
def traffic(draw: st.DrawFn) -> tuple[list[tuple[str, str, str, str]], dict[str, list[str]]]:
    events = draw(EVENTS)
    ips = [ip for _, ip, _, _ in events]
    near = st.builds(_cidr, st.sampled_from(ips), st.integers(0, 128))
    countries = sorted({GEO.lookup(ip).country for ip in ips} - {""}) or ["DE"]
    rules = {
        "hostnames": draw(st.lists(st.sampled_from(HOST_RULES), max_size=2, unique=True)),
        "ips": draw(st.lists(st.one_of(near, IPV4, IPV6), max_size=3, unique=True)),
        "countries": draw(st.lists(st.sampled_from(countries), max_size=2, unique=True)),
        "pages": draw(st.lists(PAGE_RULES, max_size=2, unique=True)),
    }
    return events, rules


def send(app: App, domain: str, key: str, umami_id: str, event: tuple[str, str, str, str]) -> str:
    """One event through the dialect's endpoint; the drop reason it answers ("" none)."""
    host, ip, path, dialect = event
    headers = {"user-agent": CHROME_UA, "x-forwarded-for": ip}
    if dialect == "plausible":
        body = {"n": "pageview", "u": f"https://{host}{path}", "d": domain}
        r = app.client.post("/api/event", json=body, headers=headers)
        assert r.status_code == 202, r.text
    elif dialect == "umami":
        payload = {"website": umami_id, "hostname": host, "url": path}
        umami = {"type": "event", "payload": payload}
        r = app.client.post("/api/send", json=umami, headers=headers)
        assert r.status_code == 200, r.text
    else:
        body = {"url": f"https://{host}{path}", "ip": ip, "user_agent": CHROME_UA}
        r = app.client.post("/api/v1/track/event", json=body, headers={"x-api-key": key})
        assert r.status_code == 202, r.text
    return r.headers.get("x-footfall-dropped", "")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=traffic())
def test_each_shield_drops_what_it_should_and_counts_it(
    app: App, case: tuple[list[tuple[str, str, str, str]], dict[str, list[str]]]
) -> None:
    events, rules = case
    admin = SiteManager(app.svc.stores, app.svc.keys)
    site = admin.add_site(f"s{next(app.sites)}.test")
    key = admin.create_key(site.domain, parse_scopes("ingest")).key
    shown = app.call("PUT", f"/sites/{site.domain}/shields", rules)
    assert {k: shown[k] for k in rules} == {
        **rules,
        "hostnames": [h.removeprefix("www.") for h in rules["hostnames"]],
    }
    expected: Counter[str] = Counter()
    for event in events:
        want = expected_reason(event[0], event[1], event[2], rules)
        assert send(app, site.domain, key, str(site.umami_website_id), event) == (want or ""), event
        expected[want or "kept"] += 1
        hyp_event(want or "kept")
    kept = expected.pop("kept", 0)
    assert len(app.svc.stores.events.fetch_events(site.id)) == kept
    dropped = app.call("GET", f"/sites/{site.domain}/shields")["dropped"]
    assert isinstance(dropped, dict)
    assert {r: n for r, n in dropped.items() if n} == dict(expected)
