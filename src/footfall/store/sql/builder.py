"""Build a StatsQuery into one SQL statement, in a dialect, over events and visits.

The builder lives with the store, not in stats/: it is what every SQL backend shares
(SQL engines differ only in their ``Dialect``), stats/ holds no SQL
text, and a backend without SQL need not import it.

    ev  events of the site in the range (local time in the site's zone when a time
        dimension needs it)
    vs  the visits (the ``visits`` table, kept up to date at ingest) that start in the
        range: only the columns this query needs
    fv  visits passing the visit filters and, under event filters, containing a
        matching event (Plausible: a visit matches when any of its events does)
    fe  events passing the event filters, of visits in ``fv``

Each metric is read from the cheapest side that answers it exactly: with no event
filter and no event dimension, pageviews and events are sums over visits; grouped by
an event dimension, the event side is a plain GROUP BY over events. Rules are in
docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Protocol

from footfall.domain import ENGAGED_MS, ENGAGEMENT, SCROLL_DEPTH, Goal
from footfall.stats import metrics as metrics_table
from footfall.stats import shares, timeline
from footfall.stats.filters import is_event_dimension, kind
from footfall.stats.query import Condition, Filter, Logical, StatsQuery
from footfall.store.sql.dialect import Dialect, Params
from footfall.store.sql.filters import column_for, goal_condition, render

VISIT_ATTRS = {
    "visit:entry_page": "entry_page",
    "visit:exit_page": "exit_page",
    "visit:source": "source",
    "visit:referrer": "referrer",
    "visit:channel": "channel",
    "visit:utm_medium": "utm_medium",
    "visit:utm_source": "utm_source",
    "visit:utm_campaign": "utm_campaign",
    "visit:utm_content": "utm_content",
    "visit:utm_term": "utm_term",
    "visit:device": "device",
    "visit:browser": "browser",
    "visit:browser_version": "browser_version",
    "visit:os": "os",
    "visit:os_version": "os_version",
    "visit:country": "country",
    "visit:country_name": "country",
    "visit:region": "region",
    "visit:city": "city",
    "visit:screen": "screen_size",
}
_EVENT_COLS = {"event:page": "pathname", "event:hostname": "hostname", "event:name": "name"}
_TRUNC = {
    "time": "day",
    "time:hour": "hour",
    "time:day": "day",
    "time:week": "week",
    "time:month": "month",
}
REVENUE_METRICS = ("total_revenue", "average_revenue")
# Read from engagement events (legacy time on page where there are none): ``_engagement``.
ENGAGEMENT_METRICS = ("time_on_page", "scroll_depth")


@dataclass(frozen=True, slots=True)
class Plan:
    sql: str
    params: dict[str, object]


def _leaves(f: Filter) -> list[Condition]:
    return [f] if isinstance(f, Condition) else [c for x in f.children for c in _leaves(x)]


def _page_entry_filter(f: Filter) -> Filter | None:
    """The event:page part of a filter, re-aimed at the visit's entry page: Plausible's
    bounce rate under a page filter counts only visits that entered on that page."""
    if isinstance(f, Condition):
        if f.dimension == "event:page":
            return Condition(f.operator, "visit:entry_page", f.clauses, f.case_sensitive)
        return None
    parts = [p for p in (_page_entry_filter(c) for c in f.children) if p is not None]
    if not parts or (f.operator == "not" and len(parts) != 1):
        return None
    return (
        parts[0] if len(parts) == 1 and f.operator != "not" else Logical(f.operator, tuple(parts))
    )


class Statement(Protocol):
    """Writes the body of a plan: a row per group (``d0``..., ``m0``..., ``total_rows``)."""

    def __call__(self, q: StatsQuery, site_id: int, goals: Sequence[Goal], p: Params) -> str: ...


@dataclass(frozen=True, slots=True)
class Sides:
    """Where a query's metrics are read from (the module docstring says why)."""

    events: bool  # the event side (``e``) is read
    visits: bool  # the visit side (``v``) is read
    visitors_from_events: bool  # visitors are counted over events, not visits


def sides(q: StatsQuery) -> Sides:
    event_filters = any(kind(f) == "event" for f in q.filters)
    visit_filters = any(kind(f) == "visit" for f in q.filters)
    event_dims = any(is_event_dimension(d) for d in q.dimensions)
    time_dims = any(d.startswith("time") for d in q.dimensions)
    visit_dims = any(d.startswith("visit:") for d in q.dimensions)
    wants_visitors = metrics_table.side(q.metrics, "visitors")
    wants_events = any(m in ("pageviews", "events") for m in q.metrics)
    # Read visits only for visit metrics, visit filters or visit dimensions.
    sessions = metrics_table.side(q.metrics, "visit") or visit_filters or visit_dims
    # Visitors are counted over events unless visit attributes decide their group, or
    # visits are read anyway and no event filter, event or time dimension is involved.
    from_events = not visit_dims and (not sessions or event_dims or event_filters or time_dims)
    event_side = (
        event_dims
        or not sessions
        or (wants_events and (event_filters or time_dims))
        or (wants_visitors and from_events)
        or any(m in REVENUE_METRICS for m in q.metrics)
    )
    return Sides(event_side, sessions, from_events)


def plan(
    q: StatsQuery,
    site_id: int,
    goals: Sequence[Goal],
    dialect: Dialect,
    statement: Statement | None = None,
) -> Plan:
    """One statement: a row per group with its dimensions, its metrics, then (for share
    metrics) the visitors of each baseline in ``shares.needed(q)`` order, then the
    number of groups. Shares' baselines are read in the same statement, written by
    ``statement`` too (by default over events and visits: ``body``)."""
    write = statement or body
    p = Params(dialect)
    main = write(q, site_id, goals, p)
    needed = shares.needed(q)
    if not needed:
        return Plan(main, p.values)
    dims = [f"d{i}" for i in range(len(q.dimensions))]
    out = [*dims, *(f"m{i}" for i in range(len(q.metrics)))]
    sql = [f"WITH r AS ({main})"]
    joins = []
    for k, share_of in enumerate(needed):
        base = shares.baseline(q, share_of)
        keys = shares.group_positions(q) if share_of == "group" else []
        cols = [f"d{j} AS b{k}_d{i}" for j, i in enumerate(keys)]
        inner = write(base, site_id, goals, p)
        sql.append(f", base{k} AS (SELECT {', '.join([*cols, f'm0 AS b{k}'])} FROM ({inner}) x)")
        on = " AND ".join(f"d{i} IS NOT DISTINCT FROM b{k}_d{i}" for i in keys) or "TRUE"
        joins.append(f" LEFT JOIN base{k} ON {on}")
        out.append(f"coalesce(b{k}, 0) AS b{k}")
    sql.append(
        f"SELECT {', '.join([*out, 'total_rows'])} FROM r{''.join(joins)} ORDER BY {order(q, dims)}"
    )
    return Plan("\n".join(sql), p.values)


def body(q: StatsQuery, site_id: int, goals: Sequence[Goal], p: Params) -> str:
    dialect = p.dialect
    event_filters = [f for f in q.filters if kind(f) == "event"]
    visit_filters = [f for f in q.filters if kind(f) == "visit"]
    event_dims = [d for d in q.dimensions if is_event_dimension(d)]
    time_dims = [d for d in q.dimensions if d.startswith("time")]
    visit_dims = [d for d in q.dimensions if d.startswith("visit:")]
    wants_visitors = metrics_table.side(q.metrics, "visitors")
    wants_revenue = any(m in REVENUE_METRICS for m in q.metrics)
    side = sides(q)
    event_side, visit_side = side.events, side.visits
    visitors_from_events = side.visitors_from_events
    entry_filters = [e for e in (_page_entry_filter(f) for f in event_filters) if e is not None]
    needed = {VISIT_ATTRS[d] for d in visit_dims}
    # Plausible: a page's bounce rate counts the visits that entered on that page.
    page_dim = q.dimensions.index("event:page") if "event:page" in q.dimensions else None
    if page_dim is not None and "bounce_rate" in q.metrics:
        needed.add("entry_page")
    if _page_bounce_only(q):
        needed.add("first_pageview_at")
    for f in [*visit_filters, *entry_filters]:
        needed |= {VISIT_ATTRS[c.dimension] for c in _leaves(f)}

    local = f", {local_time(q, p, 'timestamp')} AS local_ts" if time_dims else ""
    ev_match = " AND ".join(render(f, dict(_EVENT_COLS), p, goals) for f in event_filters) or "TRUE"
    # Every reader of ev but time on page (which needs each visit's next pageview) takes
    # only the events matching the event filters: read only those (an event filter on a
    # page then reads that page's events, not the range's).
    matching = f" AND {ev_match}" if event_filters and "time_on_page" not in q.metrics else ""
    sql = [
        "WITH ev AS (",
        f"    SELECT *{local} FROM events",
        f"    WHERE site_id = {p.add(site_id)} AND name <> '{ENGAGEMENT}'"
        f" AND timestamp >= {p.time(q.start)} AND timestamp < {p.time(q.end)}{matching}",
        ")",
    ]
    if visit_side:
        cols = [
            "session_id",
            "visitor_id",
            "pageviews AS visit_pageviews",
            "events AS visit_events",
            "interactions",
            f"{dialect.seconds_between('started_at', 'ended_at')} AS duration",
            *sorted(needed),
        ]
        if time_dims:
            cols.append(f"{local_time(q, p, 'started_at')} AS started_at")
        # Visits are kept up to date at ingest (the visits table); a visit belongs to
        # the range its start falls in.
        sql.append(
            f", vs AS (SELECT {', '.join(cols)} FROM visits WHERE site_id = {p.add(site_id)}"
            f" AND started_at >= {p.time(q.start)} AND started_at < {p.time(q.end)})"
        )
        where = [render(f, dict(VISIT_ATTRS), p) for f in visit_filters]
        if event_filters:
            where.append(
                dialect.among_ids("session_id", f"SELECT session_id FROM ev WHERE {ev_match}")
            )
        sql.append(
            ", fv AS (SELECT *, (visit_pageviews < 2 AND interactions = 0) AS bounce FROM vs"
            f" WHERE {' AND '.join(where) or 'TRUE'})"
        )
    dims = [f"d{i}" for i in range(len(q.dimensions))]
    group = f" GROUP BY {', '.join(dims)}" if dims else ""

    def select(exprs: list[str]) -> str:
        return "".join(f"{e} AS d{i}, " for i, e in enumerate(exprs))

    if event_side:
        in_visits = "session_id IN (SELECT session_id FROM fv) AND " if visit_filters else ""
        attrs = [VISIT_ATTRS[d] for d in visit_dims]
        if attrs:
            fe = (
                f"SELECT ev.*, {', '.join(f'fv.{a} AS v_{a}' for a in attrs)} FROM ev"
                f" JOIN fv USING (session_id) WHERE {ev_match}"
            )
        else:
            fe = f"SELECT * FROM ev WHERE {in_visits}{ev_match}"
        sql.append(f", fe AS ({fe})")
        if "event:goal" in q.dimensions:
            # One row per (event, goal it completes); events completing none drop out.
            per_goal = [
                f"SELECT *, {p.add(g.display_name)} AS goal FROM fe WHERE {goal_condition(g, p)}"
                for g in goals
            ]
            none = "SELECT *, CAST('' AS VARCHAR) AS goal FROM fe WHERE FALSE"
            fg = " UNION ALL ".join(per_goal) or none
            sql.append(f", fg AS ({fg})")
        events_cte = "fg" if "event:goal" in q.dimensions else "fe"
        e_cols = dict(_EVENT_COLS) | {d: f"v_{VISIT_ATTRS[d]}" for d in visit_dims}
        e_cols["event:goal"] = "goal"
        e_exprs = [
            dialect.trunc(_TRUNC[dim], "local_ts")
            if dim.startswith("time")
            else column_for(dim, e_cols, p)
            for dim in q.dimensions
        ]
        # Only the aggregates asked for: each one costs on a million rows. The event
        # count stays as the one that always exists (the FULL JOIN needs a row per group).
        e_aggs = ["count(*) AS events"]
        if "pageviews" in q.metrics:
            pageviews = dialect.count_if("name = 'pageview'")
            e_aggs.append(f"{pageviews} AS pageviews")
        if wants_visitors and visitors_from_events:
            e_aggs.append(f"{dialect.count_distinct('visitor_id')} AS e_visitors")
        if wants_revenue:
            e_aggs.append("sum(revenue_amount) AS total_revenue")
            e_aggs.append("round(avg(revenue_amount), 2) AS average_revenue")
        sql.append(f", e AS (SELECT {select(e_exprs)}{', '.join(e_aggs)} FROM {events_cte}{group})")
    if visit_side:
        v_cols = {d: VISIT_ATTRS[d] for d in visit_dims}
        if event_dims:
            inner = ", ".join(f"{e} AS d{i}" for i, e in enumerate(e_exprs))
            source = (
                f"(SELECT DISTINCT {inner}, session_id FROM {events_cte}) g"
                " JOIN fv USING (session_id)"
            )
            v_select = ""
            v_group = group
            v_prefix = f"{', '.join(dims)}, " if dims else ""
        else:
            v_exprs = [
                dialect.trunc(_TRUNC[dim], "started_at")
                if dim.startswith("time")
                else column_for(dim, v_cols, p)
                for dim in q.dimensions
            ]
            source, v_select, v_group, v_prefix = "fv", select(v_exprs), group, ""
        entry = " AND ".join(render(f, dict(VISIT_ATTRS), p) for f in entry_filters)
        entered = [entry] if entry else []
        if page_dim is not None and "bounce_rate" in q.metrics:
            entered.append(f"entry_page = d{page_dim}")
        bounce_src = (
            f"CASE WHEN {' AND '.join(entered)} THEN CAST(bounce AS INTEGER) END"
            if entered
            else "CAST(bounce AS INTEGER)"
        )
        if _page_bounce_only(q):
            # A page's bounce rate averages the visits that entered on it among the
            # visits with an event on it: those are the visits whose entry page has an
            # event of theirs in ``fe``, grouped by that page (no pair of every event's
            # page and visit to group).
            within = f"{entry} AND " if entry else ""
            has_entry = (
                f"EXISTS (SELECT 1 FROM {events_cte} x"
                " WHERE x.session_id = fv.session_id AND x.pathname = fv.entry_page)"
            )
            entered_in = f"SELECT entry_page, bounce FROM fv WHERE {within}"
            only_pages = all(c.dimension == "event:page" for f in event_filters for c in _leaves(f))
            if only_pages and len(entry_filters) == len(event_filters):
                # The entry pageview itself (at first_pageview_at, on entry_page) is such
                # an event when it falls in the range: it passes page filters exactly
                # when the entry page passes ``entry`` (each of them re-aimed there).
                # Only the other visits (entry pageview after the range, or none) are
                # looked up in the events.
                end = p.time(q.end)
                entered_in = (
                    f"{entered_in}first_pageview_at < {end} UNION ALL {entered_in}"
                    f"(first_pageview_at IS NULL OR first_pageview_at >= {end}) AND {has_entry}"
                )
            else:
                entered_in += has_entry
            sql.append(
                ", v AS (SELECT entry_page AS d0,"
                " round(100 * avg(CAST(bounce AS INTEGER))) AS bounce_rate"
                f" FROM ({entered_in}) ent GROUP BY entry_page)"
            )
        else:
            sql.append(
                f", v AS (SELECT {v_prefix}{v_select}count(*) AS visits,"
                f" {dialect.count_distinct('visitor_id')} AS v_visitors,"
                f" round(100 * avg({bounce_src})) AS bounce_rate,"
                " round(avg(CASE WHEN bounce THEN 0 ELSE duration END)) AS visit_duration,"
                f" {dialect.ratio('sum(visit_pageviews)', 'count(*)', 2)} AS views_per_visit,"
                " sum(visit_pageviews) AS v_pageviews, sum(visit_events) AS v_events"
                f" FROM {source}{v_group})"
            )
    has_e, has_v = event_side, visit_side
    pick = {
        "visitors": "e.e_visitors" if visitors_from_events and has_e else "v.v_visitors",
        "visits": "v.visits",
        "pageviews": "e.pageviews" if has_e else "v.v_pageviews",
        "events": "e.events" if has_e else "v.v_events",
        "bounce_rate": "v.bounce_rate",
        "visit_duration": "v.visit_duration",
        "views_per_visit": "v.views_per_visit",
        "total_revenue": "e.total_revenue",
        "average_revenue": "e.average_revenue",
    }
    for share in ("percentage", "conversion_rate", "group_conversion_rate"):
        pick[share] = pick["visitors"]  # the runner turns these counts into shares
    engaged = [m for m in ENGAGEMENT_METRICS if m in q.metrics]
    if engaged:
        sql.append(_engagement(q, site_id, p, ev_match, bool(visit_filters)))
        pick |= {m: f"tp.{m}" for m in engaged}
    # time_on_page and scroll_depth stay NULL (null in JSON) where nothing was measured.
    metrics = [
        f"{pick[m]} AS m{i}" if m in engaged else f"coalesce({pick[m]}, 0) AS m{i}"
        for i, m in enumerate(q.metrics)
    ]
    if has_e and has_v:
        source = f"e FULL JOIN v USING ({', '.join(dims)})" if dims else "e CROSS JOIN v"
    else:
        source = "e" if has_e else "v"
    if engaged:
        source += " LEFT JOIN tp ON tp.page = d0" if dims else " CROSS JOIN tp"
    sql.append(
        f"SELECT {', '.join([*dims, *metrics])}, count(*) OVER () AS total_rows FROM {source}"
        f" ORDER BY {order(q, dims)} LIMIT {p.add(q.limit)} OFFSET {p.add(q.offset)}"
    )
    return "\n".join(sql)


def _page_bounce_only(q: StatsQuery) -> bool:
    """Grouped by page alone, the visit side is read for the bounce rate only (the
    visitors, pageviews and events come from the events): the pages panel's details."""
    visit_only = {"visits", "visit_duration", "views_per_visit"}
    return (
        q.dimensions == ("event:page",)
        and "bounce_rate" in q.metrics
        and not visit_only & set(q.metrics)
    )


def _engagement(q: StatsQuery, site_id: int, p: Params, ev_match: str, visit_filtered: bool) -> str:
    """``tp``: per page (or in all, without a dimension) the time on page and scroll
    depth of docs/metrics.md. A (page, visitor) pair with engagement events in the range
    is one unit: its engaged time summed, its deepest scroll; the page's time on page is
    the units' mean time, its scroll depth their mean depth. Pageviews before the
    range's first engagement event (a site that never sent one: all of them) are timed
    the legacy way instead, to the next pageview of the visit, each one a unit.

    Where the dialect's events keep each pageview's previous pageview (the embedded
    store), a pageview X's time is read from its next pageview N's row: page
    ``N.prev_page``, X in the range when ``N.prev_pageview_at`` is; the window sees
    only pageviews before ``cut_at``, so N must be too. Event filters then apply to
    N's ``prev_page``: only page filters can (any other: the window)."""
    d = p.dialect
    site = p.add(site_id)
    start, end = p.time(q.start), p.time(q.end)
    engaged_ms = d.whole_number(d.prop(p.add(ENGAGED_MS)))
    depth = d.whole_number(d.prop(p.add(SCROLL_DEPTH)))
    in_range = (
        f"site_id = {site} AND name = '{ENGAGEMENT}' AND timestamp >= {start} AND timestamp < {end}"
    )
    by_visitor = " AND visitor_id IN (SELECT visitor_id FROM fv)" if visit_filtered else ""
    in_visits = " AND session_id IN (SELECT session_id FROM fv)" if visit_filtered else ""
    page = "pathname AS page, " if q.dimensions else ""
    group = " GROUP BY pathname" if q.dimensions else ""
    before_cut = "timestamp < (SELECT cut_at FROM cut)"
    pages_only = all(
        c.dimension == "event:page" for f in q.filters if kind(f) == "event" for c in _leaves(f)
    )
    if d.previous_pageviews and pages_only:
        secs = d.seconds_between("prev_pageview_at", "timestamp")
        timed = (
            f"SELECT prev_page AS pathname, session_id, {secs} AS secs FROM ev"
            f" WHERE name = 'pageview' AND prev_pageview_at >= {start} AND {before_cut}"
        )
    else:
        # Ties (one instant, two pages) in the order of the visit's exit page.
        following = "lead(timestamp) OVER (PARTITION BY session_id ORDER BY timestamp, pathname)"
        secs = d.seconds_between("timestamp", following)
        timed = f"SELECT *, {secs} AS secs FROM ev WHERE name = 'pageview' AND {before_cut}"
    return (
        f", cut AS (SELECT coalesce(min(timestamp), {end}) AS cut_at FROM events WHERE {in_range})"
        f", en AS (SELECT pathname, visitor_id, sum({engaged_ms}) AS ms, max({depth}) AS sd"
        f" FROM events WHERE {in_range} AND {ev_match}{by_visitor}"
        " GROUP BY pathname, visitor_id)"
        f", tp_raw AS ({timed})"
        f", tp_units AS (SELECT {page}1.0 * sum(ms) / 1000 AS secs, count(*) AS n,"
        " sum(sd) AS sd_sum, count(sd) AS sd_n FROM en"
        f"{group} UNION ALL SELECT {page}1.0 * sum(secs) AS secs, count(*) AS n, 0, 0"
        f" FROM tp_raw WHERE secs IS NOT NULL AND {ev_match}{in_visits}{group})"
        f", tp AS (SELECT {'page, ' if q.dimensions else ''}"
        " round(sum(secs) / nullif(sum(n), 0)) AS time_on_page,"
        " round(1.0 * sum(sd_sum) / nullif(sum(sd_n), 0)) AS scroll_depth"
        f" FROM tp_units{' GROUP BY page' if q.dimensions else ''})"
    )


def local_time(q: StatsQuery, p: Params, column: str) -> str:
    """Events' wall-clock time in the site's zone, as plain arithmetic (over the
    query's range)."""
    return local_time_within(q.timezone, q.start, q.end, p, column)


def local_time_within(timezone: str, start: datetime, end: datetime, p: Params, column: str) -> str:
    """``column``'s wall-clock time in ``timezone``, for instants in ``[start, end)``.

    A time-zone conversion per event made a 1M-event timeseries take ~0.5 s embedded;
    the UTC offset only changes at DST transitions, so the range is cut at those and
    each piece adds its constant offset (the dialect spells the addition).
    """
    pieces = timeline.offsets(timezone, start, end)
    last = pieces[-1][1]
    if len(pieces) == 1:
        return p.dialect.local_time(column, p.add(last)) if last else column
    cases = " ".join(
        f"WHEN {column} < {p.time(until)} THEN {p.add(offset)}"
        for (_, offset), (until, _) in pairwise(pieces)
    )
    return p.dialect.local_time(column, f"CASE {cases} ELSE {p.add(last)} END")


def prop_keys(site_id: int, start: datetime, end: datetime, limit: int, dialect: Dialect) -> Plan:
    """The custom property keys of a site's events in ``[start, end)``, most used first."""
    p = Params(dialect)
    sql = (
        f"SELECT k, count(*) AS n FROM (SELECT {dialect.prop_keys('props')} AS k FROM events"
        f" WHERE site_id = {p.add(site_id)} AND timestamp >= {p.time(start)}"
        f" AND timestamp < {p.time(end)} AND name <> '{ENGAGEMENT}') keys"
        " GROUP BY k ORDER BY n DESC, k"
        f" LIMIT {p.add(limit)}"
    )
    return Plan(sql, p.values)


def order(q: StatsQuery, dims: list[str]) -> str:
    names = {m: f"m{i}" for i, m in enumerate(q.metrics)} | {
        d: f"d{i}" for i, d in enumerate(q.dimensions)
    }
    if q.order_by:
        return ", ".join(f"{names[k]} {direction.upper()}" for k, direction in q.order_by)
    if q.time_dimension() is not None:
        return f"{names[next(d for d in q.dimensions if d.startswith('time'))]} ASC"
    return ", ".join(["m0 DESC", *[f"{d} ASC" for d in dims]])
