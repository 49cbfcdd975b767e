"""Imported history in stats answers, as Plausible's API v2 does it: only when the query
asks (``"include": {"imports": true}``), only for what the imported tables can answer,
and saying so in ``meta`` (``imports_included``, ``imports_skip_reason``).

Imported rows are daily aggregates: they are added to the native answer per group,
metric by metric (visitors are summed per day, as in Plausible: a visitor of two
imported days counts twice). What they can answer is data, below: the dimensions
(with time:day), the metrics; no filters, no comparisons. docs/transfer.md, "Imports".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from footfall.domain import Goal, Site
from footfall.imports.tables import TABLES
from footfall.stats import runner
from footfall.stats.query import MAX_ROWS_PER_PAGE, StatsQuery
from footfall.store.base import ImportedData, StatsEngine

# dimension -> (imported table, its column); time:day is any table's date.
DIMENSIONS = {
    "visit:source": ("imported_sources", "source"),
    "visit:utm_source": ("imported_sources", "utm_source"),
    "visit:utm_medium": ("imported_sources", "utm_medium"),
    "visit:utm_campaign": ("imported_sources", "utm_campaign"),
    "visit:utm_content": ("imported_sources", "utm_content"),
    "visit:utm_term": ("imported_sources", "utm_term"),
    "event:page": ("imported_pages", "page"),
    "visit:entry_page": ("imported_entry_pages", "entry_page"),
    "visit:exit_page": ("imported_exit_pages", "exit_page"),
    "visit:country": ("imported_locations", "country"),
    "visit:device": ("imported_devices", "device"),
    "visit:browser": ("imported_browsers", "browser"),
    "visit:os": ("imported_operating_systems", "operating_system"),
}
# Per table, the column that counts visits (the entry and exit tables count them as
# entrances and exits).
VISITS = {"imported_entry_pages": "entrances", "imported_exit_pages": "exits"}
# The metrics imports answer; views_per_visit from the summed pageviews and visits.
METRICS = ("visitors", "visits", "pageviews", "views_per_visit")
SUMS = ("visitors", "visits", "pageviews")
# Metrics a dimension's table cannot answer: views per visit by page counts every
# pageview of the visits that saw the page, which imported_pages does not hold.
UNANSWERED = {"event:page": ("views_per_visit",)}
# Why imports were left out of an answer (Plausible's words where it has them).
UNSUPPORTED = "unsupported_query"
_DAY = ("time:day", "time")
NO_DATA = "no_imported_data"


def skip_reason(q: StatsQuery, imported: ImportedData | None, site: Site) -> str | None:
    """None when imports can be added to ``q``'s answer; else why not."""
    if imported is None or not imported.list_imports(site.id):
        return NO_DATA
    other = [d for d in q.dimensions if d not in _DAY]
    if (
        q.filters
        or q.comparison is not None
        or any(m not in METRICS for m in q.metrics)
        or len(other) > 1
        or any(d not in DIMENSIONS for d in other)
        or any(m in UNANSWERED.get(d, ()) for d in other for m in q.metrics)
    ):
        return UNSUPPORTED
    return None


def _table(q: StatsQuery) -> tuple[str, str | None]:
    other = [d for d in q.dimensions if d not in _DAY]
    return DIMENSIONS[other[0]] if other else ("imported_visitors", None)


def _imported(
    imported: ImportedData, q: StatsQuery, site: Site
) -> dict[tuple[str, ...], dict[str, int]]:
    """Imported sums per group (dimension labels as the runner shows them)."""
    table, column = _table(q)
    rows = imported.imported_rows(site.id, table)
    names = ["date", *TABLES[table].columns]
    visits = VISITS.get(table, "visits")
    groups: dict[tuple[str, ...], dict[str, int]] = {}
    for raw in rows:
        row = dict(zip(names, raw, strict=True))
        day = row["date"]
        assert isinstance(day, date)
        if not q.first_day <= day <= q.last_day:
            continue
        key = tuple(
            day.isoformat() if d in _DAY else runner.dimension_label(d, row[column or ""])
            for d in q.dimensions
        )
        sums = groups.setdefault(key, dict.fromkeys(SUMS, 0))
        sums["visitors"] += int(row["visitors"])
        sums["visits"] += int(row[visits])
        sums["pageviews"] += int(row.get("pageviews", 0))
    return groups


def run(
    engine: StatsEngine,
    imported: ImportedData | None,
    q: StatsQuery,
    site: Site,
    goals: Sequence[Goal],
    native: Callable[[StatsEngine, StatsQuery, Site, Sequence[Goal]], dict[str, Any]] = runner.run,
) -> dict[str, Any]:
    """The runner's answer with the site's imported history added where it can be (else
    ``native``'s, saying why not)."""
    reason = skip_reason(q, imported, site)
    if reason is not None or imported is None:
        answer = native(engine, q, site, goals)
        answer["meta"].update(imports_included=False, imports_skip_reason=reason)
        return answer
    native_q = dataclasses.replace(
        q, metrics=SUMS, order_by=(), limit=MAX_ROWS_PER_PAGE, offset=0, include_total_rows=False
    )
    groups = _imported(imported, q, site)
    for row in runner.run(engine, native_q, site, goals)["results"]:
        sums = groups.setdefault(tuple(row["dimensions"]), dict.fromkeys(SUMS, 0))
        for name, value in zip(SUMS, row["metrics"], strict=True):
            sums[name] += int(value or 0)
    results = [
        {"dimensions": list(key), "metrics": [_value(m, sums) for m in q.metrics]}
        for key, sums in groups.items()
    ]
    if not q.dimensions and not results:
        results = [{"dimensions": [], "metrics": [0 for _ in q.metrics]}]
    results = _ordered(q, results)
    meta: dict[str, Any] = {"imports_included": True}
    if q.include_total_rows:
        meta["total_rows"] = len(results)
    if q.include_time_labels:
        meta["time_labels"] = runner.time_labels(q)
    return {"results": results[q.offset : q.offset + q.limit], "meta": meta}


def _value(metric: str, sums: dict[str, int]) -> int | float:
    if metric == "views_per_visit":
        if not sums["visits"]:
            return 0.0
        ratio = Decimal(sums["pageviews"]) / Decimal(sums["visits"])
        return float(ratio.quantize(Decimal("0.01"), ROUND_HALF_UP))  # as the SQL rounds
    return sums[metric]


def _ordered(q: StatsQuery, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By ``order_by``; else by time, or by visitors (most first) then the labels."""
    order = list(q.order_by)
    if not order:
        time = [d for d in q.dimensions if d in _DAY]
        order = [(d, "asc") for d in time] or [("visitors", "desc")] * ("visitors" in q.metrics)
        order += [(d, "asc") for d in q.dimensions if d not in time]
    for name, direction in reversed(order):  # stable sorts: the first key decides last
        part, i = (
            ("metrics", q.metrics.index(name))
            if name in q.metrics
            else ("dimensions", q.dimensions.index(name))
        )

        def key(row: dict[str, Any], part: str = part, i: int = i) -> Any:
            return row[part][i]

        results.sort(key=key, reverse=direction == "desc")
    return results
