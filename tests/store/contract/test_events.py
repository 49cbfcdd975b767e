"""The EventLog and StatsEngine contracts: committed events, their visits (the rule of
footfall/visits.py whatever the arrival order and batching) and the answers over them."""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import Event, Site
from footfall.errors import StoreError
from footfall.stats import runner
from footfall.stats.query import parse
from footfall.store.base import EventLog
from footfall.store.registry import Stores
from footfall.visits import TIMEOUT, VisitSummary, split
from tests.backends import BackendUnderTest

T0 = datetime(2026, 3, 10, 9, tzinfo=UTC)
NOW = datetime(2026, 3, 12, 12, tzinfo=UTC)
GAPS = st.sampled_from(
    [timedelta(0), timedelta(seconds=1), TIMEOUT - timedelta(microseconds=1), TIMEOUT]
) | st.timedeltas(timedelta(0), timedelta(minutes=45))


def ev(site_id: int, at: datetime, path: str, visitor: int, name: str = "pageview") -> Event:
    return Event(site_id, at, name, "example.com", path, visitor, 0)


@st.composite
def traffic(draw: st.DrawFn) -> list[Event]:
    events: list[Event] = []
    for visitor in range(1, draw(st.integers(1, 4)) + 1):
        at = T0 + draw(st.timedeltas(timedelta(0), timedelta(hours=20)))
        for _ in range(draw(st.integers(1, 8))):
            at += draw(GAPS)
            e = ev(1, at, draw(st.sampled_from(["/", "/a", "/b"])), visitor)
            e.name = draw(st.sampled_from(["pageview", "pageview", "Signup"]))
            e.interactive = draw(st.booleans())
            e.referrer_source = draw(st.sampled_from(["", "Google"]))
            events.append(e)
    return events


def send(log: EventLog, events: list[Event], rng: random.Random) -> None:
    """``events`` shuffled, in random batches."""
    shuffled = rng.sample(events, len(events))
    while shuffled:
        size = rng.randint(1, len(shuffled))
        log.write_events(shuffled[:size])
        shuffled = shuffled[size:]


def stored_visits(stores: Stores, site_id: int) -> list[tuple[int, datetime, datetime, int]]:
    """(visitor, first, last, events) of each stored session id."""
    groups: dict[int, list[dict[str, object]]] = defaultdict(list)
    for row in stores.events.fetch_events(site_id, limit=100_000):
        groups[int(str(row["session_id"]))].append(row)
    out = []
    for rows in groups.values():
        times = sorted(r["timestamp"] for r in rows)  # type: ignore[type-var]
        assert len({r["visitor_id"] for r in rows}) == 1
        out.append((int(str(rows[0]["visitor_id"])), times[0], times[-1], len(rows)))
    return sorted(out)  # type: ignore[arg-type]


def rule_visits(events: list[Event]) -> list[tuple[int, datetime, datetime, int]]:
    return sorted((v.visitor_id, v.started_at, v.ended_at, v.events) for v in split(events))


def aggregate(stores: Stores, site: Site) -> dict[str, float]:
    metrics = ["visitors", "visits", "pageviews", "events", "bounce_rate", "visit_duration"]
    body = {"site_id": site.domain, "metrics": metrics, "date_range": "all"}
    q = parse(body, NOW, site.timezone, T0.date())
    [row] = runner.run(stores.stats, q, site, [])["results"]
    return dict(zip(metrics, row["metrics"], strict=True))


def half_up(x: float) -> int:
    """SQL's round(): halves away from zero (Python's round() goes to even)."""
    return math.floor(x + 0.5)


def expected(visits: list[VisitSummary], events: list[Event]) -> dict[str, float]:
    n = len(visits)
    return {
        "visitors": len({e.visitor_id for e in events}),
        "visits": n,
        "pageviews": sum(1 for e in events if e.name == "pageview"),
        "events": len(events),
        "bounce_rate": half_up(100 * sum(v.bounce for v in visits) / n) if n else 0,
        "visit_duration": half_up(sum(v.duration for v in visits) / n) if n else 0,
    }


def test_events_round_trip(stores: Stores) -> None:
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    first = ev(site.id, T0, "/1", 7)
    first.props, first.revenue_amount, first.revenue_currency = {"a": "1"}, "12.5000", "EUR"
    first.interactive = False
    stores.events.write_events([ev(site.id, T0 + timedelta(seconds=1), "/2", 7), first])
    stores.events.write_events([])
    rows = stores.events.fetch_events(site.id)
    assert [r["pathname"] for r in rows] == ["/1", "/2"]
    assert rows[0]["timestamp"] == T0 and rows[0]["props"] == {"a": "1"}
    assert rows[1]["props"] == {} and rows[1]["revenue_amount"] is None
    assert str(rows[0]["revenue_amount"]) == "12.5000" and rows[0]["interactive"] is False
    assert rows[0]["session_id"] == rows[1]["session_id"]
    assert stores.events.count_events(site.id) == 2
    assert stores.stats.first_event_at(site.id) == T0
    assert stores.stats.first_event_at(site.id + 1) is None


def test_a_failed_batch_commits_nothing(stores: Stores) -> None:
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    bad = ev(site.id, T0, "/bad", 1)
    bad.revenue_amount = "1e30"  # larger than any stored amount may be
    with pytest.raises(StoreError):
        stores.events.write_events([ev(site.id, T0, "/ok", 1), bad])
    assert stores.events.count_events(site.id) == 0


def test_prop_keys_most_used_first(stores: Stores) -> None:
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    events = []
    for n, props in enumerate([{"plan": "a", "kind": "x"}, {"plan": "b"}, {"tier": "1"}]):
        e = ev(site.id, T0 + timedelta(minutes=n), "/", n)
        e.props = props
        events.append(e)
    stores.events.write_events(events)
    end = T0 + timedelta(days=1)
    assert stores.stats.prop_keys(site, T0, end, 10) == ["plan", "kind", "tier"]
    assert stores.stats.prop_keys(site, T0, end, 1) == ["plan"]
    assert stores.stats.prop_keys(site, end, end + timedelta(days=1), 10) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=traffic(), rng=st.randoms(use_true_random=False))
def test_visits_follow_the_rule_in_any_order_and_batching(
    backend: BackendUnderTest, tmp_path_factory: pytest.TempPathFactory, events: list[Event],
    rng: random.Random,
) -> None:  # fmt: skip
    stores = backend.open(tmp_path_factory.mktemp(backend.name))
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        assert site.id == 1
        send(stores.events, events, rng)
        assert stored_visits(stores, site.id) == rule_visits(events)
        assert aggregate(stores, site) == expected(split(events), events)
    finally:
        stores.close()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=traffic(), rng=st.randoms(use_true_random=False), cut=st.integers(0, 24 * 60))
def test_deleting_a_range_recomputes_the_visits_left(
    backend: BackendUnderTest, tmp_path_factory: pytest.TempPathFactory, events: list[Event],
    rng: random.Random, cut: int,
) -> None:  # fmt: skip
    stores = backend.open(tmp_path_factory.mktemp(backend.name))
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        send(stores.events, events, rng)
        start = T0 + timedelta(minutes=cut)
        end = start + timedelta(minutes=rng.choice([1, 30, 90, 600]))
        stores.events.delete_events(site.id, start, end)
        left = [e for e in events if not start <= e.timestamp < end]
        assert stored_visits(stores, site.id) == rule_visits(left)
        stores.events.delete_events(site.id, end=start)  # retention: everything before
        left = [e for e in left if e.timestamp >= start]
        assert stored_visits(stores, site.id) == rule_visits(left)
        assert stores.events.count_events(site.id) == len(left)
    finally:
        stores.close()


def test_deleting_a_site_s_events_leaves_other_sites(stores: Stores) -> None:
    a = stores.catalog.add_site("a.com", "UTC", "u1")
    b = stores.catalog.add_site("b.org", "UTC", "u2")
    stores.events.write_events([ev(a.id, T0, "/", 1), ev(b.id, T0, "/", 1)])
    stores.events.delete_events(a.id)
    assert stores.events.count_events(a.id) == 0 and stores.events.count_events(b.id) == 1
    assert aggregate(stores, b)["visits"] == 1 and aggregate(stores, a)["visits"] == 0


def test_restarts_between_batches_change_nothing(backend: BackendUnderTest, tmp_path: Path) -> None:
    rng = random.Random(11)
    events = [ev(1, T0 + timedelta(minutes=m), f"/{m % 3}", m % 5) for m in range(0, 600, 7)]
    shuffled = rng.sample(events, len(events))
    url = backend.fresh_url(tmp_path)
    from footfall.store.registry import open_stores

    first = open_stores(url)
    first.catalog.add_site("example.com", "UTC", "u1")
    first.close()
    for part in range(0, len(shuffled), 20):
        stores = open_stores(url)
        stores.events.write_events(shuffled[part : part + 10])
        stores.events.write_events(shuffled[part + 10 : part + 20])
        stores.close()
    stores = open_stores(url)
    try:
        assert stored_visits(stores, 1) == rule_visits(events)
    finally:
        stores.close()


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=traffic(), chunk=st.integers(1, 7), seed=st.integers(0, 2**32))
def test_exported_events_are_the_stored_ones_and_import_to_the_same_visits(
    stores: Stores, events: list[Event], chunk: int, seed: int
) -> None:
    """footfall export reads a range in chunks; footfall import writes what it read,
    which must give the same visits again (to another site here: a fresh target)."""
    name = uuid.uuid4().hex  # hypothesis examples share the store
    source = stores.catalog.add_site(f"s{name}.com", "UTC", f"s{name}")
    target = stores.catalog.add_site(f"t{name}.com", "UTC", f"t{name}")
    send(stores.events, [replace(e, site_id=source.id) for e in events], random.Random(seed))
    start, end = T0 + timedelta(hours=2), T0 + timedelta(hours=14)
    chunks = list(stores.events.export_events(source.id, start, end, chunk))
    assert all(0 < len(c) <= chunk for c in chunks)
    got = [e for c in chunks for e in c]
    stored = stores.events.fetch_events(source.id, limit=100_000)
    inside = [r for r in stored if start <= r["timestamp"] < end]  # type: ignore[operator]
    assert sorted((e.timestamp, e.visitor_id, e.session_id, e.pathname) for e in got) == sorted(
        (r["timestamp"], r["visitor_id"], r["session_id"], r["pathname"]) for r in inside
    )
    assert sorted(e.timestamp for e in got) == [e.timestamp for e in got]
    assert all(e.site_id == source.id for e in got)
    everything = [e for c in stores.events.export_events(source.id, T0, NOW, chunk) for e in c]
    stores.events.write_events([replace(e, site_id=target.id) for e in everything])
    assert stored_visits(stores, target.id) == stored_visits(stores, source.id)
    assert aggregate(stores, target) == aggregate(stores, source)
