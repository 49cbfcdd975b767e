"""Comparisons: the same query over the previous period or the year before, and the
change of every metric (percent; points for bounce rate), as Plausible reports it.

Against a period without data the changes are Plausible's (100 where there is
something now, 0 where both are 0): API clients rely on them. The dashboard shows no
change figure there (it reads the previous period's visitors in the answer).
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from typing import Any

from footfall.errors import InputError
from footfall.stats.metrics import TABLE
from footfall.stats.query import MAX_ROWS_PER_PAGE, StatsQuery


def shifted(q: StatsQuery, mode: str) -> StatsQuery:
    if mode == "custom" and q.compare_days is not None:
        first, last = q.compare_days
        zone = zoneinfo.ZoneInfo(q.timezone)
        return dataclasses.replace(
            q,
            start=datetime.combine(first, time(), zone).astimezone(UTC),
            end=datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC),
            first_day=first,
            last_day=last,
            limit=MAX_ROWS_PER_PAGE,
            offset=0,
        )
    if mode == "previous_period":
        days = (q.last_day - q.first_day).days + 1
        delta = timedelta(days=days)
    elif mode == "year_over_year":
        delta = timedelta(days=365 + (1 if q.first_day.year % 4 == 0 else 0))
    else:
        raise InputError(
            f"Invalid comparison mode '{mode}'", field="include.comparisons", code="invalid_query"
        )
    return dataclasses.replace(
        q,
        start=q.start - delta,
        end=q.end - delta,
        first_day=q.first_day - delta,
        last_day=q.last_day - delta,
        limit=MAX_ROWS_PER_PAGE,
        offset=0,
    )


def previous(q: StatsQuery) -> StatsQuery:
    """``q`` over the period it is compared with (itself without a comparison)."""
    return dataclasses.replace(shifted(q, q.comparison or ""), comparison=None)


def change(metric: str, now: float | None, before: float | None) -> float | int | None:
    if now is None or before is None:
        return None  # e.g. time_on_page where no time could be measured
    rule = TABLE[metric].change
    if rule == "points":
        return round(now - before)
    if rule == "percent_decimal" and before:
        return round((now - before) / before * 100, 1)
    if before == 0:
        return 100 if now > 0 else 0
    return round((now - before) / before * 100)


def attach(q: StatsQuery, current: list[dict[str, Any]], before: list[dict[str, Any]]) -> None:
    """Give each current row its comparison row (by dimensions; by position for time)."""
    has_time = q.time_dimension() is not None
    by_dims = {tuple(r["dimensions"]): r for r in before}
    for i, row in enumerate(current):
        other = (
            (before[i] if i < len(before) else None)
            if has_time
            else (by_dims.get(tuple(row["dimensions"])))
        )
        metrics = other["metrics"] if other else [0 for _ in q.metrics]
        row["comparison"] = {
            "dimensions": other["dimensions"] if other else row["dimensions"],
            "metrics": metrics,
            "change": [
                change(m, a, b) for m, a, b in zip(q.metrics, row["metrics"], metrics, strict=True)
            ],
        }
