"""The store's visits are the visit rule's (footfall/visits.py), whatever the arrival.

Random visitors, pages and gaps clustered around the 30-minute timeout, custom events
(interactive or not), sent in random orders and random batchings: the visits table and
the events' session ids equal the pure rule's split, for every order.
"""

from __future__ import annotations

import random
from datetime import UTC, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.domain import Event
from footfall.store.duckdb import DuckDBStore
from footfall.visits import VisitSummary, split
from tests.store.contract.test_events import T0, send, traffic


def stored_visits(store: DuckDBStore) -> list[VisitSummary]:
    rows = store.read(
        "SELECT site_id, visitor_id, started_at, ended_at, pageviews, events, interactions,"
        " entry_page, exit_page FROM visits ORDER BY site_id, visitor_id, started_at",
        {},
    )
    return [
        VisitSummary(r[0], r[1], r[2].replace(tzinfo=UTC), r[3].replace(tzinfo=UTC), *r[4:])
        for r in rows
    ]


def sessions_match_visits(store: DuckDBStore) -> bool:
    """Every event carries the id of the one visit whose span holds it."""
    [(bad,)] = store.read(
        "SELECT count(*) FROM events e LEFT JOIN visits v ON v.session_id = e.session_id"
        " AND e.timestamp BETWEEN v.started_at AND v.ended_at"
        " AND v.visitor_id = e.visitor_id WHERE v.session_id IS NULL",
        {},
    )
    return bool(bad == 0)


@settings(max_examples=40, deadline=None)
@given(traffic(), st.randoms(use_true_random=False))
def test_visits_are_the_rules_for_any_order_and_batching(
    events: list[Event], rng: random.Random
) -> None:
    expected = split(events)
    for _ in range(3):
        store = DuckDBStore(":memory:")
        try:
            send(store, events, rng)
            assert stored_visits(store) == expected
            assert sessions_match_visits(store)
            [(durations, bounces)] = store.read(
                "SELECT list(CASE WHEN pageviews < 2 AND interactions = 0 THEN 0"
                " ELSE date_diff('second', started_at, ended_at) END ORDER BY visitor_id,"
                " started_at), count(*) FILTER (WHERE pageviews < 2 AND interactions = 0)"
                " FROM visits",
                {},
            )
            assert durations == [v.duration for v in expected]
            assert bounces == sum(v.bounce for v in expected)
        finally:
            store.close()


def test_the_same_visits_get_the_same_ids_in_any_order() -> None:
    rng = random.Random(7)
    events = [
        Event(1, T0 + timedelta(minutes=m), "pageview", "example.com", f"/{m}", v, 0)
        for v in (1, 2)
        for m in (0, 10, 45, 50, 120)
    ]
    ids = []
    for _ in range(3):
        store = DuckDBStore(":memory:")
        send(store, events, rng)
        ids.append(store.read("SELECT session_id FROM visits ORDER BY session_id", {}))
        store.close()
    assert ids[0] == ids[1] == ids[2] and len(ids[0]) == 2 * 3


def test_restarts_between_batches_change_nothing(tmp_path: Path) -> None:
    rng = random.Random(11)
    events = [
        Event(1, T0 + timedelta(minutes=m), "pageview", "example.com", f"/{m % 3}", m % 5, 0)
        for m in range(0, 600, 7)
    ]
    shuffled = rng.sample(events, len(events))
    path = str(tmp_path / "restarts.duckdb")
    for part in range(0, len(shuffled), 20):
        store = DuckDBStore(path)  # journal applied on opening, then these batches
        store.write_events(shuffled[part : part + 10])
        store.write_events(shuffled[part + 10 : part + 20])
        store.close()
    store = DuckDBStore(path)
    try:
        assert stored_visits(store) == split(events)
        assert sessions_match_visits(store)
    finally:
        store.close()


ATTRIBUTES = ("referrer_source", "referrer", "channel", "browser", "os", "country", "device")
VISIT_ATTRIBUTES = (  # ATTRIBUTES' columns in visits
    "SELECT visitor_id, started_at, source, referrer, channel, browser, os, country, device"
    " FROM visits"
)


@st.composite
def ties(draw: st.DrawFn) -> list[Event]:
    """Few instants, so that several events of a visitor share its visit's first one,
    each with its own attributes (and some events reaching back before the others)."""
    events = []
    for visitor in range(1, draw(st.integers(1, 3)) + 1):
        for _ in range(draw(st.integers(1, 9))):
            at = T0 + timedelta(minutes=draw(st.sampled_from([0, 0, 5, 40, 41, 90])))
            e = Event(
                1,
                at,
                draw(st.sampled_from(["pageview", "Signup"])),
                "example.com",
                draw(st.sampled_from(["/", "/a"])),
                visitor,
                0,
            )
            for name in ATTRIBUTES:
                setattr(e, name, draw(st.sampled_from(["", "a", "b", "c"])))
            events.append(e)
    return events


@settings(max_examples=40, deadline=None)
@given(ties(), st.randoms(use_true_random=False))
def test_a_visits_attributes_are_the_smallest_at_its_first_instant(
    events: list[Event], rng: random.Random
) -> None:
    expected = {
        (v.visitor_id, v.started_at): tuple(
            min(
                getattr(e, name)
                for e in events
                if e.visitor_id == v.visitor_id and e.timestamp == v.started_at
            )
            for name in ATTRIBUTES
        )
        for v in split(events)
    }
    store = DuckDBStore(":memory:")
    try:
        send(store, events, rng)
        rows = store.read(VISIT_ATTRIBUTES, {})
        assert {(r[0], r[1].replace(tzinfo=UTC)): tuple(r[2:]) for r in rows} == expected
    finally:
        store.close()
