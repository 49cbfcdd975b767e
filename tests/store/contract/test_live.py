"""The live views' statements on every backend: realtime (the last 30 minutes of a
site) against an oracle over the same events, whatever their order and batching."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import Event
from footfall.stats import overview, realtime
from footfall.stats.filters import DIRECT
from tests.backends import BackendUnderTest
from tests.store.contract.test_events import send

NOW = datetime(2026, 3, 12, 12, 0, 30, 250_000, tzinfo=UTC)
PAGES = ["/", "/a", "/b", "/c"]
SOURCES = ["", "Google", "Hacker News"]


@st.composite
def recent(draw: st.DrawFn) -> list[Event]:
    """A few visitors around the last 45 minutes (some before the window, some just
    at its edges), each from one source, pageviews and custom events."""
    events = []
    edges = [timedelta(0), realtime.WINDOW, realtime.CURRENT, timedelta(seconds=30)]
    for visitor in range(1, draw(st.integers(1, 6)) + 1):
        source = draw(st.sampled_from(SOURCES))
        for _ in range(draw(st.integers(1, 5))):
            ago = draw(st.sampled_from(edges) | st.timedeltas(timedelta(0), timedelta(minutes=45)))
            name = draw(st.sampled_from(["pageview", "pageview", "Signup"]))
            e = Event(1, NOW - ago, name, "example.com", draw(st.sampled_from(PAGES)), visitor, 0)
            e.referrer_source = source
            events.append(e)
    return events


def oracle(events: list[Event]) -> dict[str, object]:
    inside = [e for e in events if NOW - realtime.WINDOW <= e.timestamp <= NOW]
    current = {e.visitor_id for e in inside if e.timestamp >= NOW - realtime.CURRENT}
    first = NOW.replace(second=0, microsecond=0) - timedelta(minutes=realtime.MINUTES - 1)
    minutes: dict[datetime, list[Event]] = defaultdict(list)
    for e in inside:
        minutes[e.timestamp.replace(second=0, microsecond=0)].append(e)

    def top(key: str, empty: str, only_pageviews: bool) -> list[tuple[str, int, int]]:
        groups: dict[str, list[Event]] = defaultdict(list)
        for e in inside:
            if e.name == "pageview" or not only_pageviews:
                groups[getattr(e, key)].append(e)
        found = [
            (k or empty, len({e.visitor_id for e in g}), sum(e.name == "pageview" for e in g))
            for k, g in groups.items()
        ]
        return sorted(found)

    return {
        "visitors_5m": len(current),
        "visitors_30m": len({e.visitor_id for e in inside}),
        "minutes": [
            (
                len({e.visitor_id for e in minutes[first + timedelta(minutes=i)]}),
                sum(e.name == "pageview" for e in minutes[first + timedelta(minutes=i)]),
            )
            for i in range(realtime.MINUTES)
        ],
        "pages": top("pathname", "/", True),
        "sources": top("referrer_source", DIRECT, False),
    }


def seen(answer: dict[str, object]) -> dict[str, object]:
    def rows(key: str) -> list[tuple[str, int, int]]:
        found = answer[key]
        assert isinstance(found, list)
        return sorted((r["label"], r["visitors"], r["pageviews"]) for r in found)

    minutes = answer["minutes"]
    assert isinstance(minutes, list)
    return {
        "visitors_5m": answer["visitors_5m"],
        "visitors_30m": answer["visitors_30m"],
        "minutes": [(m["visitors"], m["pageviews"]) for m in minutes],
        "pages": rows("pages"),
        "sources": rows("sources"),
    }


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=recent(), rng=st.randoms(use_true_random=False))
def test_realtime_is_the_last_30_minutes_in_one_statement(
    backend: BackendUnderTest, tmp_path_factory: pytest.TempPathFactory, events: list[Event],
    rng: random.Random,
) -> None:  # fmt: skip
    stores = backend.open(tmp_path_factory.mktemp(backend.name))
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        other = stores.catalog.add_site("other.org", "UTC", "u2")
        send(stores.events, events, rng)
        # another site's traffic at the same moments counts for nothing here
        stores.events.write_events([Event(other.id, e.timestamp, "pageview", "other.org",
                                          "/x", e.visitor_id, 0) for e in events])  # fmt: skip
        answer = realtime.shape(stores.stats.realtime(site, NOW), NOW)
        assert seen(answer) == oracle(events)
        minutes = answer["minutes"]
        assert minutes[-1]["minute"] == "2026-03-12T12:00:00+00:00"
    finally:
        stores.close()


def test_realtime_of_an_empty_site_is_zeros(backend: BackendUnderTest, tmp_path: Path) -> None:
    stores = backend.open(tmp_path)
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        answer = realtime.shape(stores.stats.realtime(site, NOW), NOW)
        assert answer["visitors_5m"] == answer["visitors_30m"] == 0
        assert answer["pages"] == answer["sources"] == []
        assert len(answer["minutes"]) == realtime.MINUTES
    finally:
        stores.close()


@st.composite
def days_of_sites(draw: st.DrawFn) -> list[Event]:
    """Visitors of up to three sites over the last 50 hours (edges included)."""
    events = []
    edges = [timedelta(0), overview.DAY, 2 * overview.DAY, timedelta(hours=23, minutes=59)]
    for visitor in range(1, draw(st.integers(0, 8)) + 1):
        site = draw(st.integers(1, 3))
        for _ in range(draw(st.integers(1, 4))):
            ago = draw(st.sampled_from(edges) | st.timedeltas(timedelta(0), timedelta(hours=50)))
            events.append(Event(site, NOW - ago, "pageview", "example.com", "/", visitor, 0))
    return events


def overview_oracle(events: list[Event], site_ids: list[int]) -> dict[int, overview.SiteNumbers]:
    last = NOW.replace(minute=0, second=0, microsecond=0)
    hours = [last - timedelta(hours=23 - i) for i in range(24)]
    out = {}
    for s in site_ids:
        mine = [e for e in events if e.site_id == s and e.timestamp <= NOW]
        day = {e.visitor_id for e in mine if e.timestamp >= NOW - overview.DAY}
        before = {
            e.visitor_id for e in mine if NOW - 2 * overview.DAY <= e.timestamp < NOW - overview.DAY
        }
        per_hour = tuple(
            len({e.visitor_id for e in mine if h <= e.timestamp < h + timedelta(hours=1)})
            for h in hours
        )
        out[s] = overview.SiteNumbers(len(day), len(before), per_hour)
    return out


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=days_of_sites(), rng=st.randoms(use_true_random=False))
def test_overview_is_every_site_s_24_hours_in_one_statement(
    backend: BackendUnderTest, tmp_path_factory: pytest.TempPathFactory, events: list[Event],
    rng: random.Random,
) -> None:  # fmt: skip
    stores = backend.open(tmp_path_factory.mktemp(backend.name))
    try:
        for i in (1, 2, 3):
            assert stores.catalog.add_site(f"s{i}.example", "UTC", f"u{i}").id == i
        send(stores.events, events, rng)
        listed = rng.sample([1, 2, 3], rng.randint(1, 3))  # site 3 may be left out
        found = overview.shape(stores.stats.overview(listed, NOW), listed, NOW)
        assert found == overview_oracle(events, listed)
        assert stores.stats.overview([], NOW) == []
    finally:
        stores.close()


def test_change_is_none_without_a_day_before() -> None:
    assert overview.SiteNumbers(5, 0, (0,) * 24).change is None
    assert overview.SiteNumbers(15, 10, (0,) * 24).change == 50
    assert overview.SiteNumbers(5, 10, (0,) * 24).change == -50
