"""Every metric, one row each: the parser, the builder, the runner and the comparison
read their decisions here (docs/metrics.md defines them).

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


TABLE = {
    m.name: m
    for m in (
        Metric("conversion_rate", "visitors", 2, share_of="everyone", needs_goal=True),
        Metric("group_conversion_rate", "visitors", 2, share_of="group", needs_goal=True),
        Metric("time_on_page", "event", nullable=True, dimensions=((), ("event:page",))),
        Metric("visitors", "visitors"),
        Metric("visits", "visit"),
        Metric("pageviews", "event"),
        Metric("views_per_visit", "visit", 2, change="percent_decimal"),
        Metric("bounce_rate", "visit", change="points"),
        Metric("visit_duration", "visit"),
        Metric("events", "event"),
        Metric("percentage", "visitors", 2, change="percent_decimal", share_of="total"),
        # sums over the events' revenue, in whatever currency they were sent
        Metric("total_revenue", "event", 2),
        Metric("average_revenue", "event", 2),
    )
}
NAMES = tuple(TABLE)


def side(names: tuple[str, ...], which: Side) -> bool:
    """Whether any of ``names`` is answered from ``which`` side."""
    return any(TABLE[n].side == which for n in names)
