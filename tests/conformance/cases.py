"""Named StatsQuery cases with known answers, for every backend's ``POST /api/v2/query``.

Usage (by the server-driven test, which lives elsewhere):

    traffic = generate(SEED, DAYS, end=utc_today - timedelta(days=1))
    # send traffic.batches() to POST /api/v1/track/batch, then for each case:
    body = case.query(traffic)          # the request body
    assert response["results"] == case.expected(traffic)

``end`` should be yesterday (UTC) or earlier: generated days run until 22:30 UTC, and
Footfall refuses timestamps more than 5 minutes ahead. Every generated day then hashes
under its own salt (yesterday's live salt, or a per-day salt for older history), which is
what the oracle's "distinct (day, IP, UA)" assumes. The site must be UTC and must keep
more than ``DAYS + 1`` days (its retention bounds accepted timestamps).

Date ranges are offsets from the traffic's first day, so the cases fit any ``end``.
``order_by`` is explicit (first metric descending, then each dimension ascending), which
is the order the oracle uses; ties therefore have one right answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.conformance.oracle import as_results, oracle
from tests.conformance.traffic import Traffic

SEED = 20260301
DAYS = 7


@dataclass(frozen=True)
class Case:
    name: str
    metrics: list[str]
    days: tuple[int, int] | None = None  # inclusive offsets from traffic.start; None: all
    dimensions: list[str] = field(default_factory=list)
    filters: list[list[Any]] = field(default_factory=list)

    def date_range(self, traffic: Traffic) -> tuple[Any, Any]:
        if self.days is None:
            return traffic.start, traffic.end
        first, last = self.days
        return traffic.start + timedelta(days=first), traffic.start + timedelta(days=last)

    def query(self, traffic: Traffic) -> dict[str, Any]:
        """The ``POST /api/v2/query`` body."""
        first, last = self.date_range(traffic)
        order = [[self.metrics[0], "desc"], *([d, "asc"] for d in self.dimensions)]
        return {
            "site_id": traffic.site,
            "metrics": list(self.metrics),
            "date_range": [first.isoformat(), last.isoformat()],
            "dimensions": list(self.dimensions),
            "filters": [list(f) for f in self.filters],
            "order_by": order,
            "include": {"imports": False},
            "pagination": {"limit": 10000, "offset": 0},
        }

    def expected(self, traffic: Traffic) -> list[dict[str, list[Any]]]:
        """The expected ``results``."""
        rows = oracle(
            traffic, self.metrics, self.date_range(traffic), self.dimensions, self.filters
        )
        return as_results(rows)


ALL_METRICS = [
    "visitors",
    "visits",
    "pageviews",
    "events",
    "bounce_rate",
    "visit_duration",
    "views_per_visit",
]
VISIT_METRICS = ["visits", "bounce_rate", "visit_duration", "views_per_visit"]
PAGE_PRICING = ["is", "event:page", ["/pricing"]]

CASES = [
    # Aggregates.
    Case("aggregate_all_days", ALL_METRICS),
    Case("aggregate_one_day", ALL_METRICS, days=(3, 3)),
    # Visitors over a range count each person once per UTC day (not once overall).
    Case("aggregate_three_days", ["visitors", "visits"], days=(1, 3)),
    Case("range_before_traffic_is_zero", ALL_METRICS, days=(-5, -1)),
    # Time series.
    Case("timeseries_day", ALL_METRICS, dimensions=["time:day"]),
    # Pages: event-level metrics; visits = visits containing the page.
    Case(
        "breakdown_page", ["visitors", "pageviews", "events", "visits"], dimensions=["event:page"]
    ),
    Case("breakdown_entry_page", ["visitors", *VISIT_METRICS], dimensions=["visit:entry_page"]),
    # Sources: normalized names, "Direct / None", utm_source over the referrer.
    Case("breakdown_source", ["visitors", *VISIT_METRICS], dimensions=["visit:source"]),
    Case("breakdown_utm_medium", ["visitors", "visits"], dimensions=["visit:utm_medium"]),
    Case("breakdown_utm_campaign", ["visitors", "visits"], dimensions=["visit:utm_campaign"]),
    Case(
        "breakdown_source_by_day", ["visitors", "visits"], dimensions=["time:day", "visit:source"]
    ),
    # Custom events and props ("(none)" where the prop is missing).
    Case("breakdown_event_name", ["visitors", "events"], dimensions=["event:name"]),
    Case("breakdown_props_plan", ["visitors", "events"], dimensions=["event:props:plan"]),
    # Filters: an event filter keeps events; visit metrics count visits containing one.
    Case("filter_page_aggregate", ALL_METRICS, filters=[PAGE_PRICING]),
    Case(
        "filter_page_by_source",
        ["visitors", "pageviews", "visits"],
        dimensions=["visit:source"],
        filters=[PAGE_PRICING],
    ),
    Case(
        "filter_name_signup",
        ["visitors", "visits", "events", "visit_duration"],
        filters=[["is", "event:name", ["Signup"]]],
    ),
    Case(
        "filter_name_signup_by_plan",
        ["visitors", "events"],
        dimensions=["event:props:plan"],
        filters=[["is", "event:name", ["Signup"]]],
    ),
    Case("filter_source_google", ALL_METRICS, filters=[["is", "visit:source", ["Google"]]]),
    Case("filter_source_direct", ALL_METRICS, filters=[["is", "visit:source", ["Direct / None"]]]),
    Case(
        "filter_source_newsletter_pages",
        ["visitors", "pageviews"],
        dimensions=["event:page"],
        filters=[["is", "visit:source", ["newsletter"]]],
    ),
    Case(
        "filter_source_and_page",
        ["visitors", "visits", "bounce_rate"],
        filters=[["is", "visit:source", ["Hacker News"]], ["is", "event:page", ["/blog/a"]]],
    ),
    # And/or/not (Plausible v2's logical filters), each over one kind.
    Case(
        "filter_or_of_visit_dimensions",
        ALL_METRICS,
        filters=[
            ["or", [["is", "visit:source", ["Google"]], ["is", "visit:utm_medium", ["email"]]]]
        ],
    ),
    Case(
        "filter_or_of_event_dimensions_by_source",
        ["visitors", "visits", "pageviews", "events"],
        dimensions=["visit:source"],
        filters=[["or", [["is", "event:page", ["/pricing"]], ["is", "event:name", ["Signup"]]]]],
    ),
    Case(
        "filter_not_direct",
        ALL_METRICS,
        filters=[["not", ["is", "visit:source", ["Direct / None"]]]],
    ),
    Case(
        "filter_and_inside_or_by_page",
        ["visitors", "events"],
        dimensions=["event:page"],
        filters=[
            [
                "or",
                [
                    ["and", [["is", "event:page", ["/docs"]], ["is", "event:name", ["Download"]]]],
                    ["is", "event:name", ["Signup"]],
                ],
            ]
        ],
    ),
    Case(
        "filter_two_pages_by_day",
        ["visitors", "visits", "bounce_rate"],
        dimensions=["time:day"],
        filters=[["is", "event:page", ["/docs", "/blog/b"]]],
    ),
]
