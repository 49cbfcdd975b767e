"""Engagement events (docs/metrics.md, "Engagement") on every backend: outside the visit
rule and every count, they give time on page and scroll depth; pageviews before a
range's first engagement event are timed the legacy way (to the next pageview)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import ENGAGED_MS, ENGAGEMENT, SCROLL_DEPTH, Event, Site
from footfall.stats import runner
from footfall.stats.query import parse
from footfall.store.registry import Stores
from footfall.visits import TIMEOUT, split
from tests.backends import BackendUnderTest
from tests.store.contract.test_events import (
    NOW,
    T0,
    aggregate,
    ev,
    expected,
    rule_visits,
    send,
    traffic,
)

PAGES = ["/", "/a", "/b"]


def engagement(at: datetime, path: str, visitor: int, ms: int, depth: int | None) -> Event:
    e = ev(1, at, path, visitor, ENGAGEMENT)
    e.props = {ENGAGED_MS: str(ms)} | ({} if depth is None else {SCROLL_DEPTH: str(depth)})
    return e


@st.composite
def engagements(draw: st.DrawFn) -> list[Event]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        at = T0 + draw(st.timedeltas(timedelta(0), timedelta(hours=22)))
        # multiples of 0.5 s: means in binary floating point are exact (no rounding tie
        # is decided differently by the SQL and the oracle)
        ms = 500 * draw(st.integers(0, 20))
        depth = draw(st.none() | st.integers(0, 100))
        out.append(engagement(at, draw(st.sampled_from(PAGES)), draw(st.integers(1, 4)), ms, depth))
    return out


def whole_seconds(events: list[Event]) -> list[Event]:
    """At most one event per visitor and whole second: the legacy time to the next
    pageview is then one number on every backend (ties have no next, and SQL engines
    count a fraction of a second differently)."""
    seen: dict[tuple[int, datetime], Event] = {}
    for e in events:
        seen.setdefault((e.visitor_id, e.timestamp.replace(microsecond=0)), e)
    return [replace(e, timestamp=at) for (_, at), e in seen.items()]


def half_up(x: Fraction) -> int:
    return int(x + Fraction(1, 2)) if x >= 0 else -int(-x + Fraction(1, 2))


def oracle(events: list[Event]) -> dict[str, tuple[int | None, int | None]]:
    """page -> (time on page, scroll depth), by docs/metrics.md's definition; (None,
    None) for a page with no row (no event of its own in the range)."""
    engaged = [e for e in events if e.name == ENGAGEMENT]
    others = [e for e in events if e.name != ENGAGEMENT]
    cut = min((e.timestamp for e in engaged), default=None)
    secs: dict[str, list[Fraction]] = defaultdict(list)
    depths: dict[str, list[int]] = defaultdict(list)
    units: dict[tuple[str, int], list[Event]] = defaultdict(list)
    for e in engaged:
        units[(e.pathname, e.visitor_id)].append(e)
    for (page, _), group in units.items():
        secs[page].append(Fraction(sum(int(e.props[ENGAGED_MS]) for e in group), 1000))
        measured = [int(e.props[SCROLL_DEPTH]) for e in group if SCROLL_DEPTH in e.props]
        if measured:
            depths[page].append(max(measured))
    # legacy: the pageviews before the cut, each to the next one of its visit
    by_visitor: dict[int, list[Event]] = defaultdict(list)
    for e in sorted(others, key=lambda e: e.timestamp):
        by_visitor[e.visitor_id].append(e)
    for run in by_visitor.values():
        visit: list[Event] = []
        visits = []
        for e in run:
            if visit and e.timestamp - visit[-1].timestamp >= TIMEOUT:
                visits.append(visit)
                visit = []
            visit.append(e)
        visits.append(visit)
        for v in visits:
            views = [e for e in v if e.name == "pageview" and (cut is None or e.timestamp < cut)]
            for a, b in pairwise(views):
                secs[a.pathname].append(Fraction(int((b.timestamp - a.timestamp).total_seconds())))
    out: dict[str, tuple[int | None, int | None]] = {}
    listed = {e.pathname for e in others}  # a page's row needs an event of its own
    for page in PAGES:
        if page not in listed:
            out[page] = (None, None)
            continue
        t = half_up(sum(secs[page], Fraction()) / len(secs[page])) if secs[page] else None
        d = half_up(Fraction(sum(depths[page]), len(depths[page]))) if depths[page] else None
        out[page] = (t, d)
    return out


def visits_of_events(stores: Stores, site_id: int) -> list[tuple[int, datetime, datetime, int]]:
    """(visitor, first, last, events) of each stored session id, engagement events aside."""
    groups: dict[int, list[dict[str, object]]] = defaultdict(list)
    for row in stores.events.fetch_events(site_id, limit=100_000):
        if row["name"] != ENGAGEMENT:
            groups[int(str(row["session_id"]))].append(row)
    out = []
    for rows in groups.values():
        times = sorted(r["timestamp"] for r in rows)  # type: ignore[type-var]
        out.append((int(str(rows[0]["visitor_id"])), times[0], times[-1], len(rows)))
    return sorted(out)  # type: ignore[arg-type]


def per_page(stores: Stores, site: Site) -> dict[str, tuple[int | None, int | None]]:
    body = {
        "site_id": site.domain,
        "metrics": ["time_on_page", "scroll_depth"],
        "date_range": "all",
        "dimensions": ["event:page"],
    }
    q = parse(body, NOW, site.timezone, T0.date())
    found = {
        r["dimensions"][0]: tuple(r["metrics"])
        for r in runner.run(stores.stats, q, site, [])["results"]
    }
    return {page: found.get(page, (None, None)) for page in PAGES}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=traffic(), engaged=engagements(), rng=st.randoms(use_true_random=False))
def test_engagement_counts_nowhere_but_in_time_on_page_and_scroll_depth(
    backend: BackendUnderTest, tmp_path_factory: pytest.TempPathFactory, events: list[Event],
    engaged: list[Event], rng: random.Random,
) -> None:  # fmt: skip
    events = whole_seconds(events)
    stores = backend.open(tmp_path_factory.mktemp(backend.name))
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        send(stores.events, events + engaged, rng)
        assert visits_of_events(stores, site.id) == rule_visits(events)
        # of no visit, whatever visit a later split puts around them
        stored = stores.events.fetch_events(site.id, limit=100_000)
        assert {r["session_id"] for r in stored if r["name"] == ENGAGEMENT} <= {0}
        assert split(events + engaged) == split(events)
        assert aggregate(stores, site) == expected(split(events), events)
        assert per_page(stores, site) == oracle(events + engaged)
    finally:
        stores.close()


def test_the_last_page_of_a_visit_gets_a_time(stores: Stores) -> None:
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    views = [ev(site.id, T0, "/", 1), ev(site.id, T0 + timedelta(seconds=40), "/a", 1)]
    left = [
        engagement(T0 + timedelta(seconds=39), "/", 1, 35_000, 40),
        engagement(T0 + timedelta(minutes=50), "/a", 1, 90_400, 100),  # after the timeout
    ]
    for e in left:
        e.site_id = site.id
    stores.events.write_events(views)
    stores.events.write_events(left)
    assert per_page(stores, site) == {"/": (35, 40), "/a": (90, 100), "/b": (None, None)}
    # one visit of two pageviews, whatever the engagement events' times
    assert aggregate(stores, site) | {"visit_duration": 0} == {
        "visitors": 1, "visits": 1, "pageviews": 2, "events": 2, "bounce_rate": 0,
        "visit_duration": 0,
    }  # fmt: skip


def test_engagement_stored_before_ingest_checked_it_answers_no_error(stores: Stores) -> None:
    # Custom events named "engagement" stored by an earlier version kept any props.
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    junk = ev(site.id, T0 + timedelta(seconds=5), "/", 1, ENGAGEMENT)
    junk.props = {ENGAGED_MS: "soon", SCROLL_DEPTH: "9" * 40, "plan": "pro"}
    good = engagement(T0 + timedelta(seconds=9), "/", 1, 3000, 30)
    good.site_id = site.id
    stores.events.write_events([ev(site.id, T0, "/", 1), junk, good])
    assert per_page(stores, site)["/"] == (3, 30)


def test_engagement_stays_of_no_visit_when_its_visit_is_split_again(stores: Stores) -> None:
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    inside = engagement(T0 + timedelta(minutes=5), "/", 1, 4000, 20)
    inside.site_id = site.id
    stores.events.write_events([ev(site.id, T0 + timedelta(minutes=10), "/a", 1), inside])
    stores.events.write_events([ev(site.id, T0, "/", 1)])  # earlier: the visit is split again
    rows = stores.events.fetch_events(site.id)
    assert [r["session_id"] for r in rows if r["name"] == ENGAGEMENT] == [0]
    assert len({r["session_id"] for r in rows if r["name"] != ENGAGEMENT}) == 1
