"""Property tests: whatever arrives, ingest answers < 500, and every valid event is stored."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.sites import SiteManager, parse_scopes
from footfall.web.app import create_app
from tests.support import CHROME_UA, Clock, settings_for

# JSON may escape a lone surrogate, which no UTF-8 writer takes
LONE_SURROGATES = st.sampled_from(["\ud800", "a\udfffb"])
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    LONE_SURROGATES,
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | LONE_SURROGATES, inner, max_size=4)
    ),
    max_leaves=12,
)
plausible_keys = st.sampled_from(
    [
        "n",
        "name",
        "u",
        "url",
        "d",
        "domain",
        "r",
        "referrer",
        "m",
        "meta",
        "p",
        "props",
        "$",
        "revenue",
        "i",
        "interactive",
        "h",
        "hashMode",
        "w",
    ]
)
plausible_like = st.dictionaries(plausible_keys, json_value, max_size=8)
track_keys = st.sampled_from(
    [
        "url",
        "name",
        "timestamp",
        "ip",
        "user_agent",
        "referrer",
        "props",
        "revenue",
        "screen_width",
        "language",
        "interactive",
    ]
)
track_like = st.dictionaries(track_keys, json_value, max_size=8)
_counter = itertools.count()


def dumps(value: object) -> bytes:
    """Stdlib JSON: it writes integers past 64 bits, which clients may send."""
    return json.dumps(value).encode()


@st.composite
def valid_track_event(draw: st.DrawFn) -> dict[str, object]:
    event: dict[str, object] = {
        "url": f"https://example.com/good/{next(_counter)}",
        "user_agent": CHROME_UA,
        "ip": draw(st.ip_addresses(v=4).map(str)),
    }
    if draw(st.booleans()):
        event["name"] = draw(st.text(min_size=1, max_size=40).filter(str.strip))
    if draw(st.booleans()):
        event["props"] = draw(
            st.dictionaries(
                st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10), max_size=5
            )
        )
    if draw(st.booleans()):
        event["revenue"] = {
            "currency": "USD",
            "amount": draw(
                st.decimals(
                    min_value=-(10**6),
                    max_value=10**6,
                    places=2,
                    allow_nan=False,
                    allow_infinity=False,
                )
            ).__str__(),
        }
    return event


def _harmless_url(url: object) -> bool:
    return isinstance(url, str) and "/good/" not in url


@pytest.fixture(scope="module")
def app_client(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, str, SiteManager]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    s = settings_for(tmp, flush_interval_ms=1)
    app = create_app(s, clock=Clock())
    admin = SiteManager(app.state.services.stores, app.state.services.keys)
    admin.add_site("example.com")
    key = admin.create_key("example.com", parse_scopes("ingest")).key
    with TestClient(app) as client:
        yield client, key, admin


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    body=st.one_of(plausible_like.map(dumps), json_value.map(dumps), st.binary(max_size=200)),
    ua=st.text(max_size=40),
    xff=st.text(max_size=30),
)
def test_plausible_endpoint_never_5xx(
    app_client: tuple[TestClient, str, SiteManager], body: bytes, ua: str, xff: str
) -> None:
    client, _, _ = app_client
    headers = {
        "user-agent": ua.encode("ascii", "ignore").decode(),
        "x-forwarded-for": xff.encode("ascii", "ignore").decode(),
        "content-type": "text/plain",
    }
    r = client.post("/api/event", content=body, headers=headers)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert {"error", "detail", "field"} <= set(r.json())


@FUZZ
@given(
    body=st.one_of(json_value, st.dictionaries(st.sampled_from(["type", "payload"]), json_value))
)
def test_umami_endpoints_never_5xx(
    app_client: tuple[TestClient, str, SiteManager], body: object
) -> None:
    client, _, _ = app_client
    for path, payload in (("/api/send", body), ("/api/batch", [body, body])):
        r = client.post(path, content=dumps(payload), headers={"user-agent": CHROME_UA})
        assert r.status_code < 500, r.text


@FUZZ
@given(
    good=st.lists(valid_track_event(), max_size=5),
    bad=st.lists(track_like, max_size=5),
    order=st.randoms(),
)
def test_batch_stores_every_good_event_beside_bad_ones(
    app_client: tuple[TestClient, str, SiteManager],
    good: list[dict[str, object]],
    bad: list[dict[str, object]],
    order: object,
) -> None:
    client, key, admin = app_client
    # Tag the fuzzed events so they can never look like a good one.
    bad = [b if _harmless_url(b.get("url")) else {**b, "url": 17} for b in bad]
    events = good + bad
    order.shuffle(events)  # type: ignore[attr-defined]
    r = client.post(
        "/api/v1/track/batch", headers={"x-api-key": key}, content=dumps({"events": events})
    )
    if not events:
        assert r.status_code == 400
        return
    assert r.status_code == 202, r.text
    site = admin.stores.catalog.get_site("example.com")
    assert site is not None
    stored = {
        str(e["pathname"]) for e in admin.stores.events.fetch_events(site.id, limit=1_000_000)
    }
    assert {str(g["url"]).removeprefix("https://example.com") for g in good} <= stored
    assert r.json()["failed"] <= len(bad)


@FUZZ
@given(event=track_like)
def test_single_track_event_never_5xx(
    app_client: tuple[TestClient, str, SiteManager], event: dict[str, object]
) -> None:
    client, key, _ = app_client
    for path in ("/api/v1/track/event", "/log-visit"):
        r = client.post(path, headers={"x-api-key": key}, content=dumps(event))
        assert r.status_code < 500, r.text
