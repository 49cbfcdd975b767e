"""The conformance suite: generated traffic with known answers, sent through the real
ingest endpoint with historical timestamps, every case asked of ``POST /api/v2/query``.

Parametrized by backend (every one in tests/backends.py) and by arrival: the same
traffic in time order, and shuffled across batches and app instances with a restart
halfway; both must give the oracle's answers, so they give each other's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footfall.config import load_settings
from footfall.sites import SiteManager, parse_scopes
from footfall.store.registry import open_stores
from footfall.web.app import create_app
from tests.backends import BACKENDS, BackendUnderTest
from tests.conformance.cases import CASES, DAYS, SEED, Case
from tests.conformance.funnels import FUNNEL_CASES, FunnelCase
from tests.conformance.traffic import Traffic, generate
from tests.support import Clock

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
# "ordered": time order by person-day, one app. "shuffled": the same events in a random
# order, in random batches, alternating between two app instances (each with its own
# connections on a shared backend, as replicas; sharing the one store of an embedded
# one), all closed and reopened halfway (a restart). Visits must come out the same.
ARRIVALS = ("ordered", "shuffled")
Loaded = tuple[TestClient, str, Traffic, float]  # client, stats key, traffic, bots dropped
OPERATOR = {"authorization": "Bearer Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw"}


def _dropped(client: TestClient) -> float:
    """Events this app's pipeline dropped, by its /metrics."""
    metrics = client.get("/metrics", headers=OPERATOR).text
    lines = [ln for ln in metrics.splitlines() if ln.startswith("footfall_events_dropped_total")]
    return sum(float(ln.split()[-1]) for ln in lines)


def _roll_up(backend: BackendUnderTest, url: str, days: int) -> None:
    """On a backend that keeps rollups, roll up (again) ``days`` ended days now, the
    newest first (servers do it each minute): answers must not change. (An embedded
    store is open in the app: it keeps none, and is not opened twice.)"""
    if not backend.shared:
        return
    stores = open_stores(url)
    try:
        if stores.rollups is not None:
            stores.rollups.refresh_rollups(days)
    finally:
        stores.close()


def _send(client: TestClient, key: str, batch: list[dict[str, Any]]) -> None:
    r = client.post("/api/v1/track/batch", headers={"x-api-key": key}, json={"events": batch})
    assert r.status_code == 202, r.text
    assert r.json()["failed"] == 0, r.json()["errors"][:3]


@pytest.fixture(
    scope="module",
    params=[(b, a) for b in BACKENDS for a in ARRIVALS],
    ids=[f"{b.name}-{a}" for b in BACKENDS for a in ARRIVALS],
)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    backend: BackendUnderTest = request.param[0]
    arrival: str = request.param[1]
    settings = load_settings(
        database_url=backend.fresh_url(tmp_path_factory.mktemp(f"conformance-{backend.name}")),
        secret_key="Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt",
        admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw",
        # The suite checks answers, not speed: a busy 2-core CI machine must not turn a
        # first DynamoDB read of every day into a query_timeout.
        query_timeout_seconds=120,
    )
    traffic = generate(SEED, DAYS, end=NOW.date() - timedelta(days=1))
    app = create_app(settings, clock=Clock(NOW))
    admin = SiteManager(app.state.services.stores, app.state.services.keys)
    admin.add_site(traffic.site)
    ingest = admin.create_key(traffic.site, parse_scopes("ingest")).key
    stats = admin.create_key(traffic.site, parse_scopes("stats")).key
    if arrival == "ordered":
        with TestClient(app) as client:
            for batch in traffic.batches():
                _send(client, ingest, batch)
            _roll_up(backend, settings.database_url, DAYS)
            yield client, stats, traffic, _dropped(client)
        return
    batches = traffic.shuffled_batches(SEED)
    halves = [batches[: len(batches) // 2], batches[len(batches) // 2 :]]
    app.state.services.stores.close()
    dropped = 0.0
    for half in halves:  # a restart between the halves: the stores closed and reopened
        shared = None if backend.shared else open_stores(settings.database_url)
        pair = [create_app(settings, stores=shared, clock=Clock(NOW)) for _ in range(2)]
        with TestClient(pair[0]) as one, TestClient(pair[1]) as two:
            for i, batch in enumerate(half):
                _send((one, two)[i % 2], ingest, batch)
            dropped += _dropped(one) + _dropped(two)
        if shared is not None:
            shared.close()
        # Every day rolled up after the first half, so the second half writes late to
        # rolled-up days; after it, only the newest half rolled up again.
        _roll_up(backend, settings.database_url, DAYS if half is halves[0] else DAYS // 2)
    with TestClient(create_app(settings, clock=Clock(NOW))) as client:
        yield client, stats, traffic, dropped


def test_bots_were_dropped_not_stored(loaded: Loaded) -> None:
    _, _, traffic, dropped = loaded
    assert dropped == sum(1 for e in traffic.events if e.is_bot)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(loaded: Loaded, case: Case) -> None:
    client, key, traffic, _ = loaded
    r = client.post(
        "/api/v2/query", headers={"authorization": f"Bearer {key}"}, json=case.query(traffic)
    )
    assert r.status_code == 200, r.text
    got: list[dict[str, Any]] = r.json()["results"]
    assert got == case.expected(traffic)


@pytest.mark.parametrize("case", FUNNEL_CASES, ids=[c.name for c in FUNNEL_CASES])
def test_funnel_case(loaded: Loaded, case: FunnelCase) -> None:
    client, key, traffic, _ = loaded
    body = {"site": traffic.site, "name": case.name, "steps": case.steps}
    made = client.post("/api/v1/funnels", headers=OPERATOR, json=body)
    assert made.status_code in (201, 409), made.text  # 409: made by the other arrival's run
    r = client.post(
        "/api/v2/funnel", headers={"authorization": f"Bearer {key}"}, json=case.query(traffic)
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    got = [answer["all_visitors"], *(s["visitors"] for s in answer["steps"])]
    assert got == case.expected(traffic)


# The pages' details view asks visitors, pageviews and the bounce rate by page; the
# builder then reads the bounce rate from the visits' entry pages alone
# (store/sql/builder.py: _page_bounce_only). With ``visits`` asked too it takes its
# general way (every page and visit paired). The oracle defines no bounce rate by page,
# so the two ways are held to each other, under each kind of filter and over ranges
# that cut visits at both ends.
PAGE_BOUNCE_FILTERS = {
    "none": [],
    "visit": [["is", "visit:source", ["Google", "Direct / None"]]],
    "page": [["is", "event:page", ["/pricing", "/"]]],
    "event": [["is", "event:name", ["Signup"]]],
    "or": [["or", [["is", "event:page", ["/pricing"]], ["contains", "event:page", ["blog"]]]]],
    "not": [["is_not", "event:page", ["/"]], ["is", "visit:utm_medium", ["email", "(not set)"]]],
}


@pytest.mark.parametrize("filters", PAGE_BOUNCE_FILTERS, ids=list(PAGE_BOUNCE_FILTERS))
def test_page_bounce_rate_alone_agrees_with_the_general_statement(
    loaded: Loaded, filters: str
) -> None:
    client, key, traffic, _ = loaded
    for first, last in ((0, DAYS - 1), (1, 2)):
        days = [(traffic.start + timedelta(days=d)).isoformat() for d in (first, last)]
        answers = []
        for metrics in (["visitors", "pageviews", "bounce_rate"], ["bounce_rate", "visits"]):
            body = {
                "site_id": traffic.site,
                "metrics": metrics,
                "date_range": days,
                "dimensions": ["event:page"],
                "filters": PAGE_BOUNCE_FILTERS[filters],
                "pagination": {"limit": 10000},
            }
            r = client.post("/api/v2/query", headers={"authorization": f"Bearer {key}"}, json=body)
            assert r.status_code == 200, r.text
            index = metrics.index("bounce_rate")
            answers.append({x["dimensions"][0]: x["metrics"][index] for x in r.json()["results"]})
        assert answers[0] == answers[1], (days, filters)
        assert filters != "none" or any(answers[0].values()), "some page has bounces"
