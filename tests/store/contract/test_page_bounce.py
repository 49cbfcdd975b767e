"""A page's bounce rate read from the visits' entry pages alone (store/sql/builder.py:
``_page_bounce_only``, the pages' details view) is the general statement's, on every
backend: visits whose entry pageview falls in the range are taken without looking up
their events, the others (a visit that opened with a custom event and viewed its first
page after the range, or never did) by their events in the range."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import Event, Site
from footfall.stats import runner
from footfall.stats.query import parse
from footfall.store.registry import Stores
from tests.backends import BackendUnderTest
from tests.store.contract.test_events import NOW, T0, ev, send, traffic

DAY = T0.date().isoformat()

# the first day alone cuts the visits that go on past midnight (traffic() runs to ~5 am)
RANGES = [[DAY, DAY], "all"]
ALONE = ["visitors", "pageviews", "bounce_rate"]  # the pages' details view asks these
GENERAL = ["bounce_rate", "visits"]  # visits: the general statement
FILTERS: list[list[Any]] = [
    [],
    [["is", "event:page", ["/a", "/"]]],
    [["contains", "event:page", ["b"]]],
    [["is_not", "event:page", ["/"]]],
]


def by_page(
    stores: Stores, site: Site, metrics: list[str], days: Any, filters: Any
) -> dict[str, Any]:
    body = {
        "site_id": site.domain,
        "metrics": metrics,
        "date_range": days,
        "dimensions": ["event:page"],
        "filters": filters,
    }
    q = parse(body, NOW, site.timezone, T0.date())
    index = metrics.index("bounce_rate")
    rows = runner.run(stores.stats, q, site, [])["results"]
    return {r["dimensions"][0]: r["metrics"][index] for r in rows}


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=traffic(), rng=st.randoms(use_true_random=False))
def test_page_bounce_rate_alone_is_the_general_one(
    backend: BackendUnderTest, tmp_path_factory: pytest.TempPathFactory, events: list[Event],
    rng: random.Random,
) -> None:  # fmt: skip
    stores = backend.open(tmp_path_factory.mktemp(backend.name))
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        send(stores.events, events, rng)
        for days in RANGES:
            for filters in FILTERS:
                alone = by_page(
                    stores, site, ["visitors", "pageviews", "bounce_rate"], days, filters
                )
                general = by_page(stores, site, ["bounce_rate", "visits"], days, filters)
                assert alone == general, (days, filters)
    finally:
        stores.close()


def test_a_visit_whose_first_pageview_is_after_the_range(stores: Stores) -> None:
    # Opened by a custom event on /a before midnight, first page viewed (/a) after it:
    # in the first day's range the visit counts for /a (it has an event there), and one
    # opened on /b that views /c after midnight counts nowhere.
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    night = T0.replace(hour=23, minute=50)
    events = [
        ev(site.id, night, "/a", 1, "Signup"),
        ev(site.id, night + timedelta(minutes=15), "/a", 1),
        ev(site.id, night, "/b", 2, "Signup"),
        ev(site.id, night + timedelta(minutes=15), "/c", 2),
        ev(site.id, T0, "/a", 3),
        ev(site.id, T0 + timedelta(minutes=1), "/b", 3),
    ]
    for e in events:
        e.interactive = False
    stores.events.write_events(events)
    for filters in FILTERS:
        alone = by_page(stores, site, ALONE, [DAY, DAY], filters)
        general = by_page(stores, site, GENERAL, [DAY, DAY], filters)
        assert alone == general, filters
    assert by_page(stores, site, ["visitors", "bounce_rate"], [DAY, DAY], []) == {
        "/a": 50,
        "/b": 0,
    }
