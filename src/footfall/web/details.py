"""A panel's details view: every row of one breakdown, searched, sorted and paged, with
the metric columns its dimension supports; and that view as a CSV file.

The columns are decided here, one line per kind of dimension, and travel to the page
with the metric table (dashboard.js reads them as ``METRICS.details``), so the page and
its CSV always agree. A search is a case-insensitive ``contains`` on the dimension (on
either of a version tab's two). Under a goal filter every breakdown but the goals'
shows conversions and the group's conversion rate, as Plausible's details do.
"""

from __future__ import annotations

from typing import Any

from footfall.stats.query import MAX_ROWS_PER_PAGE, PROPS_PREFIX, VISIT_DIMENSIONS
from footfall.web import preload

SOURCES = ("visitors", "bounce_rate", "visit_duration")
SHARES = ("visitors", "percentage")
COLUMNS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(VISIT_DIMENSIONS, SHARES),
    **dict.fromkeys(
        (
            "visit:channel",
            "visit:source",
            "visit:referrer",
            "visit:utm_medium",
            "visit:utm_source",
            "visit:utm_campaign",
            "visit:utm_content",
            "visit:utm_term",
        ),
        SOURCES,
    ),
    "event:page": ("visitors", "pageviews", "bounce_rate", "time_on_page", "scroll_depth"),
    "visit:entry_page": ("visitors", "visits", "bounce_rate", "visit_duration"),
    "visit:exit_page": ("visitors", "visits"),
    "event:goal": ("visitors", "events", "conversion_rate"),
    "event:name": ("visitors", "events"),
}
PROPS = ("visitors", "events", "percentage")
GOAL_COLUMNS = ("visitors", "group_conversion_rate")
# A version tab breaks down by its parent too ("Chrome" "131.0"), keyed by the version.
PARENT = {"visit:browser_version": "visit:browser", "visit:os_version": "visit:os"}


def dimensions(key: str) -> list[str]:
    return [PARENT[key], key] if key in PARENT else [key]


def columns(key: str, goal_filtered: bool) -> tuple[str, ...]:
    if goal_filtered and key != "event:goal":
        return GOAL_COLUMNS
    if key.startswith(PROPS_PREFIX):
        return PROPS
    return COLUMNS.get(key, SHARES)


def describe() -> dict[str, Any]:
    """What dashboard.js needs to lay out any details view."""
    return {
        "columns": COLUMNS,
        "props": PROPS,
        "goal": GOAL_COLUMNS,
        "default": SHARES,
        "parent": PARENT,
    }


def search_filter(key: str, text: str) -> list[Any]:
    found = [["contains", d, [text], {"case_sensitive": False}] for d in dimensions(key)]
    return found[0] if len(found) == 1 else ["or", found]


def body(
    key: str, filters: list[list[Any]], search: str, order: str, date_range: Any
) -> dict[str, Any]:
    """The v2 body of the whole view (no pagination): ``order`` is ``metric,asc|desc``."""
    goal = preload.has_goal(filters)
    metrics = list(columns(key, goal))
    found: dict[str, Any] = {
        "date_range": date_range,
        "metrics": metrics,
        "dimensions": dimensions(key),
        "filters": [*filters, *([search_filter(key, search)] if search else [])],
        "pagination": {"limit": MAX_ROWS_PER_PAGE},
    }
    by, _, direction = order.partition(",")
    if by:
        found["order_by"] = [[by, direction or "desc"]]
    return found
