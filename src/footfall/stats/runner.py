"""Run a StatsQuery: plan -> execute -> shape as Plausible's v2 ``results``."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

from footfall.domain import Site
from footfall.stats.compare import attach, shifted
from footfall.stats.filters import DIRECT
from footfall.stats.plan import plan
from footfall.stats.query import StatsQuery
from footfall.store.base import Store


def _dimension_value(dimension: str, value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if dimension == "time:hour" else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value in (None, ""):
        # Plausible's labels for missing values.
        if dimension == "visit:source":
            return DIRECT
        return "(not set)" if dimension.startswith("visit:utm_") else "(none)"
    return str(value)


def _metric_value(metric: str, value: Any) -> int | float:
    if metric == "views_per_visit":
        return round(float(value or 0), 2)
    return int(value or 0)


def time_labels(q: StatsQuery) -> list[str]:
    dim = q.time_dimension()
    if dim is None:
        return []
    labels: list[str] = []
    day = q.first_day
    while day <= q.last_day:
        if dim == "time:hour":
            labels += [f"{day.isoformat()} {h:02d}:00:00" for h in range(24)]
        elif dim == "time:day":
            labels.append(day.isoformat())
        elif dim == "time:week":
            monday = (day - timedelta(days=day.weekday())).isoformat()
            if monday not in labels:
                labels.append(monday)
        elif day.day == 1 or day == q.first_day:
            labels.append(day.replace(day=1).isoformat())
        day += timedelta(days=1)
    return labels


def run(store: Store, q: StatsQuery, site: Site) -> dict[str, Any]:
    p = plan(q, site.id)
    rows = store.read(p.sql, p.params)
    n = p.dimension_count
    total_visitors = 0
    if "percentage" in q.metrics:
        whole = dataclasses.replace(q, dimensions=(), metrics=("visitors",), order_by=())
        whole_plan = plan(whole, site.id)
        total = store.read(whole_plan.sql, whole_plan.params)
        total_visitors = int(total[0][0]) if total else 0
    results = []
    for row in rows:
        metrics: list[int | float] = []
        for i, m in enumerate(q.metrics):
            if m == "percentage":
                share = 100 * float(row[n + i]) / total_visitors if total_visitors else 0.0
                metrics.append(round(share, 2))
            else:
                metrics.append(_metric_value(m, row[n + i]))
        dims = [_dimension_value(d, row[i]) for i, d in enumerate(q.dimensions)]
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
