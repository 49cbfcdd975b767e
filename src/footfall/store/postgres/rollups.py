"""Daily rollups: the dashboard's queries over ended days, without reading their events
(docs/backends.md, "Daily rollups"; the tables: 004_rollups.sql).

A UTC day that ended over ``SETTLE`` ago is rolled up once: per part of it that falls
on one local day of the site's zone, and for the whole day when it has several parts,
its totals, and its counts per visit attribute and per page, each side (visits that
start in the part, events in the part) as the builder reads it. A query the rollups
answer (``answerable``) reads the rolled-up days from ``rollups`` and the others
(today, days written to since) from events and visits, then adds them up.

Distinct visitors add up exactly across UTC days: a visitor id is a hash under the
salt of its UTC day, so no id is on two days, and no visit spans a UTC midnight
(docs/metrics.md). Within a UTC day they do not (one visitor can be on both sides of a
local midnight): a group takes a day's whole row when it holds all of the day, a
part's row when it holds only that part of it, and reads the day from events when it
holds several parts but not all (three parts on a DST day, which no query needs).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from footfall.domain import Goal
from footfall.stats import shares, timeline
from footfall.stats.query import StatsQuery
from footfall.store.sql import builder
from footfall.store.sql.builder import VISIT_ATTRS, Sides, local_time_within, order, sides
from footfall.store.sql.dialect import Dialect, Params

SETTLE = timedelta(hours=1)  # longer than any write transaction lasts
PAGE = "page"
_TIME_UNITS = {"time": "day", "time:day": "day", "time:week": "week", "time:month": "month"}
_METRICS = frozenset(
    {"visitors", "visits", "pageviews", "events", "bounce_rate", "visit_duration"}
    | {"views_per_visit", "percentage"}
)
_EVENT_METRICS = frozenset({"visitors", "pageviews", "events", "percentage"})
_SUMS = (
    "visits",
    "v_visitors",
    "bounces",
    "duration",
    "v_pageviews",
    "v_events",
    "e_visitors",
    "e_events",
    "e_pageviews",
)
_VISIT_SIDE = (
    "count(*)",
    "count(DISTINCT visitor_id)",
    "count(*) FILTER (WHERE bounce)",
    "sum(CASE WHEN bounce THEN 0 ELSE duration END)",
    "sum(pageviews)",
    "sum(events)",
    "0",
    "0",
    "0",
)
_EVENT_SIDE = (
    *("0",) * 6,
    "count(DISTINCT visitor_id)",
    "count(*)",
    "count(*) FILTER (WHERE name = 'pageview')",
)
_COLUMNS = sorted(set(VISIT_ATTRS.values()))


def answerable(q: StatsQuery) -> bool:
    """Whether rollups can answer ``q`` exactly: no filters, whole local days, one
    dimension at most (time, a visit attribute, or the page for event metrics), and
    only the metrics rollups keep."""
    if q.filters or len(q.dimensions) > 1 or not set(q.metrics) <= _METRICS:
        return False
    zone = zoneinfo.ZoneInfo(q.timezone)
    if q.start >= q.end or any(t.astimezone(zone).time() != time(0) for t in (q.start, q.end)):
        return False
    if not q.dimensions:
        return True
    dim = q.dimensions[0]
    if dim == "event:page":
        return set(q.metrics) <= _EVENT_METRICS
    return dim in _TIME_UNITS or dim in VISIT_ATTRS


def utc_days(start: datetime, end: datetime) -> list[date]:
    """The UTC days ``[start, end)`` touches."""
    first, last = start.astimezone(UTC).date(), (end - timedelta(microseconds=1)).astimezone(UTC)
    return [first + timedelta(days=n) for n in range((last.date() - first).days + 1)]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def parts(day: date, timezone: str) -> list[date]:
    """The local days of ``timezone`` that UTC day ``day`` meets, in order (as the SQL
    computes them: the zone's offset at each instant, timeline.offsets)."""
    start, end = _day_start(day), _day_start(day + timedelta(days=1))
    pieces = timeline.offsets(timezone, start, end)
    found: set[date] = set()
    for (since, offset), until in zip(pieces, [*(p[0] for p in pieces[1:]), end], strict=True):
        first = (since + timedelta(seconds=offset)).date()
        last = (until - timedelta(microseconds=1) + timedelta(seconds=offset)).date()
        found |= {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return sorted(found)


@dataclass(frozen=True, slots=True)
class Usage:
    """How a query reads each rolled-up UTC day of its range."""

    whole: frozenset[date]  # by the day's whole rows
    parts: frozenset[date]  # by its parts' rows, those on local days in range

    @property
    def days(self) -> frozenset[date]:
        return self.whole | self.parts


def usage(q: StatsQuery, rolled: frozenset[date]) -> Usage:
    """For each rolled-up day: whole rows when one group of ``q`` holds all of it,
    part rows when each group holds one part at most, else events (not in the usage)."""
    zone = zoneinfo.ZoneInfo(q.timezone)
    first, last = q.start.astimezone(zone).date(), q.end.astimezone(zone).date()
    unit = _TIME_UNITS.get(q.dimensions[0]) if q.dimensions else None
    whole, by_part = set(), set()
    for day in rolled:
        local = parts(day, q.timezone)
        inside = [d for d in local if first <= d < last]
        groups = {_bucket(d, unit) for d in inside}
        if len(local) == 1 or len(groups) == len(inside):
            by_part.add(day)
        elif len(groups) == 1 and len(inside) == len(local):
            whole.add(day)
    return Usage(frozenset(whole), frozenset(by_part))


def _bucket(day: date, unit: str | None) -> date | None:
    """The time bucket of a local day (None: one group for every day)."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day if unit == "day" else None


def raw_windows(q: StatsQuery, rolled: frozenset[date]) -> list[tuple[datetime, datetime]]:
    """The parts of ``[q.start, q.end)`` on UTC days not read from rollups, as runs."""
    windows: list[tuple[datetime, datetime]] = []
    for day in utc_days(q.start, q.end):
        if day in rolled:
            continue
        lo = max(q.start, _day_start(day))
        hi = min(q.end, _day_start(day + timedelta(days=1)))
        if windows and windows[-1][1] == lo:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


def reads_rollups(q: StatsQuery) -> bool:
    """Whether any statement of ``q``'s plan does: ``q``'s own, or the baseline of one
    of its share metrics (a goal filter's conversion rate divides by the unfiltered
    visitors, which rollups answer though the goal's conversions are read raw)."""
    return answerable(q) or any(answerable(shares.baseline(q, s)) for s in shares.needed(q))


@dataclass(frozen=True, slots=True)
class Rolled:
    """The ``builder.Statement`` of a query's plan, given the UTC days of its range that
    are rolled up (in its zone) and have not been written to since: each statement of
    the plan (the query's, its baselines') the rollups answer reads them, the others
    read events and visits (``builder.body``)."""

    days: frozenset[date]

    def __call__(self, q: StatsQuery, site_id: int, goals: Sequence[Goal], p: Params) -> str:
        if not answerable(q):
            return builder.body(q, site_id, goals, p)
        d = p.dialect
        side = sides(q)
        dim = q.dimensions[0] if q.dimensions else None
        unit = _TIME_UNITS.get(dim or "")
        key = PAGE if dim == "event:page" else VISIT_ATTRS.get(dim or "", "")
        site = p.add(site_id)
        zone = zoneinfo.ZoneInfo(q.timezone)

        def group(expr: str) -> str:
            return f"{expr} AS d0, " if dim else ""

        def local(column: str) -> str:
            assert unit is not None
            return d.trunc(unit, local_time_within(q.timezone, q.start, q.end, p, column))

        by = " GROUP BY d0" if dim else ""
        use = usage(q, self.days)
        parts = []
        if use.days:
            rolled = d.trunc(unit, "CAST(local_day AS timestamp)") if unit else "value"
            sums = ", ".join(f"CAST(sum({s}) AS BIGINT)" for s in _SUMS)
            parts.append(
                f"SELECT {group(rolled)}{sums} FROM rollups WHERE site_id = {site}"
                f" AND dim = {p.add(key)}"
                f" AND ((whole AND utc_day = ANY({p.add(sorted(use.whole))}))"
                f" OR (NOT whole AND utc_day = ANY({p.add(sorted(use.parts))})"
                f" AND local_day >= {p.add(q.start.astimezone(zone).date())}"
                f" AND local_day < {p.add(q.end.astimezone(zone).date())})){by}"
            )
        for lo, hi in raw_windows(q, use.days):
            if side.visits:
                g = local("started_at") if unit else (key or "")
                parts.append(
                    f"SELECT {group(g)}{', '.join(f'CAST({a} AS BIGINT)' for a in _VISIT_SIDE)}"
                    f" FROM ({_visits(d)} WHERE site_id = {site}"
                    f" AND started_at >= {p.time(lo)} AND started_at < {p.time(hi)}) v{by}"
                )
            if side.events:
                g = local('"timestamp"') if unit else "pathname"
                parts.append(
                    f"SELECT {group(g)}{', '.join(f'CAST({a} AS BIGINT)' for a in _EVENT_SIDE)}"
                    f" FROM events WHERE site_id = {site} AND name <> 'engagement'"
                    f' AND "timestamp" >= {p.time(lo)} AND "timestamp" < {p.time(hi)}{by}'
                )
        totals = ", ".join(f"CAST(coalesce(sum({s}), 0) AS BIGINT) AS {s}" for s in _SUMS)
        exists = [
            *(["sum(e_events) > 0"] if side.events else []),
            *(["sum(visits) > 0"] if side.visits else []),
        ]
        having = f"{by} HAVING {' OR '.join(exists)}" if dim else ""
        dims = ["d0"] if dim else []
        metrics = [f"coalesce({_metric(m, side, d)}, 0) AS m{i}" for i, m in enumerate(q.metrics)]
        return (
            f"WITH parts ({', '.join([*dims, *_SUMS])}) AS ({' UNION ALL '.join(parts)}),"
            f" agg AS (SELECT {'d0, ' if dim else ''}{totals} FROM parts{having})"
            f" SELECT {', '.join([*dims, *metrics])}, count(*) OVER () AS total_rows FROM agg"
            f" ORDER BY {order(q, dims)} LIMIT {p.add(q.limit)} OFFSET {p.add(q.offset)}"
        )


def _metric(name: str, side: Sides, d: Dialect) -> str:
    """A metric from the summed parts, read from the side the builder reads it from."""
    if name in ("visitors", "percentage"):
        return "e_visitors" if side.events and side.visitors_from_events else "v_visitors"
    if name in ("pageviews", "events"):
        return f"{'e' if side.events else 'v'}_{name}"
    return {
        "visits": "visits",
        "bounce_rate": "round(100 * CAST(bounces AS NUMERIC) / nullif(visits, 0))",
        "visit_duration": "round(CAST(duration AS NUMERIC) / nullif(visits, 0))",
        "views_per_visit": d.ratio("v_pageviews", "nullif(visits, 0)", 2),
    }[name]


def _visits(d: Dialect, extra: str = "") -> str:
    """Visits with the two values the builder derives from each (``fv``)."""
    return (
        f"SELECT *, {extra}(pageviews < 2 AND interactions = 0) AS bounce,"
        f" {d.seconds_between('started_at', 'ended_at')} AS duration FROM visits"
    )


def roll(site_id: int, day: date, timezone: str, d: Dialect) -> builder.Plan:
    """The INSERT of one (site, UTC day)'s rollup rows, in ``timezone``: a row per part
    and value, and per value for the whole day when the day has several parts."""
    p = Params(d)
    local = parts(day, timezone)
    # Grouping sets: (part, value) rows, and (value) rows when there are several parts.
    sets = (
        "GROUPING SETS ((local_day, a.dim, a.value), (a.dim, a.value))"
        if len(local) > 1
        else "local_day, a.dim, a.value"
    )
    whole = "GROUPING(local_day) = 1"
    lo, hi = _day_start(day), _day_start(day + timedelta(days=1))
    site, start, end = p.add(site_id), p.time(lo), p.time(hi)

    def local_day(column: str) -> str:
        return f"CAST({local_time_within(timezone, lo, hi, p, column)} AS date)"

    attrs = ", ".join(["('', '')", *(f"('{c}', {c})" for c in _COLUMNS)])
    visit_sums = ", ".join(f"{a} AS {s}" for a, s in zip(_VISIT_SIDE, _SUMS, strict=True))
    event_sums = ", ".join(f"{a} AS {s}" for a, s in zip(_EVENT_SIDE, _SUMS, strict=True))
    sums = ", ".join(f"sum({s})" for s in _SUMS)
    keys = f"coalesce(local_day, {p.add(local[0])}) AS local_day, {whole} AS whole, a.dim, a.value"
    visits = _visits(d, f"{local_day('started_at')} AS local_day, ")
    event_day = local_day('"timestamp"')
    sql = (
        "INSERT INTO rollups (site_id, utc_day, local_day, whole, dim, value,"
        f" {', '.join(_SUMS)}) SELECT {site}, {p.add(day)}, local_day, whole, dim, value,"
        f" {sums} FROM (SELECT {keys}, {visit_sums}"
        f" FROM ({visits}"
        f" WHERE site_id = {site} AND started_at >= {start} AND started_at < {end}) v"
        f" CROSS JOIN LATERAL (VALUES {attrs}) AS a (dim, value) GROUP BY {sets}"
        f" UNION ALL SELECT {keys}, {event_sums}"
        f" FROM (SELECT visitor_id, name, pathname, {event_day} AS local_day"
        f" FROM events WHERE site_id = {site} AND name <> 'engagement'"
        f' AND "timestamp" >= {start} AND "timestamp" < {end}) e'
        f" CROSS JOIN LATERAL (VALUES ('', ''), ('{PAGE}', pathname)) AS a (dim, value)"
        f" GROUP BY {sets}) x GROUP BY local_day, whole, dim, value"
    )
    return builder.Plan(sql, p.values)
