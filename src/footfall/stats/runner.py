"""Run a StatsQuery: plan -> execute -> shape as Plausible's v2 ``results``."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from footfall.domain import Goal, Site
from footfall.stats import countries, timeline
from footfall.stats.compare import attach, shifted
from footfall.stats.filters import DIRECT
from footfall.stats.plan import plan
from footfall.stats.query import MAX_ROWS_PER_PAGE, StatsQuery, mentions_goal
from footfall.store.base import Store


def _dimension_value(dimension: str, value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if dimension == "time:hour" else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if dimension == "visit:country_name" and value:
        return countries.names().get(str(value), str(value))
    if value in (None, ""):
        # Plausible's labels for missing values.
        if dimension == "visit:source":
            return DIRECT
        return "(not set)" if dimension.startswith("visit:utm_") else "(none)"
    return str(value)


def _metric_value(metric: str, value: Any) -> int | float | None:
    if metric == "time_on_page" and value is None:
        return None
    if metric in ("views_per_visit", "total_revenue", "average_revenue"):
        return round(float(value or 0), 2)
    return int(value or 0)


def time_labels(q: StatsQuery) -> list[str]:
    dim = q.time_dimension()
    return [] if dim is None else timeline.labels(dim, q.first_day, q.last_day)


def _visitors(
    store: Store, q: StatsQuery, site: Site, goals: list[Goal]
) -> dict[tuple[str, ...], int]:
    """Visitors per group of ``q`` (a baseline for shares), keyed by dimension labels."""
    base = dataclasses.replace(
        q, metrics=("visitors",), order_by=(), limit=MAX_ROWS_PER_PAGE, offset=0, comparison=None
    )
    p = plan(base, site.id, goals)
    n = p.dimension_count
    return {
        tuple(_dimension_value(d, r[i]) for i, d in enumerate(base.dimensions)): int(r[n])
        for r in store.read(p.sql, p.params)
    }


def _without_goals(q: StatsQuery, keep_dimensions: bool) -> StatsQuery:
    """The same question asked of every visitor, not only converted ones."""
    dims = tuple(d for d in q.dimensions if d != "event:goal") if keep_dimensions else ()
    filters = tuple(f for f in q.filters if not mentions_goal(f))
    return dataclasses.replace(q, dimensions=dims, filters=filters)


def _share(part: float, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def run(store: Store, q: StatsQuery, site: Site) -> dict[str, Any]:
    goals = store.list_goals(site.id)
    p = plan(q, site.id, goals)
    rows = store.read(p.sql, p.params)
    n = p.dimension_count
    total = (
        _visitors(store, dataclasses.replace(q, dimensions=()), site, goals).get((), 0)
        if ("percentage" in q.metrics)
        else 0
    )
    everyone = (
        _visitors(store, _without_goals(q, False), site, goals).get((), 0)
        if ("conversion_rate" in q.metrics)
        else 0
    )
    groups = (
        _visitors(store, _without_goals(q, True), site, goals)
        if ("group_conversion_rate" in q.metrics)
        else {}
    )
    group_dims = [i for i, d in enumerate(q.dimensions) if d != "event:goal"]
    results = []
    for row in rows:
        dims = [_dimension_value(d, row[i]) for i, d in enumerate(q.dimensions)]
        metrics: list[int | float | None] = []
        for i, m in enumerate(q.metrics):
            value = row[n + i]
            if m == "percentage":
                metrics.append(_share(float(value), total))
            elif m == "conversion_rate":
                metrics.append(_share(float(value), everyone))
            elif m == "group_conversion_rate":
                key = tuple(dims[j] for j in group_dims)
                metrics.append(_share(float(value), groups.get(key, 0)))
            else:
                metrics.append(_metric_value(m, value))
        results.append({"metrics": metrics, "dimensions": dims})
    meta: dict[str, Any] = {}
    if q.include_total_rows:
        meta["total_rows"] = int(rows[0][-1]) if rows else 0
    if q.include_time_labels:
        meta["time_labels"] = time_labels(q)
    if not q.dimensions and not results:
        results = [{"metrics": [0 for _ in q.metrics], "dimensions": []}]
    if q.comparison is not None:
        before = dataclasses.replace(shifted(q, q.comparison), comparison=None)
        attach(q, results, run(store, before, site)["results"])
    return {"results": results, "meta": meta}
