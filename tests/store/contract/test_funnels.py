"""The funnel contract: funnels stored per site on every backend, and the funnel
counts of one set of events (store/sql/funnel.py, DynamoDB's frame too)."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from footfall.domain import Event, Funnel, FunnelStep
from footfall.errors import ConflictError
from footfall.stats.query import Condition, StatsQuery
from footfall.store.registry import Stores

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
STEPS = (FunnelStep("", "/"), FunnelStep("", "/blog/**"), FunnelStep("Signup", ""))


def test_funnels_round_trip_per_site_and_stay_unique(stores: Stores) -> None:
    cat = stores.catalog
    a, b = cat.add_site("a.com", "UTC", "u1"), cat.add_site("b.org", "UTC", "u2")
    made = cat.add_funnel(a.id, "Blog to signup", STEPS)
    assert made == Funnel(made.id, a.id, "Blog to signup", STEPS)
    with pytest.raises(ConflictError):
        cat.add_funnel(a.id, "Blog to signup", STEPS[:2])
    other = cat.add_funnel(b.id, "Blog to signup", STEPS[1:])  # names are per site
    first = cat.add_funnel(a.id, "A first", STEPS[:2])
    assert cat.list_funnels(a.id) == [first, made]
    assert cat.list_funnels() == [first, made, other]
    assert cat.remove_funnel(a.id, "A first") is True
    assert cat.remove_funnel(a.id, "A first") is False
    assert cat.list_funnels(a.id) == [made]
    assert cat.remove_site(a.id) is True
    assert cat.list_funnels() == [other]


def test_concurrent_adds_of_one_name_store_one_funnel(stores: Stores) -> None:
    site = stores.catalog.add_site("a.com", "UTC", "u1")
    outcomes: list[str] = []

    def add() -> None:
        try:
            stores.catalog.add_funnel(site.id, "Same", STEPS)
            outcomes.append("added")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=add) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["added", *["conflict"] * 5]
    assert len(stores.catalog.list_funnels(site.id)) == 1


def _event(site_id: int, visitor: int, at: datetime, path: str, name: str = "pageview") -> Event:
    return Event(site_id, at, name, "a.com", path, visitor, 0, utm_source=f"s{visitor % 2}")


def test_funnel_counts_visitors_reaching_each_step_in_order(stores: Stores) -> None:
    site = stores.catalog.add_site("a.com", "UTC", "u1")
    minute = timedelta(minutes=1)
    paths: dict[int, list[str | tuple[str, str]]] = {
        1: ["/", "/blog/x/y", ("Signup", "/blog/x/y")],  # every step
        2: ["/", "/blog/a"],  # two steps
        3: ["/blog/a", "/", ("Signup", "/")],  # steps out of order: step 1 only
        4: ["/pricing"],  # no step
        5: ["/", "/", "/blog/b"],  # two steps, step 1 twice
    }
    events = []
    for visitor, steps in paths.items():
        for i, step in enumerate(steps):
            name, path = step if isinstance(step, tuple) else ("pageview", step)
            events.append(_event(site.id, visitor, T0 + i * minute, path, name))
    # Visitor 6: step 1 in one visit, step 2 in a later visit (an hour on): step 1 only.
    events.append(_event(site.id, 6, T0, "/"))
    events.append(_event(site.id, 6, T0 + timedelta(hours=1), "/blog/c"))
    random.Random(3).shuffle(events)
    stores.events.write_events(events)
    q = StatsQuery("a.com", ("visitors",), T0 - timedelta(hours=1), T0 + timedelta(hours=3), "UTC")
    assert stores.stats.funnel(q, site, STEPS, ()) == [6, 5, 3, 1]
    by_source = StatsQuery(
        "a.com",
        ("visitors",),
        q.start,
        q.end,
        "UTC",
        filters=(Condition("is", "visit:utm_source", ("s1",)),),
    )
    assert stores.stats.funnel(by_source, site, STEPS, ()) == [3, 3, 2, 1]
    # An event filter keeps the visits with a matching event, every event of them.
    signed = StatsQuery(
        "a.com",
        ("visitors",),
        q.start,
        q.end,
        "UTC",
        filters=(Condition("is", "event:name", ("Signup",)),),
    )
    assert stores.stats.funnel(signed, site, STEPS, ()) == [2, 2, 1, 1]
    empty = StatsQuery(
        "a.com", ("visitors",), T0 + timedelta(days=2), T0 + timedelta(days=3), "UTC"
    )
    assert stores.stats.funnel(empty, site, STEPS, ()) == [0, 0, 0, 0]


def test_funnel_counts_the_visits_that_start_in_the_range_only(stores: Stores) -> None:
    """A visit that began before the range is not considered, even for its steps
    inside the range (with filters or without: two ways in the statement); one that
    begins in the range counts its steps in the range only."""
    site = stores.catalog.add_site("a.com", "UTC", "u1")
    start, minute = T0, timedelta(minutes=1)
    events = [
        # visitor 1: begins 10 minutes before the range, every step inside it
        _event(site.id, 1, start - 10 * minute, "/pricing"),
        _event(site.id, 1, start + minute, "/"),
        _event(site.id, 1, start + 2 * minute, "/blog/a"),
        _event(site.id, 1, start + 3 * minute, "/", "Signup"),
        # visitor 3: begins in the range, its last step after the range's end
        _event(site.id, 3, start + 50 * minute, "/"),
        _event(site.id, 3, start + 55 * minute, "/blog/a"),
        _event(site.id, 3, start + 61 * minute, "/", "Signup"),
        # visitor 5: ended before the range (over 30 minutes before its next event)
        _event(site.id, 5, start - 40 * minute, "/"),
        _event(site.id, 5, start + 5 * minute, "/"),
        _event(site.id, 5, start + 6 * minute, "/blog/b"),
    ]
    random.Random(5).shuffle(events)
    stores.events.write_events(events)
    for filters in ((), (Condition("is_not", "visit:utm_source", ("none",)),)):
        q = StatsQuery(
            "a.com", ("visitors",), start, start + timedelta(hours=1), "UTC", filters=filters
        )
        assert stores.stats.funnel(q, site, STEPS, ()) == [2, 2, 2, 0], filters
