"""Funnel cases with known answers, and their oracle: read from the raw generated
events alone (tests.conformance.oracle's visits), not from Footfall's code.

The rule (docs/funnels.md): among the visits that start in the range and pass the
filters (as the oracle reads filters), a visit reaches step k when its events, in
time order, match steps 1..k one after another, each strictly later than the one
before. A step is a custom event's name, or a pageview whose path matches a pattern
(``*`` within a path segment, ``**`` across segments, the whole path). A step's count
is the distinct visitors (UTC day, IP, UA) with a visit that reached it; ``all`` is
the distinct visitors of the visits considered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.conformance.oracle import (
    event_holds,
    is_event_filter,
    path_of,
    visit_holds,
    visits_of,
)
from tests.conformance.traffic import RawEvent, Traffic


def _pattern(glob: str) -> re.Pattern[str]:
    out = ""
    for part in re.split(r"(\*\*|\*)", glob):
        out += ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
    return re.compile(out)


def _step_matches(step: str, e: RawEvent) -> bool:
    kind, _, value = step.partition(":")
    if kind == "event":
        return e.name == value
    return e.name == "pageview" and _pattern(value).fullmatch(path_of(e)) is not None


def funnel_oracle(
    traffic: Traffic,
    steps: Sequence[str],
    date_range: tuple[date, date],
    filters: Sequence[Sequence[Any]] = (),
) -> list[int]:
    """[all visitors, visitors reaching step 1, ..., step n]; steps as ``page:/PATH``
    or ``event:NAME``."""
    first, last = date_range
    everyone: set[tuple[date, str, str]] = set()
    reached: list[set[tuple[date, str, str]]] = [set() for _ in steps]
    for v in visits_of(traffic):
        if not first <= v.day <= last:
            continue
        visit_ok = all(visit_holds(f, v) for f in filters if not is_event_filter(f))
        event_filters = [f for f in filters if is_event_filter(f)]
        hit = any(all(event_holds(f, e, v) for f in event_filters) for e in v.events)
        if not (visit_ok and hit):
            continue
        everyone.add(v.person)
        done, previous = 0, None
        for e in v.events:
            if done == len(steps):
                break
            later = previous is None or e.timestamp > previous
            if later and _step_matches(steps[done], e):
                reached[done].add(v.person)
                done, previous = done + 1, e.timestamp
    return [len(everyone), *(len(r) for r in reached)]


@dataclass(frozen=True)
class FunnelCase:
    name: str
    steps: list[str]
    days: tuple[int, int] | None = None  # inclusive offsets from traffic.start
    filters: list[list[Any]] = field(default_factory=list)

    def date_range(self, traffic: Traffic) -> tuple[date, date]:
        if self.days is None:
            return traffic.start, traffic.end
        return (
            traffic.start + timedelta(days=self.days[0]),
            traffic.start + timedelta(days=self.days[1]),
        )

    def query(self, traffic: Traffic) -> dict[str, Any]:
        """The ``POST /api/v2/funnel`` body (the funnel stored under the case's name)."""
        first, last = self.date_range(traffic)
        return {
            "site_id": traffic.site,
            "funnel": self.name,
            "date_range": [first.isoformat(), last.isoformat()],
            "filters": [list(f) for f in self.filters],
        }

    def expected(self, traffic: Traffic) -> list[int]:
        return funnel_oracle(traffic, self.steps, self.date_range(traffic), self.filters)


FUNNEL_CASES = [
    FunnelCase("home_pricing_signup", ["page:/", "page:/pricing", "event:Signup"]),
    FunnelCase("pricing_signup_purchase", ["page:/pricing", "event:Signup", "event:Purchase"]),
    FunnelCase("blog_wildcards", ["page:/blog/*", "page:/**", "page:/docs"], days=(1, 3)),
    FunnelCase("one_page_twice", ["page:/blog/**", "page:/blog/**"]),
    # a wildcard inside the pattern (a regular expression), one at its end (a prefix)
    FunnelCase("inner_and_end_wildcards", ["page:/*/a", "page:/*", "event:Signup"]),
    FunnelCase("docs_download", ["page:/docs", "event:Download", "page:/"], days=(2, 2)),
    FunnelCase(
        "eight_steps",
        [
            "page:/",
            "page:/**",
            "page:/pricing",
            "event:Signup",
            "page:/**",
            "page:/**",
            "page:/**",
            "page:/**",
        ],
    ),
    FunnelCase(
        "filtered_by_source",
        ["page:/", "page:/pricing", "event:Signup"],
        filters=[["is", "visit:source", ["Google", "Direct / None"]]],
    ),
    FunnelCase(
        "filtered_by_page",
        ["page:/", "page:/docs"],
        filters=[["is", "event:page", ["/about"]]],
    ),
    FunnelCase(
        "filtered_by_or_of_sources",
        ["page:/", "page:/pricing"],
        filters=[
            ["or", [["is", "visit:source", ["Twitter"]], ["is", "visit:utm_medium", ["email"]]]]
        ],
    ),
    FunnelCase(
        "filtered_by_not_an_event",
        ["page:/", "page:/docs"],
        filters=[["not", ["is", "event:name", ["Video Autoplay"]]]],
    ),
    FunnelCase("before_traffic", ["page:/", "page:/pricing"], days=(-5, -1)),
]
