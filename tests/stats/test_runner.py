"""The runner over a real store: shares, comparisons, filled buckets, realtime and the
first day, each checked against counts made here from the events written."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from footfall.domain import Event, Goal, Site
from footfall.errors import InputError
from footfall.stats import metrics, runner
from footfall.stats.compare import change
from footfall.stats.query import parse
from footfall.store.registry import Stores

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def _site(stores: Stores) -> Site:
    return stores.catalog.add_site("example.com", "UTC", "00000000-0000-0000-0000-000000000001")


def _visit(site: Site, visitor: int, at: datetime, *names: str) -> list[Event]:
    """One visit: a pageview of /, then the named events a minute apart."""
    return [
        Event(site.id, at + timedelta(minutes=i), name, "example.com", "/", visitor, visitor)
        for i, name in enumerate(("pageview", *names))
    ]


def _ask(stores: Stores, site: Site, body: dict[str, Any]) -> dict[str, Any]:
    q = parse({"site_id": site.domain, **body}, NOW, site.timezone, NOW.date())
    return runner.run_filled(stores.stats, q, site, stores.catalog.list_goals(site.id))


def test_shares_and_comparison_from_the_events(stores: Stores) -> None:
    site = _site(stores)
    stores.catalog.add_goal(site.id, "Signup", "", "Signup")
    rng = random.Random(7)
    this_week = [rng.random() < 0.4 for _ in range(30)]  # did visitor i sign up?
    last_week = [rng.random() < 0.2 for _ in range(20)]
    events = []
    for i, signed in enumerate(this_week):
        events += _visit(site, i, NOW - timedelta(days=1 + i % 5), *(["Signup"] if signed else []))
    for i, signed in enumerate(last_week):
        at = NOW - timedelta(days=8 + i % 5)
        events += _visit(site, 1000 + i, at, *(["Signup"] if signed else []))
    rng.shuffle(events)
    stores.events.write_events(events)
    answer = _ask(
        stores,
        site,
        {
            "metrics": ["visitors", "conversion_rate"],
            "date_range": "7d",
            "filters": [["is", "event:goal", ["Signup"]]],
            "include": {"comparisons": {"mode": "previous_period"}},
        },
    )
    [row] = answer["results"]
    now_rate = round(100 * sum(this_week) / len(this_week), 2)
    before_rate = round(100 * sum(last_week) / len(last_week), 2)
    assert row["metrics"] == [sum(this_week), now_rate]
    assert row["comparison"]["metrics"] == [sum(last_week), before_rate]
    assert row["comparison"]["change"][1] == round((now_rate - before_rate) / before_rate * 100)


def test_a_timeseries_comparison_has_every_bucket_on_both_sides(stores: Stores) -> None:
    site = _site(stores)
    stores.events.write_events(_visit(site, 1, NOW - timedelta(days=2)))  # one day of seven
    answer = _ask(
        stores,
        site,
        {
            "metrics": ["visitors"],
            "date_range": "7d",
            "dimensions": ["time:day"],
            "include": {"comparisons": {"mode": "previous_period"}},
        },
    )
    rows = answer["results"]
    meta = answer["meta"]
    assert [r["dimensions"][0] for r in rows] == meta["time_labels"]
    assert [r["comparison"]["dimensions"][0] for r in rows] == meta["comparison_labels"]
    day = (NOW - timedelta(days=2)).date().isoformat()
    assert [r["metrics"][0] for r in rows] == [int(label == day) for label in meta["time_labels"]]
    assert all(r["comparison"]["metrics"] == [0] for r in rows)


def test_changes_against_a_period_without_data_are_plausibles(stores: Stores) -> None:
    """Against an empty period, or for a group the previous period lacks, changes are
    Plausible's (100 for something against nothing, points for bounce rate; the
    dashboard hides those)."""
    site = _site(stores)
    rng = random.Random(11)
    week = [
        e
        for i in range(rng.randint(3, 9))
        for e in _visit(site, i, NOW - timedelta(days=1 + i % 5), "Signup")
    ]
    before_week = [
        e for i in range(rng.randint(2, 5)) for e in _visit(site, 100 + i, NOW - timedelta(days=9))
    ]
    rng.shuffle(week)
    stores.events.write_events(week)
    compare = {"date_range": "7d", "include": {"comparisons": {"mode": "previous_period"}}}
    top = [*metrics.TOP, "events"]
    for asked in (top, ["pageviews", "bounce_rate"]):  # with and without visitors
        [row] = _ask(stores, site, {"metrics": asked, **compare})["results"]
        assert row["comparison"]["metrics"] == [0] * len(asked)
        expected = [change(m, now, 0) for m, now in zip(asked, row["metrics"], strict=True)]
        assert row["comparison"]["change"] == expected
    stores.events.write_events(before_week)
    [row] = _ask(stores, site, {"metrics": top, **compare})["results"]
    assert None not in row["comparison"]["change"]
    by_name = _ask(stores, site, {"metrics": ["events"], "dimensions": ["event:name"], **compare})
    changes = {r["dimensions"][0]: r["comparison"]["change"] for r in by_name["results"]}
    pageviews = len(week) // 2
    assert changes == {
        "pageview": [round((pageviews - len(before_week)) / len(before_week) * 100)],
        "Signup": [100],
    }


def test_realtime_counts_the_last_five_minutes(stores: Stores) -> None:
    site = _site(stores)
    ages = [0, 1, 4.9, 5.1, 30]  # minutes before now, one visitor each
    events = [
        e for i, age in enumerate(ages) for e in _visit(site, i, NOW - timedelta(minutes=age))
    ]
    stores.events.write_events([e for e in events if e.timestamp <= NOW])
    assert runner.realtime_visitors(stores.stats, site, NOW) == 3


def test_the_first_day_is_the_first_events_else_the_sites(stores: Stores) -> None:
    site = _site(stores)
    created = Site(site.id, site.domain, created_at=NOW - timedelta(days=3))
    assert runner.first_day(stores.stats, created, NOW) == (NOW - timedelta(days=3)).date()
    stores.events.write_events(_visit(site, 1, NOW - timedelta(days=40)) + _visit(site, 2, NOW))
    assert runner.first_day(stores.stats, created, NOW) == (NOW - timedelta(days=40)).date()


def test_goals_are_the_callers(stores: Stores) -> None:
    """The runner asks with the goals it is given (a comparison does not reload them)."""
    site = _site(stores)
    stores.events.write_events(_visit(site, 1, NOW - timedelta(days=1), "Signup"))
    q = parse(
        {
            "site_id": site.domain,
            "metrics": ["visitors"],
            "date_range": "7d",
            "dimensions": ["event:goal"],
            "include": {"comparisons": {"mode": "previous_period"}},
        },
        NOW,
        "UTC",
        NOW.date(),
    )
    goal = Goal(0, site.id, "Signup", "", "Signed up")
    [row] = runner.run(stores.stats, q, site, [goal])["results"]
    assert row["dimensions"] == ["Signed up"]
    assert row["comparison"]["metrics"] == [0]


def test_shares_per_group_come_from_one_statement(stores: Stores) -> None:
    """percentage divides by every visitor, group_conversion_rate by the group's."""
    site = _site(stores)
    stores.catalog.add_goal(site.id, "Signup", "", "Signup")
    rng = random.Random(11)
    people = [(rng.choice(["Chrome", "Firefox", ""]), rng.random() < 0.3) for _ in range(40)]
    events = []
    for i, (browser, converted) in enumerate(people):
        visit = _visit(site, i, NOW - timedelta(days=1 + i % 3), *(["Signup"] if converted else []))
        for e in visit:
            e.browser = browser
        events += visit
    rng.shuffle(events)
    stores.events.write_events(events)
    dims = {"date_range": "7d", "dimensions": ["visit:browser"]}
    share = _ask(stores, site, {"metrics": ["visitors", "percentage"], **dims})
    expected = {b or "(none)": sum(1 for x, _ in people if x == b) for b in {x for x, _ in people}}
    assert {r["dimensions"][0]: r["metrics"] for r in share["results"]} == {
        b: [n, round(100 * n / len(people), 2)] for b, n in expected.items()
    }
    goal = {"filters": [["is", "event:goal", ["Signup"]]]}
    rate = _ask(stores, site, {"metrics": ["visitors", "group_conversion_rate"], **dims, **goal})
    signed = {
        b or "(none)": sum(1 for x, s in people if x == b and s) for b in {x for x, _ in people}
    }
    assert {r["dimensions"][0]: r["metrics"] for r in rate["results"]} == {
        b: [n, round(100 * n / expected[b], 2)] for b, n in signed.items() if n
    }


def test_a_custom_comparison_reads_the_days_it_names(stores: Stores) -> None:
    """Against any range of days (as Plausible's "custom" mode): its counts are those
    of a query of that range; year over year is the same days a year before."""
    site = _site(stores)
    rng = random.Random(5)
    events = [
        e
        for i in range(60)
        for e in _visit(site, i, NOW - timedelta(days=rng.randint(0, 400), hours=1))
    ]
    rng.shuffle(events)
    stores.events.write_events(events)
    days = ["2026-01-03", "2026-02-11"]
    custom = {"mode": "custom", "date_range": days}
    asked = {"metrics": ["visitors", "pageviews"], "date_range": "7d"}
    [row] = _ask(stores, site, {**asked, "include": {"comparisons": custom}})["results"]
    [there] = _ask(stores, site, {**asked, "date_range": days})["results"]
    assert row["comparison"]["metrics"] == there["metrics"]
    [row] = _ask(stores, site, {**asked, "include": {"comparisons": {"mode": "year_over_year"}}})[
        "results"
    ]
    [before] = _ask(stores, site, {**asked, "date_range": ["2025-03-25", "2025-03-31"]})["results"]
    assert row["comparison"]["metrics"] == before["metrics"]
    for bad in (
        {"mode": "custom"},
        {"mode": "custom", "date_range": ["2026-02-11", "2026-01-03"]},
        {"mode": "nope"},
        {"mode": "custom", "date_range": ["1999-01-01", "2026-01-01"]},
    ):
        with pytest.raises(InputError):
            _ask(stores, site, {**asked, "include": {"comparisons": bad}})
