"""The dashboard's CSV export: a ZIP of one CSV per report, as Plausible's export.

Each report is a v2 query body asked through a callback (the dashboard's own query
path), so the export shows exactly what the dashboard shows for the same filters and
range. Cells that came from visitors are sanitized against formula injection.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from footfall.stats import metrics as metrics_table
from footfall.web import preload

Ask = Callable[[dict[str, Any]], dict[str, Any]]

# OWASP "CSV injection": a cell starting with one of these is a formula to spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
TIMESERIES_METRICS = [
    "visitors",
    "pageviews",
    "visits",
    "views_per_visit",
    "bounce_rate",
    "visit_duration",
]
# Under a goal filter the metrics of visits mean nothing: a report that has them shows
# conversions instead, as Plausible's export does.
GOAL_TIMESERIES_METRICS = list(metrics_table.GOAL_TOP)
GOAL_COLUMNS = ("conversions", "conversion_rate")
GOAL_METRICS = ("visitors", "group_conversion_rate")


def cell(value: object) -> object:
    """A CSV cell: numbers as they are, text prefixed with ' when a spreadsheet would
    read it as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True, slots=True)
class Report:
    filename: str
    header: tuple[str, ...]
    dimension: str
    metrics: tuple[str, ...]


# Plausible's export files and columns (name first, then its metrics).
REPORTS = (
    Report("sources.csv", ("name", "visitors", "bounce_rate", "visit_duration"),
           "visit:source", ("visitors", "bounce_rate", "visit_duration")),
    Report("channels.csv", ("name", "visitors", "bounce_rate", "visit_duration"),
           "visit:channel", ("visitors", "bounce_rate", "visit_duration")),
    Report("utm_mediums.csv", ("name", "visitors", "bounce_rate", "visit_duration"),
           "visit:utm_medium", ("visitors", "bounce_rate", "visit_duration")),
    Report("utm_sources.csv", ("name", "visitors", "bounce_rate", "visit_duration"),
           "visit:utm_source", ("visitors", "bounce_rate", "visit_duration")),
    Report("utm_campaigns.csv", ("name", "visitors", "bounce_rate", "visit_duration"),
           "visit:utm_campaign", ("visitors", "bounce_rate", "visit_duration")),
    Report("pages.csv", ("name", "visitors", "pageviews", "bounce_rate", "time_on_page"),
           "event:page", ("visitors", "pageviews", "bounce_rate", "time_on_page")),
    Report("entry_pages.csv",
           ("name", "unique_entrances", "total_entrances", "bounce_rate", "visit_duration"),
           "visit:entry_page", ("visitors", "visits", "bounce_rate", "visit_duration")),
    Report("exit_pages.csv", ("name", "unique_exits", "total_exits"),
           "visit:exit_page", ("visitors", "visits")),
    Report("countries.csv", ("name", "visitors"), "visit:country_name", ("visitors",)),
    Report("regions.csv", ("name", "visitors"), "visit:region", ("visitors",)),
    Report("cities.csv", ("name", "visitors"), "visit:city", ("visitors",)),
    Report("browsers.csv", ("name", "visitors"), "visit:browser", ("visitors",)),
    Report("operating_systems.csv", ("name", "visitors"), "visit:os", ("visitors",)),
    Report("devices.csv", ("name", "visitors"), "visit:device", ("visitors",)),
    Report("conversions.csv",
           ("name", "unique_conversions", "total_conversions", "conversion_rate"),
           "event:goal", ("visitors", "events", "conversion_rate")),
)  # fmt: skip


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue().encode()


def goal_filtered(base: dict[str, Any]) -> bool:
    return preload.has_goal(base.get("filters", []))


def _timeseries(ask: Ask, base: dict[str, Any], interval: str) -> bytes:
    metrics = GOAL_TIMESERIES_METRICS if goal_filtered(base) else TIMESERIES_METRICS
    answer = ask(
        {
            **base,
            "metrics": metrics,
            "dimensions": [f"time:{interval}"],
            "include": {"time_labels": True},
        }
    )
    found = {r["dimensions"][0]: r["metrics"] for r in answer["results"]}
    zero = [0 for _ in metrics]
    rows = [[label, *found.get(label, zero)] for label in answer["meta"]["time_labels"]]
    return to_csv(["date", *metrics], rows)


def _breakdown(ask: Ask, base: dict[str, Any], report: Report) -> bytes:
    header, metrics = report.header, report.metrics
    if goal_filtered(base) and any(map(metrics_table.session, metrics)):
        header, metrics = (header[0], *GOAL_COLUMNS), GOAL_METRICS
    answer = ask({**base, "metrics": list(metrics), "dimensions": [report.dimension]})
    return to_csv(header, [[*r["dimensions"], *r["metrics"]] for r in answer["results"]])


def _custom_props(ask: Ask, base: dict[str, Any], keys: Sequence[str]) -> bytes:
    rows: list[list[object]] = []
    for key in keys:
        answer = ask(
            {
                **base,
                "metrics": ["visitors", "events", "percentage"],
                "dimensions": [f"event:props:{key}"],
            }
        )
        rows += [[key, *r["dimensions"], *r["metrics"]] for r in answer["results"]]
    return to_csv(["property", "value", "visitors", "events", "percentage"], rows)


def build_zip(
    ask: Ask, base: dict[str, Any], interval: str, prop_keys: Sequence[str], has_goals: bool
) -> bytes:
    """The ZIP: visitors.csv (the timeseries), one CSV per report, custom_props.csv.

    ``base`` holds ``site_id``, ``date_range`` and ``filters``; every file applies them.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("visitors.csv", _timeseries(ask, base, interval))
        for report in REPORTS:
            if report.dimension == "event:goal" and not has_goals:
                archive.writestr(report.filename, to_csv(report.header, []))
                continue
            archive.writestr(report.filename, _breakdown(ask, base, report))
        archive.writestr("custom_props.csv", _custom_props(ask, base, prop_keys))
    return buffer.getvalue()
