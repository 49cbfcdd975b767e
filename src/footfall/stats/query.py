"""The StatsQuery value object and its parser from a Plausible Stats API v2 request.

Every problem becomes a 400 with a sentence naming the field, as Plausible answers.
Date ranges are resolved in the site's time zone against an injected clock, and bounded
(``day_bounds``): no event is older than 2000-01-01 (ingest refuses them), and a range
that reaches centuries ahead only costs work, or overflows the calendar.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import re2

from footfall.errors import InputError
from footfall.ingest.request import text_ok
from footfall.stats import metrics as metrics_table
from footfall.stats import timeline

METRICS = metrics_table.NAMES
EVENT_DIMENSIONS = ("event:page", "event:hostname", "event:name", "event:goal")
VISIT_DIMENSIONS = (
    "visit:entry_page",
    "visit:exit_page",
    "visit:source",
    "visit:referrer",
    "visit:channel",
    "visit:utm_medium",
    "visit:utm_source",
    "visit:utm_campaign",
    "visit:utm_content",
    "visit:utm_term",
    "visit:device",
    "visit:browser",
    "visit:browser_version",
    "visit:os",
    "visit:os_version",
    "visit:country",
    "visit:country_name",
    "visit:region",
    "visit:city",
    "visit:screen",
)
TIME_DIMENSIONS = ("time", "time:hour", "time:day", "time:week", "time:month")
COMPARISONS = ("previous_period", "year_over_year", "custom")
OPERATORS = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")
PROPS_PREFIX = "event:props:"
# Bounds of what a query may ask (docs/api.md "Limits of a query").
EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 5  # a range may end on the last day of the fifth year after today's
MAX_OFFSET = 1_000_000_000
MAX_ROWS_PER_PAGE = 10_000  # pagination.limit, as Plausible's API allows
MAX_FILTER_DEPTH = 10  # and/or/not levels
MAX_DEPTH = 32  # JSON nesting of a whole body (room for MAX_FILTER_DEPTH filters)
MAX_ITEMS = 1000  # entries of any list or object of a body
MAX_TEXT = 4000  # characters of any string of a body


@dataclass(frozen=True, slots=True)
class Condition:
    operator: str
    dimension: str
    clauses: tuple[str, ...]
    case_sensitive: bool = True


@dataclass(frozen=True, slots=True)
class Logical:
    operator: str  # "and" | "or" | "not"
    children: tuple[Filter, ...]


Filter = Condition | Logical


@dataclass(frozen=True, slots=True)
class StatsQuery:
    site_domain: str
    metrics: tuple[str, ...]
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    timezone: str
    dimensions: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    order_by: tuple[tuple[str, str], ...] = ()
    limit: int = MAX_ROWS_PER_PAGE
    offset: int = 0
    include_total_rows: bool = False
    include_time_labels: bool = False
    include_imports: bool = False  # add the site's imported history (imports/merge.py)
    comparison: str | None = None  # one of COMPARISONS
    # the days a "custom" comparison compares with (inclusive)
    compare_days: tuple[date, date] | None = None
    first_day: date = field(default=date.min)
    last_day: date = field(default=date.min)

    def time_dimension(self) -> str | None:
        for d in self.dimensions:
            if d.startswith("time"):
                return "time:day" if d == "time" else d
        return None


def _fail(detail: str, where: str) -> InputError:
    return InputError(detail, field=where, code="invalid_query")


def _check_json(value: Any, where: str, depth: int = 0) -> None:
    """Refuse what no field may hold before any of it is echoed or read: nesting past
    MAX_DEPTH, lists or objects past MAX_ITEMS, strings past MAX_TEXT or that are not
    Unicode text (a lone surrogate such as ``"\\ud800"`` is valid JSON, but no UTF-8
    encoder, the engine's or the JSON writer's, takes it)."""
    if depth > MAX_DEPTH:
        raise _fail(f"the query nests more than {MAX_DEPTH} levels deep", where)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _fail(f"{where or 'a string'} is longer than {MAX_TEXT} characters", where)
        if not text_ok(value):
            raise _fail(f"{where or 'a string'} is not valid Unicode (a lone surrogate)", where)
    elif isinstance(value, list | dict):
        if len(value) > MAX_ITEMS:
            raise _fail(f"{where or 'the query'} has more than {MAX_ITEMS} entries", where)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            if isinstance(k, str) and not text_ok(k):
                raise _fail(f"a key of {where or 'the query'} is not valid Unicode", where)
            _check_json(v, f"{where}.{k}" if where else str(k), depth + 1)


def _valid_dimension(name: str, where: str) -> str:
    if name in EVENT_DIMENSIONS or name in VISIT_DIMENSIONS or name in TIME_DIMENSIONS:
        return name
    if name.startswith(PROPS_PREFIX) and len(name) > len(PROPS_PREFIX):
        return name
    raise _fail(f"Invalid dimension '{name}'", where)


def _parse_filter(raw: Any, where: str, depth: int = 1) -> Filter:
    if not isinstance(raw, list) or len(raw) < 2:
        raise _fail(f"Invalid filter '{raw}'", where)
    op = raw[0]
    if op in ("and", "or", "not") and depth >= MAX_FILTER_DEPTH:
        raise _fail(f"filters nest at most {MAX_FILTER_DEPTH} levels deep", where)
    if op in ("and", "or") and isinstance(raw[1], list) and raw[1]:
        children = (_parse_filter(f, f"{where}.1.{i}", depth + 1) for i, f in enumerate(raw[1]))
        return Logical(op, tuple(children))
    if op == "not" and len(raw) == 2:
        return Logical("not", (_parse_filter(raw[1], f"{where}.1", depth + 1),))
    if op not in OPERATORS or len(raw) not in (3, 4):
        raise _fail(f"Invalid filter '{raw}'", where)
    dimension = _valid_dimension(str(raw[1]), f"{where}.1")
    if dimension.startswith("time"):
        raise _fail(f"Invalid filter '{raw}': time dimensions cannot be filtered", where)
    clauses = raw[2]
    if not isinstance(clauses, list) or not all(isinstance(c, str | int) for c in clauses):
        raise _fail(f"Invalid filter '{raw}': clauses must be a list of strings", where)
    case = True
    if len(raw) == 4:
        if not isinstance(raw[3], dict) or set(raw[3]) - {"case_sensitive"}:
            raise _fail(f"Invalid filter '{raw}': unknown modifiers", where)
        case = bool(raw[3].get("case_sensitive", True))
    if op in ("matches", "matches_not"):
        for clause in clauses:
            try:
                re2.compile(str(clause))
            except re2.error:
                raise _fail(
                    f"Invalid filter '{raw}': '{clause}' is not a valid pattern", where
                ) from None
    return Condition(op, dimension, tuple(str(c) for c in clauses), case)


def mentions_goal(f: Filter) -> bool:
    if isinstance(f, Condition):
        return f.dimension == "event:goal"
    return any(mentions_goal(c) for c in f.children)


def _check_goal_metrics(
    metrics: list[str], dimensions: tuple[str, ...], filters: tuple[Filter, ...]
) -> None:
    """Conversion rates need a goal; the metrics of whole visits make no sense with one
    (a visit is not a conversion), so both refuse as Plausible does."""
    goal_filtered = any(mentions_goal(f) for f in filters)
    for m in metrics:
        if not metrics_table.session(m):
            continue
        # Plausible's sentences (its v1 API's validate_session_metric)
        if "event:goal" in dimensions:
            raise _fail(
                f"Session metric `{m}` cannot be queried for breakdown by `event:goal`.",
                "metrics",
            )
        if goal_filtered:
            raise _fail(
                f"Session metric `{m}` cannot be queried when using a filter on `event:goal`.",
                "metrics",
            )
    if any(metrics_table.TABLE[m].needs_goal for m in metrics) and not (
        "event:goal" in dimensions or goal_filtered
    ):
        raise _fail(
            "Metric `conversion_rate` can only be queried with event:goal filters or dimensions",
            "metrics",
        )


def day_bounds(first: date, last: date, today: date, where: str) -> tuple[date, date]:
    """``first`` and ``last`` when both lie from EARLIEST_DAY to the end of the
    YEARS_AHEAD-th year after ``today``; else a 400 naming the limits."""
    latest = date(today.year + YEARS_AHEAD, 12, 31)
    if first < EARLIEST_DAY or last > latest:
        raise _fail(
            f"dates must lie from {EARLIEST_DAY.isoformat()} to {latest.isoformat()}", where
        )
    return first, last


def _day_range(raw: Any, today: date, earliest: date) -> tuple[date, date]:
    """Inclusive first and last day of a Plausible ``date_range``."""
    if isinstance(raw, list):
        if len(raw) != 2 or not all(isinstance(v, str) for v in raw):
            raise _fail("date_range must be a name or a list of two dates", "date_range")
        try:
            first, last = (date.fromisoformat(v[:10]) for v in raw)
        except ValueError:
            raise _fail(f"Invalid date_range '{raw}'", "date_range") from None
        if last < first:
            raise _fail(f"Invalid date_range '{raw}': the end is before the start", "date_range")
        return day_bounds(first, last, today, "date_range")
    if not isinstance(raw, str):
        raise _fail("date_range must be a name or a list of two dates", "date_range")
    fixed = {"day": 1, "7d": 7, "28d": 28, "30d": 30, "91d": 91}
    if raw in fixed:
        return today - timedelta(days=fixed[raw] - 1), today
    if raw == "month":
        return today.replace(day=1), today
    if raw == "year":
        return today.replace(month=1, day=1), today
    if raw in ("6mo", "12mo"):
        months = 6 if raw == "6mo" else 12
        y, m = today.year, today.month - (months - 1)
        while m <= 0:
            y, m = y - 1, m + 12
        return date(y, m, 1), today
    if raw == "all":
        return max(EARLIEST_DAY, min(earliest, today)), today
    raise _fail(f"Invalid date_range '{raw}'", "date_range")


def _exact_range(raw: list[Any], zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """``[iso_start, iso_end]`` datetimes (the site's zone when they carry none); the
    end is inclusive, as in Plausible."""
    try:
        bounds = [datetime.fromisoformat(str(v)) for v in raw]
    except ValueError:
        raise _fail(f"Invalid date_range '{raw}'", "date_range") from None
    utc = zoneinfo.ZoneInfo("UTC")
    start, end = (b.replace(tzinfo=zone) if b.tzinfo is None else b for b in bounds)
    return start.astimezone(utc), (end + timedelta(seconds=1)).astimezone(utc)


def _integer(raw: Any, low: int, high: int, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise _fail(f"{where} must be an integer from {low} to {high}", where)
    return raw


def parse(body: Any, now: datetime, timezone: str, earliest: date) -> StatsQuery:
    if not isinstance(body, dict):
        raise _fail("the query must be a JSON object", "")
    _check_json(body, "")
    site = body.get("site_id")
    if not isinstance(site, str) or not site:
        raise _fail("site_id is required", "site_id")
    metrics = body.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise _fail("metrics must be a non-empty list", "metrics")
    for i, m in enumerate(metrics):
        if m not in METRICS:
            raise _fail(f"Unknown metric '{m}'", f"metrics.{i}")
    if "date_range" not in body:
        raise _fail("date_range is required", "date_range")
    dims = body.get("dimensions", [])
    if not isinstance(dims, list):
        raise _fail("dimensions must be a list", "dimensions")
    dimensions = tuple(_valid_dimension(str(d), f"dimensions.{i}") for i, d in enumerate(dims))
    if "percentage" in metrics and not dimensions:
        raise _fail("Metric `percentage` can only be used with dimensions", "metrics")
    if "group_conversion_rate" in metrics and not [d for d in dimensions if d != "event:goal"]:
        raise _fail(
            "Metric `group_conversion_rate` needs a dimension besides event:goal", "metrics"
        )
    raw_filters = body.get("filters", [])
    if not isinstance(raw_filters, list):
        raise _fail("filters must be a list", "filters")
    filters = tuple(_parse_filter(f, f"filters.{i}") for i, f in enumerate(raw_filters))
    for m in metrics:
        allowed = metrics_table.TABLE[m].dimensions
        if allowed is not None and dimensions not in allowed:
            shown = " or ".join(", ".join(d) or "no dimension" for d in allowed)
            raise _fail(f"Metric `{m}` can only be used with {shown}", "metrics")
    _check_goal_metrics(metrics, dimensions, filters)
    order = body.get("order_by", [])
    if not isinstance(order, list):
        raise _fail("order_by must be a list", "order_by")
    order_by: list[tuple[str, str]] = []
    for i, item in enumerate(order):
        if (
            not isinstance(item, list)
            or len(item) != 2
            or item[1] not in ("asc", "desc")
            or (item[0] not in metrics and item[0] not in dimensions)
        ):
            raise _fail(f"Invalid order_by entry '{item}'", f"order_by.{i}")
        order_by.append((str(item[0]), str(item[1])))
    page = body.get("pagination", {}) or {}
    include = body.get("include", {}) or {}
    if not isinstance(page, dict) or not isinstance(include, dict):
        raise _fail("pagination and include must be objects", "pagination")
    limit = _integer(page.get("limit", MAX_ROWS_PER_PAGE), 1, MAX_ROWS_PER_PAGE, "pagination.limit")
    offset = _integer(page.get("offset", 0), 0, MAX_OFFSET, "pagination.offset")
    zone = zoneinfo.ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    comparison, compare_days = _comparison(include.get("comparisons"), today)
    first, last = _day_range(body["date_range"], today, earliest)
    start = datetime.combine(first, time(), zone).astimezone(zoneinfo.ZoneInfo("UTC"))
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(
        zoneinfo.ZoneInfo("UTC")
    )
    if isinstance(body["date_range"], list) and any("T" in str(v) for v in body["date_range"]):
        start, end = _exact_range(body["date_range"], zone)
    for i, d in enumerate(dimensions):
        if d.startswith("time"):
            timeline.check(d, first, last, f"dimensions.{i}")
            if compare_days is not None:  # its buckets are filled too
                timeline.check(d, *compare_days, "include.comparisons")
    return StatsQuery(
        site_domain=site,
        metrics=tuple(metrics),
        start=start,
        end=end,
        timezone=timezone,
        dimensions=dimensions,
        filters=filters,
        order_by=tuple(order_by),
        limit=limit,
        offset=offset,
        include_total_rows=bool(include.get("total_rows")),
        include_time_labels=bool(include.get("time_labels")),
        include_imports=include.get("imports") is True,
        first_day=first,
        last_day=last,
        comparison=comparison,
        compare_days=compare_days,
    )


def _comparison(raw: Any, today: date) -> tuple[str | None, tuple[date, date] | None]:
    """``include.comparisons``: a mode, and for "custom" the days it compares with (as
    Plausible's v2: ``{"mode": "custom", "date_range": ["2026-01-01", "2026-01-31"]}``)."""
    if raw is None:
        return None, None
    where = "include.comparisons"
    if not isinstance(raw, dict) or raw.get("mode") not in COMPARISONS:
        raise _fail(
            'include.comparisons must be {"mode": "previous_period" | "year_over_year"} or '
            '{"mode": "custom", "date_range": [first, last]}',
            where,
        )
    if raw["mode"] != "custom":
        return str(raw["mode"]), None
    days = raw.get("date_range")
    if not isinstance(days, list) or len(days) != 2 or not all(isinstance(d, str) for d in days):
        raise _fail("a custom comparison needs date_range: [first, last] (YYYY-MM-DD)", where)
    try:
        first, last = (date.fromisoformat(d) for d in days)
    except ValueError:
        raise _fail(f"Invalid comparison date_range '{days}'", where) from None
    if last < first:
        raise _fail(f"Invalid comparison date_range '{days}': the end is before the start", where)
    return "custom", day_bounds(first, last, today, where)
