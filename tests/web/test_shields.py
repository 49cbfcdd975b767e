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
from httpx2 import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hyp_event
from hypothesis import strategies as st

from footfall.ingest.enrich.geo import GeoLocator
from footfall.sites import SiteManager, parse_scopes
from footfall.store.registry import Stores
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.backends import backend, stores
from tests.support import CHROME_UA, Running, settings_for

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


# the management API's edges (DuckDB: the API layer is the same on every backend) ----
def admin_call(running: Running, method: str, path: str, json: object = None) -> Response:
    token = {"authorization": f"Bearer {running.svc.admin_token}"}
    return running.client.request(method, f"/api/v1{path}", json=json, headers=token)


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"hostnames": ["exa mple.com"]}, "hostnames"),
        ({"hostnames": ["example.com:8080"]}, "hostnames"),
        ({"ips": ["10.0.0.0/33"]}, "ips"),
        ({"ips": ["not-an-ip"]}, "ips"),
        ({"countries": ["DEU"]}, "countries"),
        ({"countries": ["1A"]}, "countries"),
        ({"pages": ["admin/**"]}, "pages"),
        ({"pages": ["/a b"]}, "pages"),
        ({"pages": ["/" + "a" * 600]}, "pages"),
        ({"ips": [f"10.0.0.{i}" for i in range(101)]}, "ips"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_shield_and_changes_nothing(
    running: Running, rules: dict[str, list[str]], field: str
) -> None:
    first = admin_call(running, "PUT", "/sites/example.com/shields", {"ips": ["10.0.0.1"]})
    assert first.is_success
    r = admin_call(running, "PUT", "/sites/example.com/shields", rules)
    assert r.status_code == 400 and r.json()["field"].endswith(field), r.json()
    assert admin_call(running, "GET", "/sites/example.com/shields").json()["ips"] == ["10.0.0.1"]


def test_one_rule_at_a_time_and_who_may(running: Running) -> None:
    add = admin_call(running, "POST", "/sites/example.com/shields/page", {"value": "/a/**"})
    assert add.status_code == 200 and add.json()["pages"] == ["/a/**"]
    again = admin_call(running, "POST", "/sites/example.com/shields/pages", {"value": "/a/**"})
    assert again.json()["pages"] == ["/a/**"]  # kept once
    bad = admin_call(running, "POST", "/sites/example.com/shields/colour", {"value": "red"})
    assert (bad.status_code, bad.json()["field"]) == (400, "kind")
    gone = admin_call(running, "DELETE", "/sites/example.com/shields/pages/%2Fa%2F%2A%2A")
    assert gone.status_code == 200 and gone.json()["pages"] == []
    missing = admin_call(running, "DELETE", "/sites/example.com/shields/pages/%2Fa")
    assert missing.status_code == 404
    assert admin_call(running, "GET", "/sites/nope.net/shields").status_code == 404
    own = running.key("other.org", "admin")
    theirs = {"authorization": f"Bearer {own}"}
    r = running.client.get("/api/v1/sites/example.com/shields", headers=theirs)
    assert r.status_code == 403
    r = running.client.get("/api/v1/sites/other.org/shields", headers=theirs)
    assert r.status_code == 200 and r.json()["site"] == "other.org"


def test_bots_and_spam_of_a_site_are_counted_beside_its_shields(running: Running) -> None:
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    body = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
    for agent in (bot, bot, ""):
        running.client.post("/api/event", json=body, headers={"user-agent": agent})
    running.client.post("/api/event", json={**body, "d": "nope.net"}, headers={"user-agent": bot})
    dropped = admin_call(running, "GET", "/sites/example.com/shields").json()["dropped"]
    assert {k: v for k, v in dropped.items() if v} == {"bot_user_agent": 2, "empty_user_agent": 1}
    metrics = running.operator_get("/metrics").text
    assert 'footfall_events_dropped_total{reason="bot_user_agent"} 2.0' in metrics
