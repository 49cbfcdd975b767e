"""Each pageview's previous pageview of its visit, kept by the embedded store
(013_previous_pageview.sql, store/sql/duckdb/queries.sql: insert_events,
set_previous_pageviews), whatever the arrival order and batching, after deletes,
re-sends, day snapshots loaded and split again where they meet, and a rebuild: it
equals the window over the stored events computed from scratch. And the pages'
details statement reading it (store/sql/builder.py, ``_engagement``) answers what the
window statement answers, under page, visit and other event filters."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import ENGAGED_MS, ENGAGEMENT, Event, Site
from footfall.stats.query import parse
from footfall.store.duckdb import DuckDBStore
from footfall.store.duckdb.dialect import DUCKDB
from footfall.store.sql import builder
from footfall.visits import split
from tests.store.contract.test_events import T0, send
from tests.store.duckdb.test_visits import stored_visits

NOW = T0 + timedelta(days=5)
PAGES = ["/", "/a", "/b"]
# same instant (ties ordered by page), fractions, within and past the 30-minute timeout
GAPS = st.sampled_from(
    [timedelta(0), timedelta(seconds=0.5), timedelta(seconds=7), timedelta(minutes=3),
     timedelta(minutes=29), timedelta(minutes=31), timedelta(hours=3)]
)  # fmt: skip
STORED = (
    "SELECT session_id, timestamp, name, pathname, prev_pageview_at, prev_page FROM events"
    " ORDER BY ALL"
)
# From scratch: pageviews of a visit in (timestamp, pathname) order; engagement events
# belong to no visit (session 0), other events have no previous pageview.
WINDOW = (
    "SELECT session_id, timestamp, name, pathname,"
    " CASE WHEN name = 'pageview' THEN lag(timestamp) OVER w END,"
    " CASE WHEN name = 'pageview' THEN lag(pathname) OVER w END"
    " FROM events WHERE name <> 'engagement'"
    " WINDOW w AS (PARTITION BY session_id, name = 'pageview' ORDER BY timestamp, pathname)"
    " UNION ALL SELECT session_id, timestamp, name, pathname, NULL, NULL FROM events"
    " WHERE name = 'engagement' ORDER BY ALL"
)


@st.composite
def traffic(draw: st.DrawFn) -> list[Event]:
    """Up to 4 visitors over two days and a half (visits across midnights), pageviews
    with custom and engagement events between them."""
    events: list[Event] = []
    for visitor in range(1, draw(st.integers(1, 4)) + 1):
        at = T0 + draw(st.timedeltas(timedelta(0), timedelta(hours=60)))
        for _ in range(draw(st.integers(1, 10))):
            at += draw(GAPS)
            name = draw(st.sampled_from(["pageview", "pageview", "pageview", "Signup", ENGAGEMENT]))
            e = Event(1, at, name, "example.com", draw(st.sampled_from(PAGES)), visitor, 0)
            e.interactive = draw(st.booleans())
            e.referrer_source = draw(st.sampled_from(["", "Google"]))
            if name == ENGAGEMENT:
                e.props = {ENGAGED_MS: str(500 * draw(st.integers(0, 9)))}
            events.append(e)
    return events


def kept_right(store: DuckDBStore, events: list[Event]) -> None:
    assert store.read(STORED, {}) == store.read(WINDOW, {})
    visits = split([e for e in events if e.name != ENGAGEMENT])
    assert stored_visits(store) == visits


def add_site(store: DuckDBStore) -> Site:
    site = store.add_site("example.com", "UTC", "u1")
    assert site is not None and site.id == 1
    return site


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic(), st.randoms(use_true_random=False), st.integers(0, 60), st.integers(1, 30))
def test_kept_right_through_arrivals_deletes_and_resends(
    events: list[Event], rng: random.Random, start_h: int, hours: int
) -> None:
    store = DuckDBStore(":memory:")
    try:
        add_site(store)
        send(store, events, rng)
        kept_right(store, events)
        lo = T0 + timedelta(hours=start_h)
        hi = lo + timedelta(hours=hours)
        store.delete_events(1, lo, hi)  # visits cut in two, or joined by nothing
        kept = [e for e in events if not lo <= e.timestamp < hi]
        kept_right(store, kept)
        send(store, [e for e in events if lo <= e.timestamp < hi], rng)  # joined again
        kept_right(store, events)
    finally:
        store.close()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic(), st.randoms(use_true_random=False))
def test_kept_right_through_day_snapshots_and_a_rebuild(
    tmp_path_factory: Any, events: list[Event], rng: random.Random
) -> None:
    """As DynamoDB's frames are made: each day split alone, its snapshot loaded with
    the others', the visits across midnights split again (``resplit_near``)."""
    tmp = Path(tmp_path_factory.mktemp("days"))
    by_day: dict[int, list[Event]] = {}
    for e in events:
        by_day.setdefault((e.timestamp - T0.replace(hour=0)).days, []).append(e)
    files: list[tuple[str, str]] = []
    for n, day in sorted(by_day.items()):
        scratch = DuckDBStore(":memory:")
        try:
            add_site(scratch)
            send(scratch, day, rng)
            files.append((str(tmp / f"{n}-e.parquet"), str(tmp / f"{n}-v.parquet")))
            scratch.copy_to_parquet("events", Path(files[-1][0]))
            scratch.copy_to_parquet("visits", Path(files[-1][1]))
        finally:
            scratch.close()
    store = DuckDBStore(":memory:")
    try:
        add_site(store)
        store.load_split([f[0] for f in files], [f[1] for f in files])
        midnight = T0.replace(hour=0)
        store.resplit_near([midnight + timedelta(days=n) for n in sorted(by_day)[1:]])
        kept_right(store, events)
        store.read(
            "UPDATE events SET prev_pageview_at = NULL, prev_page = 'x' WHERE name <> 'engagement'",
            {},
        )
        store.rebuild_visits()
        kept_right(store, events)
    finally:
        store.close()


RANGES: list[Any] = ["all", [T0.date().isoformat()] * 2, [(T0 + timedelta(days=1)).date()] * 2]
FILTERS: list[tuple[list[Any], bool]] = [  # (filters, read from the stored columns)
    ([], True),
    ([["is", "event:page", ["/a", "/"]]], True),
    ([["contains", "event:page", ["b"]], ["is_not", "event:page", ["/"]]], True),
    ([["is", "visit:source", ["Google"]]], True),
    ([["is", "visit:source", ["Google"]], ["is_not", "event:page", ["/b"]]], True),
    ([["is", "event:name", ["pageview"]]], False),
    ([["is", "event:page", ["/a"]], ["is", "event:hostname", ["example.com"]]], False),
]
DETAILS = ["visitors", "pageviews", "bounce_rate", "time_on_page", "scroll_depth"]


def details(site: Site, days: Any, filters: list[Any], metrics: list[str]) -> Any:
    body = {
        "site_id": site.domain,
        "metrics": metrics,
        "date_range": [str(d) for d in days] if isinstance(days, list) else days,
        "dimensions": ["event:page"],
        "filters": filters,
    }
    return parse(body, NOW, site.timezone, T0.date())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic(), st.randoms(use_true_random=False), st.sampled_from(RANGES))
def test_details_read_from_the_stored_columns_answer_as_the_window(
    events: list[Event], rng: random.Random, days: Any
) -> None:
    store = DuckDBStore(":memory:")
    try:
        site = add_site(store)
        send(store, events, rng)
        for filters, stored in FILTERS:
            q = details(site, days, filters, DETAILS)
            windowed = builder.plan(q, site.id, [], DUCKDB)
            assert "lead(" in windowed.sql
            assert ("lead(" not in builder.plan(q, site.id, [], store._dialect).sql) is stored
            assert store.answer(q, site, []) == store.read(windowed.sql, windowed.params), filters
    finally:
        store.close()


def test_pageviews_at_one_instant_are_timed_in_page_order() -> None:
    """docs/metrics.md: a tie is ordered by page, so /a is timed 0 s (to /b), /b to /c."""
    store = DuckDBStore(":memory:")
    try:
        site = add_site(store)
        at = T0 + timedelta(hours=1)
        store.write_events(
            [
                Event(1, at + timedelta(seconds=40), "pageview", "example.com", "/c", 1, 0),
                Event(1, at, "pageview", "example.com", "/b", 1, 0),
                Event(1, at, "pageview", "example.com", "/a", 1, 0),
            ]
        )
        q = details(site, "all", [], ["time_on_page"])
        rows = {r[0]: r[1] for r in store.answer(q, site, [])}
        assert rows == {"/a": 0, "/b": 40, "/c": None}
    finally:
        store.close()


def test_an_upgraded_store_has_its_previous_pageviews(tmp_path: Path) -> None:
    """A store from before migration 013 gets the columns, filled, when opened."""
    path = str(tmp_path / "old.duckdb")
    rng = random.Random(13)
    events = [
        Event(1, T0 + timedelta(minutes=m), name, "example.com", rng.choice(PAGES), v, 0)
        for v in (1, 2, 3)
        for m, name in zip(range(0, 200, 7), ["pageview", "Signup", "pageview"] * 10, strict=False)
    ]
    s = DuckDBStore(path)
    add_site(s)
    send(s, events, rng)
    s.read("ALTER TABLE events DROP COLUMN prev_pageview_at", {})
    s.read("ALTER TABLE events DROP COLUMN prev_page", {})
    s.read("DELETE FROM schema_version WHERE version >= 13", {})
    s.close()
    upgraded = DuckDBStore(path)
    try:
        kept_right(upgraded, events)
        [(filled,)] = upgraded.read("SELECT count(prev_page) FROM events", {})
        assert filled > 0
    finally:
        upgraded.close()
