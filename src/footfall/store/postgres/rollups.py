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
from footfall.stats.filters import DIRECT, glob_pattern
from footfall.stats.query import Condition, StatsQuery
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
# Filtered rows (docs/backends.md, "Filtered rollups"): a visit-attribute filter on one
# of these columns, a custom event goal (its event name, under ``NAME``), or a page goal
# (its page_path pattern, under ``PAGE_GOAL``: for the site's page goals at roll-up time).
FILTER_COLUMNS = (
    "source",
    "channel",
    "country",
    "browser",
    "os",
    "device",
    "utm_medium",
    "utm_source",
    "utm_campaign",
)
NAME = "name"
PAGE_GOAL = "page_goal"
_GOALS = (NAME, PAGE_GOAL)
# Engagement events (time and depth on a page) are neither pageviews nor custom events.
ENGAGED_OUT = " AND name <> 'engagement'"
_GOAL_METRICS = frozenset({"visitors", "events", "pageviews"})
_CONVERSIONS = frozenset({"conversion_rate", "group_conversion_rate"})
# What stays in a part: its visits whose matching event is in it, its events of visits
# that start in it (the rest of the row's columns count the whole UTC day's).
_OWN = ("o_visits", "o_v_visitors", "o_e_visitors", "o_e_events", "o_e_pageviews")
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


def filter_key(q: StatsQuery, goals: Sequence[Goal] = ()) -> tuple[str, str] | None:
    """The (fdim, fvalue) of the rollup rows that hold ``q``'s filter: ('', '') for no
    filter, (column, value) for one visit attribute that is one value, (``NAME``, event)
    for one custom event goal, (``PAGE_GOAL``, pattern) for one page goal; None when
    rollups do not hold it."""
    if not q.filters:
        return ("", "")
    f = q.filters[0]
    if len(q.filters) > 1 or not isinstance(f, Condition):
        return None
    if f.operator != "is" or len(f.clauses) != 1 or not f.case_sensitive:
        return None
    if f.dimension == "event:goal":
        found = [g for g in goals if g.display_name == f.clauses[0]]
        if len(found) != 1 or found[0].event_name == "pageview":
            return None
        if not found[0].event_name:
            return (PAGE_GOAL, found[0].page_path) if found[0].page_path else None
        return (NAME, found[0].event_name)
    column = VISIT_ATTRS.get(f.dimension) if f.dimension != "visit:country_name" else None
    if column not in FILTER_COLUMNS:
        return None
    value = f.clauses[0]
    return (column or "", "" if value == DIRECT and column == "source" else value)


def answerable(q: StatsQuery, goals: Sequence[Goal] = ()) -> bool:
    """Whether rollups can answer ``q`` exactly: no filter or one they hold
    (``filter_key``), whole local days, one dimension at most (time, a visit attribute,
    or the page for event metrics), and only the metrics rollups keep (under a goal:
    visitors, events, pageviews and conversion rates)."""
    key = filter_key(q, goals)
    if key is None or len(q.dimensions) > 1:
        return False
    allowed = _GOAL_METRICS | _CONVERSIONS if key[0] in _GOALS else _METRICS
    if not set(q.metrics) <= allowed:
        return False
    zone = zoneinfo.ZoneInfo(q.timezone)
    if q.start >= q.end or any(t.astimezone(zone).time() != time(0) for t in (q.start, q.end)):
        return False
    if not q.dimensions:
        return True
    dim = q.dimensions[0]
    if dim == "event:page":
        return set(q.metrics) <= _EVENT_METRICS | _CONVERSIONS
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


def usage(q: StatsQuery, rolled: frozenset[date], filtered: bool = False) -> Usage:
    """For each rolled-up day: whole rows when one group of ``q`` holds all of it,
    part rows when each group holds one part at most, else events (not in the usage).
    Under a filter, a day of more than two parts is read from events (a part's own
    counts, ``_OWN``, tell only its own part from the one before)."""
    zone = zoneinfo.ZoneInfo(q.timezone)
    first, last = q.start.astimezone(zone).date(), q.end.astimezone(zone).date()
    unit = _TIME_UNITS.get(q.dimensions[0]) if q.dimensions else None
    whole, by_part = set(), set()
    for day in rolled:
        local = parts(day, q.timezone)
        if filtered and len(local) > 2:
            continue
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


def reads_rollups(q: StatsQuery, goals: Sequence[Goal] = ()) -> bool:
    """Whether any statement of ``q``'s plan does: ``q``'s own, or the baseline of one
    of its share metrics (a goal filter's conversion rate divides by the unfiltered
    visitors, which rollups answer even when the goal's conversions are read raw)."""
    return answerable(q, goals) or any(
        answerable(shares.baseline(q, s), goals) for s in shares.needed(q)
    )


@dataclass(frozen=True, slots=True)
class Rolled:
    """The ``builder.Statement`` of a query's plan, given the UTC days of its range that
    are rolled up (in its zone) and have not been written to since: each statement of
    the plan (the query's, its baselines') the rollups answer reads them, the others
    read events and visits (``builder.body``). A filtered statement reads only the days
    of ``filtered`` (those rolled up before migration 11 have no filtered rows yet), and
    under a page goal only those whose (day, pattern) is in ``held`` (a day holds the
    site's page goals of when it was rolled up)."""

    days: frozenset[date]
    filtered: frozenset[date]
    held: frozenset[tuple[date, str]] = frozenset()

    def __call__(self, q: StatsQuery, site_id: int, goals: Sequence[Goal], p: Params) -> str:
        key = filter_key(q, goals)
        if key is None or not answerable(q, goals):
            return builder.body(q, site_id, goals, p)
        fdim, fvalue = key
        d = p.dialect
        side = sides(q)
        dim = q.dimensions[0] if q.dimensions else None
        unit = _TIME_UNITS.get(dim or "")
        column = VISIT_ATTRS.get(dim or "", "")
        rkey = PAGE if dim == "event:page" else column
        site = p.add(site_id)
        zone = zoneinfo.ZoneInfo(q.timezone)
        first, end = q.start.astimezone(zone).date(), q.end.astimezone(zone).date()
        # The event side counts only events of the kept visits that start in the range
        # (a visit filter; a goal grouped by a visit attribute): in the range's first
        # local day, the part's own events. The visit side under a goal counts visits
        # whose matching event is in the range: in its last local day, the part's own.
        own_events = bool(fdim) and (fdim not in _GOALS or bool(column))
        own_visits = fdim in _GOALS

        def group(expr: str) -> str:
            return f"{expr} AS d0, " if dim else ""

        def local(column: str) -> str:
            assert unit is not None
            return d.trunc(unit, local_time_within(q.timezone, q.start, q.end, p, column))

        def pick(s: str) -> str:
            if own_events and s.startswith("e_"):
                at = p.add(first)
            elif own_visits and s in ("visits", "v_visitors"):
                at = p.add(end - timedelta(days=1))
            else:
                return f"sum({s})"
            return f"sum(CASE WHEN NOT whole AND local_day = {at} THEN o_{s} ELSE {s} END)"

        by = " GROUP BY d0" if dim else ""
        days = self.filtered if fdim else self.days
        if fdim == PAGE_GOAL:
            days = frozenset(day for day in days if (day, fvalue) in self.held)
        use = usage(q, days, filtered=bool(fdim))
        parts = []
        if use.days:
            rolled = d.trunc(unit, "CAST(local_day AS timestamp)") if unit else "value"
            sums = ", ".join(f"CAST({pick(s)} AS BIGINT)" for s in _SUMS)
            parts.append(
                f"SELECT {group(rolled)}{sums} FROM rollups WHERE site_id = {site}"
                f" AND fdim = {p.add(fdim)} AND fvalue = {p.add(fvalue)}"
                f" AND dim = {p.add(rkey)}"
                f" AND ((whole AND utc_day = ANY({p.add(sorted(use.whole))}))"
                f" OR (NOT whole AND utc_day = ANY({p.add(sorted(use.parts))})"
                f" AND local_day >= {p.add(first)} AND local_day < {p.add(end)})){by}"
            )
        for lo, hi in raw_windows(q, use.days):
            window = f"site_id = {site} AND {{c}} >= {p.time(lo)} AND {{c}} < {p.time(hi)}"
            visits_in = window.format(c="started_at")
            events_in = window.format(c='"timestamp"')
            kept = f" AND {fdim} = {p.add(fvalue)}" if fdim and fdim not in _GOALS else ""
            if fdim in _GOALS:
                named = (
                    f"SELECT session_id FROM events WHERE {events_in}"
                    f" AND {_matching(fdim, fvalue, p)}"
                )
                kept = f" AND session_id = ANY(ARRAY({named}))"
            # Grouped by page, visits are read only to keep events (no visit metric).
            if side.visits and dim != "event:page":
                g = local("started_at") if unit else column
                parts.append(
                    f"SELECT {group(g)}{', '.join(f'CAST({a} AS BIGINT)' for a in _VISIT_SIDE)}"
                    f" FROM ({_visits(d)} WHERE {visits_in}{kept}) v{by}"
                )
            if side.events:
                g = local('"timestamp"') if unit else ("k" if column else "pathname")
                if fdim in _GOALS and column:
                    source = (
                        f'SELECT e.visitor_id, e.name, e."timestamp", v.{column} AS k'
                        f" FROM events e JOIN visits v ON v.session_id = e.session_id"
                        f" WHERE e.{events_in} AND {_matching(fdim, fvalue, p, 'e.')}"
                        f" AND v.{visits_in}"
                    )
                elif fdim in _GOALS:
                    source = (
                        f"SELECT * FROM events WHERE {events_in} AND {_matching(fdim, fvalue, p)}"
                    )
                elif fdim:
                    ids = f"SELECT session_id FROM visits WHERE {visits_in}{kept}"
                    source = f"SELECT * FROM events WHERE {events_in}{ENGAGED_OUT}"
                    source += f" AND session_id = ANY(ARRAY({ids}))"
                else:
                    source = f"SELECT * FROM events WHERE {events_in}{ENGAGED_OUT}"
                parts.append(
                    f"SELECT {group(g)}{', '.join(f'CAST({a} AS BIGINT)' for a in _EVENT_SIDE)}"
                    f" FROM ({source}) e{by}"
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


def _matching(fdim: str, fvalue: str, p: Params, alias: str = "") -> str:
    """The events of a goal filter's key: the custom events named ``fvalue``, or the
    pageviews whose path matches page pattern ``fvalue`` (as filters.goal_condition)."""
    if fdim == NAME:
        return f"{alias}name = {p.add(fvalue)}"
    match = p.dialect.regex_match(f"{alias}pathname", p.add(glob_pattern(fvalue)))
    return f"({alias}name = 'pageview' AND {match})"


def _metric(name: str, side: Sides, d: Dialect) -> str:
    """A metric from the summed parts, read from the side the builder reads it from."""
    if name in ("visitors", "percentage", *_CONVERSIONS):
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


def _pairs() -> list[tuple[str, str]]:
    """The (filter column, attribute) groupings of the visits the filtered rows need,
    each once: a filter column alone answers its totals ('') and itself (its value),
    and two filter columns answer each other (``roll_filtered``'s ``orient``)."""
    return [
        (f, a)
        for i, f in enumerate(FILTER_COLUMNS)
        for a in ["", *_COLUMNS]
        if a != f and a not in FILTER_COLUMNS[:i]
    ]


def roll_filtered(
    site_id: int, day: date, timezone: str, d: Dialect, page_goals: Sequence[str] = ()
) -> builder.Plan:
    """The INSERT of one (site, UTC day)'s filtered rows (after ``roll``'s): per part
    (and whole day) and per filter (each ``FILTER_COLUMNS`` value of the day's visits,
    each custom event name, each of ``page_goals``: page_path patterns), the totals and
    each visit attribute's counts, and the page counts (their ``_OWN`` counts too).

    A visit-attribute filter's rows are grouped one (filter, attribute) pair a branch
    (``_pairs``): each sorts the day's visits (or events) alone, some thousand rows,
    where crossing every visit with every pair first sorted millions (docs/performance.md,
    "Filtered rollups")."""
    p = Params(d)
    local = parts(day, timezone)
    keys = "local_day, fdim, fvalue, a.dim, a.value"
    sets = f"GROUPING SETS (({keys}), (fdim, fvalue, a.dim, a.value))" if len(local) > 1 else keys
    lo, hi = _day_start(day), _day_start(day + timedelta(days=1))
    site, start, end = p.add(site_id), p.time(lo), p.time(hi)

    def local_day(column: str) -> str:
        return f"CAST({local_time_within(timezone, lo, hi, p, column)} AS date)"

    def grouped(*columns: str) -> str:
        """A GROUP BY of ``columns`` per part, and for the whole day (several parts)."""
        keys = ", ".join(c for c in columns if c)
        return (
            f"GROUPING SETS ((local_day, {keys}), ({keys}))"
            if len(local) > 1
            else f"local_day, {keys}"
        )

    attrs = ", ".join(["('', '')", *(f"('{c}', {c})" for c in _COLUMNS)])
    pages = f"('', ''), ('{PAGE}', pathname)"
    first = f"coalesce(local_day, {p.add(local[0])}) AS local_day, GROUPING(local_day) = 1"
    head = f"SELECT {first} AS whole, fdim, fvalue, a.dim, a.value"
    zero = ", ".join("0" for _ in range(3))
    visit_sums = ", ".join(_VISIT_SIDE[:6])
    event_sums = ", ".join(_EVENT_SIDE[6:])
    own = "v_day = local_day"
    own_events = (
        f"count(DISTINCT visitor_id) FILTER (WHERE {own}), count(*) FILTER (WHERE {own}),"
        f" count(*) FILTER (WHERE {own} AND name = 'pageview')"
    )
    visits = _visits(d, f"{local_day('started_at')} AS local_day, ")
    event_day = local_day('e."timestamp"')
    named = ", ".join([pages, *(f"('{c}', {c})" for c in _COLUMNS)])
    counts = ", ".join([*_SUMS, *_OWN])
    empty = "''"
    # A pair's rows, (f, its value, a, its value), as the filter rows they are: as they
    # are (1); a filter column's under the other (2); a column alone under itself (3).
    filter_columns = ", ".join(f"'{c}'" for c in FILTER_COLUMNS)
    orient = (
        f"SELECT local_day, whole, o.fdim, o.fvalue, o.dim, o.value, {counts} FROM va"
        " CROSS JOIN LATERAL (VALUES (1, c1, x1, c2, x2), (2, c2, x2, c1, x1),"
        " (3, c1, x1, c1, x1)) AS o (n, fdim, fvalue, dim, value)"
        f" WHERE n = 1 OR (n = 2 AND c2 IN ({filter_columns})) OR (n = 3 AND c2 = '')"
    )
    paired = " UNION ALL ".join(
        f"SELECT {first} AS whole, '{f}', {f}, '{a}', {a or empty}, {visit_sums}, {zero},"
        f" count(*), count(DISTINCT visitor_id), {zero} FROM v GROUP BY {grouped(f, a)}"
        for f, a in _pairs()
    )
    sql = (
        f"WITH v AS ({visits}"
        f" WHERE site_id = {site} AND started_at >= {start} AND started_at < {end}),"
        f" e AS (SELECT e.visitor_id, e.name, e.pathname, e.session_id,"
        f" {event_day} AS local_day, v.local_day AS v_day,"
        f" {', '.join(f'v.{c}' for c in _COLUMNS)} FROM events e JOIN v USING (session_id)"
        f' WHERE e.site_id = {site} AND e."timestamp" >= {start} AND e."timestamp" < {end}),'
        # The page goals' patterns, and each goal's events: a custom event's, or the
        # pageviews matching a page goal (filters.goal_condition).
        f" t AS (SELECT * FROM unnest(CAST({p.add(list(page_goals))} AS text[]),"
        f" CAST({p.add([glob_pattern(g) for g in page_goals])} AS text[])) AS t (path, re)),"
        f" ge AS (SELECT *, '{NAME}' AS fdim, name AS fvalue FROM e WHERE name <> 'pageview'"
        f" UNION ALL SELECT e.*, '{PAGE_GOAL}', t.path FROM e JOIN t ON e.name = 'pageview'"
        f" AND {d.regex_match('e.pathname', 't.re')}),"
        " g AS (SELECT session_id, fdim, fvalue, bool_or(local_day = v_day) AS own FROM ge"
        " GROUP BY session_id, fdim, fvalue),"
        f" va (local_day, whole, c1, x1, c2, x2, {counts}) AS ({paired})"
        f" INSERT INTO rollups (site_id, utc_day, local_day, whole, fdim, fvalue, dim, value,"
        f" {counts}) SELECT {site}, {p.add(day)}, local_day, whole,"
        f" fdim, fvalue, dim, value, {', '.join(f'sum({s})' for s in [*_SUMS, *_OWN])} FROM ("
        # A visit attribute filter: its visits, and their events (by page or not);
        f"{orient}"
        + "".join(
            f" UNION ALL SELECT {first} AS whole, '{f}', {f}, '{a}', {'pathname' if a else empty},"
            f" {', '.join('0' for _ in range(6))}, {event_sums}, 0, 0, {own_events} FROM e"
            f" GROUP BY {grouped(f, 'pathname' if a else '')}"
            for f in FILTER_COLUMNS
            for a in ["", PAGE]
        )
        # a goal: the visits holding one of its events...
        + f" UNION ALL {head}, {visit_sums}, {zero}, count(*) FILTER (WHERE own),"
        f" count(DISTINCT visitor_id) FILTER (WHERE own), {zero}"
        " FROM (SELECT v.*, g.fdim, g.fvalue, g.own FROM v JOIN g USING (session_id)) v"
        f" CROSS JOIN LATERAL (VALUES {attrs}) AS a (dim, value) GROUP BY {sets}"
        # ... and its events (by page, or by their visit's attribute).
        f" UNION ALL {head}, {', '.join('0' for _ in range(6))}, {event_sums}, 0, 0, {own_events}"
        " FROM ge e"
        f" CROSS JOIN LATERAL (VALUES {named}) AS a (dim, value) GROUP BY {sets}"
        f") x (local_day, whole, fdim, fvalue, dim, value, {counts})"
        " GROUP BY local_day, whole, fdim, fvalue, dim, value"
    )
    return builder.Plan(sql, p.values)
