"""Run a StatsQuery: ask the engine -> shape as Plausible's v2 ``results`` -> compare.

The runner owns everything between the parsed query and the JSON: shares (percentage,
conversion rates), comparisons, filled time buckets, realtime visitors and the first
day of "all time". Engines only answer one StatsQuery at a time (store/base.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from footfall.domain import Goal, Site
from footfall.stats import countries, shares, timeline
from footfall.stats.compare import attach, previous
from footfall.stats.filters import DIRECT
from footfall.stats.metrics import TABLE
from footfall.stats.query import StatsQuery
from footfall.store.base import StatsEngine

# Realtime: distinct visitors in the last 5 minutes, now included.
REALTIME_WINDOW = timedelta(minutes=5)


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


dimension_label = _dimension_value  # for answers merged with imports (imports/merge.py)


def _metric_value(metric: str, value: Any) -> int | float | None:
    row = TABLE[metric]
    if value is None and row.nullable:
        return None
    if row.digits:
        return round(float(value or 0), row.digits)
    return int(value or 0)


def time_labels(q: StatsQuery) -> list[str]:
    dim = q.time_dimension()
    return [] if dim is None else timeline.labels(dim, q.first_day, q.last_day)


def _share(part: float, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def run(engine: StatsEngine, q: StatsQuery, site: Site, goals: Sequence[Goal]) -> dict[str, Any]:
    rows = engine.answer(q, site, goals)
    n, count = len(q.dimensions), len(q.metrics)
    # The baselines' visitors follow the metrics, one column per baseline.
    baseline = {share_of: n + count + k for k, share_of in enumerate(shares.needed(q))}
    results = []
    for row in rows:
        dims = [_dimension_value(d, row[i]) for i, d in enumerate(q.dimensions)]
        metrics: list[int | float | None] = []
        for i, m in enumerate(q.metrics):
            share_of = TABLE[m].share_of
            if share_of is None:
                metrics.append(_metric_value(m, row[n + i]))
            else:
                metrics.append(_share(float(row[n + i]), int(row[baseline[share_of]])))
        results.append({"metrics": metrics, "dimensions": dims})
    meta: dict[str, Any] = {}
    if q.include_total_rows:
        meta["total_rows"] = int(rows[0][-1]) if rows else 0
    if q.include_time_labels:
        meta["time_labels"] = time_labels(q)
    if not q.dimensions and not results:
        results = [{"metrics": [0 for _ in q.metrics], "dimensions": []}]
    if q.comparison is not None:
        attach(q, results, run(engine, previous(q), site, goals)["results"])
    return {"results": results, "meta": meta}


def _filled(answer: dict[str, Any], q: StatsQuery) -> list[dict[str, Any]]:
    """A timeseries with a row for every label (zeros where nothing happened)."""
    found = {r["dimensions"][0]: r["metrics"] for r in answer["results"]}
    zero = [0 for _ in q.metrics]
    return [{"dimensions": [label], "metrics": found.get(label, zero)} for label in time_labels(q)]


def run_filled(
    engine: StatsEngine, q: StatsQuery, site: Site, goals: Sequence[Goal]
) -> dict[str, Any]:
    """``run``, except that a timeseries with a comparison has every bucket on both
    sides, so the previous period lines up label by label (``run`` pairs time rows by
    position and leaves out empty buckets)."""
    if q.comparison is None or q.dimensions != (q.time_dimension(),):
        return run(engine, q, site, goals)
    now_q = dataclasses.replace(q, comparison=None, include_time_labels=True)
    before_q = previous(q)
    rows = _filled(run(engine, now_q, site, goals), now_q)
    attach(q, rows, _filled(run(engine, before_q, site, goals), before_q))
    return {
        "results": rows,
        "meta": {"time_labels": time_labels(now_q), "comparison_labels": time_labels(before_q)},
    }


def realtime_visitors(engine: StatsEngine, site: Site, now: datetime) -> int:
    """Distinct visitors in the last 5 minutes, now included."""
    window = (now - REALTIME_WINDOW, now + timedelta(microseconds=1))
    q = StatsQuery(site.domain, ("visitors",), *window, "UTC")
    visitors: int = run(engine, q, site, ())["results"][0]["metrics"][0]
    return visitors


def first_day(engine: StatsEngine, site: Site, now: datetime) -> date:
    """The first day of the site's "all" range: its first event's (or its creation's)."""
    first = engine.first_event_at(site.id)
    return (first or site.created_at or now).astimezone(UTC).date()
