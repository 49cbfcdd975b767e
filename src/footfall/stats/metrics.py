"""Every metric, one row each: the parser, the builder, the runner, the comparison, the
dashboard (its labels and formats, sent with the page) and the CSV export read their
decisions here; docs/metrics.md defines them (tests/test_docs.py checks every row is).

A new metric is one row here plus its SQL expression in store/sql/builder.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Which side of a query answers a metric: ``event`` from the events, ``visit`` from the
# visits, ``visitors`` from the distinct visitors (of either side: the builder picks).
Side = Literal["event", "visit", "visitors"]
# How a comparison reports the change: percent of the previous value (integer, or one
# decimal) or the difference in points.
Change = Literal["percent", "percent_decimal", "points"]
# What a share metric divides its visitors by: every visitor of the query, every
# visitor without the goal filters, or the visitors of the same group without them.
ShareOf = Literal["total", "everyone", "group"]
# How the dashboard shows a value: a count, a percentage, a duration in seconds, a
# plain decimal, an amount of money.
Unit = Literal["count", "percent", "seconds", "decimal", "money"]


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    side: Side
    digits: int = 0  # decimal places in the answer (0: an integer)
    change: Change = "percent"
    share_of: ShareOf | None = None
    # null (not 0) where nothing can be measured
    nullable: bool = False
    # needs a goal filter or the event:goal dimension
    needs_goal: bool = False
    # the dimensions it allows, when not all (the empty tuple: none)
    dimensions: tuple[tuple[str, ...], ...] | None = None
    label: str = ""
    goal_label: str = ""  # its label under a goal filter, where it counts conversions
    unit: Unit = "count"
    lower_is_better: bool = False  # a fall shows as good news
    # the dashboard shows it only where it is not zero (revenue: most sites have none)
    optional: bool = False

    def describe(self) -> dict[str, object]:
        """What the dashboard needs to show the metric (sent with the page as JSON)."""
        return {
            "label": self.label,
            "goal_label": self.goal_label or self.label,
            "unit": self.unit,
            "change": self.change,
            "lower_is_better": self.lower_is_better,
            "optional": self.optional,
        }


TABLE = {
    m.name: m
    for m in (
        Metric(
            "conversion_rate",
            "visitors",
            2,
            share_of="everyone",
            needs_goal=True,
            label="Conversion rate",
            unit="percent",
        ),
        Metric(
            "group_conversion_rate",
            "visitors",
            2,
            share_of="group",
            needs_goal=True,
            label="Conversion rate",
            unit="percent",
        ),
        Metric(
            "time_on_page",
            "event",
            nullable=True,
            dimensions=((), ("event:page",)),
            label="Time on page",
            unit="seconds",
        ),
        Metric(
            "scroll_depth",
            "event",
            change="points",
            nullable=True,
            dimensions=((), ("event:page",)),
            label="Scroll depth",
            unit="percent",
        ),
        Metric("visitors", "visitors", label="Unique visitors", goal_label="Unique conversions"),
        Metric("visits", "visit", label="Total visits"),
        Metric("pageviews", "event", label="Total pageviews"),
        Metric(
            "views_per_visit",
            "visit",
            2,
            change="percent_decimal",
            label="Views per visit",
            unit="decimal",
        ),
        Metric(
            "bounce_rate",
            "visit",
            change="points",
            label="Bounce rate",
            unit="percent",
            lower_is_better=True,
        ),
        Metric("visit_duration", "visit", label="Visit duration", unit="seconds"),
        Metric("events", "event", label="Total events", goal_label="Total conversions"),
        Metric(
            "percentage",
            "visitors",
            2,
            change="percent_decimal",
            share_of="total",
            label="Share",
            unit="percent",
        ),
        # sums over the events' revenue, in whatever currency they were sent
        Metric("total_revenue", "event", 2, label="Revenue", unit="money", optional=True),
        Metric("average_revenue", "event", 2, label="Average revenue", unit="money"),
    )
}
NAMES = tuple(TABLE)


# The dashboard's row of headline numbers, in order (its first view and the top stats).
TOP = ("visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration")
# The same under a goal filter, as Plausible shows it: visits' metrics mean nothing there.
GOAL_TOP = ("visitors", "events", "conversion_rate", "total_revenue")
# The goals panel's columns (and its CSV's), revenue shown where there is some.
GOAL_ROWS = ("visitors", "events", "conversion_rate", "total_revenue")


def describe_all() -> dict[str, dict[str, object]]:
    return {name: metric.describe() for name, metric in TABLE.items()}


def session(name: str) -> bool:
    """A metric of whole visits, which a goal filter or breakdown cannot answer (a visit
    is not a conversion): Plausible's "session metrics"."""
    return TABLE[name].side == "visit"


def side(names: tuple[str, ...], which: Side) -> bool:
    """Whether any of ``names`` is answered from ``which`` side."""
    return any(TABLE[n].side == which for n in names)
