"""Plan a StatsQuery into one SQL statement (DuckDB dialect) over events and visits.

    ev  events of the site in the range, with their time in the site's zone
    vs  one row per visit (session): its first event's source, UTM, device...,
        pageviews, interactive events, duration, bounce
    fv  visits passing the visit filters, and containing an event that passes the
        event filters (Plausible: a visit matches when any of its events does)
    fe  events of those visits passing the event filters

Event metrics (pageviews, events; visitors when grouped by an event dimension) come
from ``fe``; visit metrics (visits, bounce_rate, visit_duration, views_per_visit;
visitors otherwise) from ``fv``, grouped by the visit's attributes, or, under an
event dimension, by the groups its events fall in. The two sides are joined on the
dimension values. Rules are written down in docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from footfall.stats.filters import Params, column_for, is_event_dimension, kind, render
from footfall.stats.query import StatsQuery

_VISIT_ATTRS = {
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
    "visit:region": "region",
    "visit:city": "city",
    "visit:screen": "screen_size",
}
_EVENT_COLS = {"event:page": "pathname", "event:hostname": "hostname", "event:name": "name"}
_FIRST = {
    "source": "referrer_source",
    "referrer": "referrer",
    "channel": "channel",
    "utm_medium": "utm_medium",
    "utm_source": "utm_source",
    "utm_campaign": "utm_campaign",
    "utm_content": "utm_content",
    "utm_term": "utm_term",
    "device": "device",
    "browser": "browser",
    "browser_version": "browser_version",
    "os": "os",
    "os_version": "os_version",
    "country": "country",
    "region": "region",
    "city": "city",
    "screen_size": "screen_size",
}
_TRUNC = {"time:hour": "hour", "time:day": "day", "time:week": "week", "time:month": "month"}
EVENT_METRICS = ("pageviews", "events")
VISIT_METRICS = ("visits", "bounce_rate", "visit_duration", "views_per_visit")


@dataclass(frozen=True, slots=True)
class Plan:
    sql: str
    params: dict[str, object]
    dimension_count: int


def _time(dim: str, column: str) -> str:
    unit = _TRUNC["time:day" if dim == "time" else dim]
    return f"date_trunc('{unit}', {column})"


def _visits_cte() -> str:
    firsts = ",\n        ".join(
        f"arg_min({src}, timestamp) AS {dst}" for dst, src in _FIRST.items()
    )
    return f"""vs AS (
    SELECT session_id,
        any_value(visitor_id) AS visitor_id,
        min(local_ts) AS started_at,
        date_diff('second', min(timestamp), max(timestamp)) AS duration,
        count(*) FILTER (WHERE name = 'pageview') AS visit_pageviews,
        count(*) FILTER (WHERE name <> 'pageview' AND interactive) AS interactions,
        coalesce(arg_min(pathname, timestamp) FILTER (WHERE name = 'pageview'), '') AS entry_page,
        coalesce(arg_max(pathname, timestamp) FILTER (WHERE name = 'pageview'), '') AS exit_page,
        {firsts}
    FROM ev GROUP BY session_id
)"""


def plan(q: StatsQuery, site_id: int) -> Plan:
    p = Params()
    visit_cols = {d: f"fv.{c}" for d, c in _VISIT_ATTRS.items()}
    event_cols = {d: f"fe.{c}" for d, c in _EVENT_COLS.items()} | {
        d: f"fe.v_{c}" for d, c in _VISIT_ATTRS.items()
    }
    event_filters = [f for f in q.filters if kind(f) == "event"]
    visit_filters = [f for f in q.filters if kind(f) == "visit"]
    ev_where = [render(f, dict(_EVENT_COLS), p) for f in event_filters]
    vs_where = [render(f, dict(_VISIT_ATTRS), p) for f in visit_filters]
    ev_match = " AND ".join(ev_where) or "TRUE"
    sql = [
        "WITH ev AS (",
        f"    SELECT *, timezone({p.add(q.timezone)}, timezone('UTC', timestamp)) AS local_ts",
        f"    FROM events WHERE site_id = {p.add(site_id)}"
        f" AND timestamp >= {p.add(q.start.replace(tzinfo=None))}"
        f" AND timestamp < {p.add(q.end.replace(tzinfo=None))}",
        "),",
        _visits_cte() + ",",
        "fv AS (",
        "    SELECT *, (visit_pageviews < 2 AND interactions = 0) AS bounce FROM vs",
        f"    WHERE {' AND '.join(vs_where) or 'TRUE'}",
        f"    AND session_id IN (SELECT session_id FROM ev WHERE {ev_match})" if ev_where else "",
        "),",
        "fe AS (",
        "    SELECT ev.*, "
        + ", ".join(f"fv.{c} AS v_{c}" for c in _VISIT_ATTRS.values())
        + ", fv.started_at AS v_started_at",
        f"    FROM ev JOIN fv USING (session_id) WHERE {ev_match}",
        ")",
    ]
    event_grouped = any(is_event_dimension(d) for d in q.dimensions)
    e_dims, v_dims = [], []
    for d in q.dimensions:
        if d.startswith("time"):
            e_dims.append(_time(d, "fe.local_ts"))
            v_dims.append(_time(d, "fv.started_at"))
        else:
            e_dims.append(column_for(d, event_cols, p))
            v_dims.append(column_for(d, visit_cols, p) if not is_event_dimension(d) else "")
    e_sel = [f"{e} AS d{i}" for i, e in enumerate(e_dims)]
    dims = [f"d{i}" for i in range(len(q.dimensions))]
    group = f" GROUP BY {', '.join(dims)}" if dims else ""
    sql.append(
        f", e AS (SELECT {', '.join([*e_sel, ''])}count(*) FILTER (WHERE fe.name = 'pageview') AS"
        f" pageviews, count(*) AS events, count(DISTINCT fe.visitor_id) AS e_visitors"
        f" FROM fe{group})"
    )
    if event_grouped:
        # Visits are grouped by the groups their events fall in.
        source = (
            f"(SELECT DISTINCT {', '.join(e_sel)}, session_id FROM fe) g JOIN fv USING (session_id)"
        )
        v_sel = dims
    else:
        source = "fv"
        v_sel = [f"{v} AS d{i}" for i, v in enumerate(v_dims)]
    sql.append(
        f", v AS (SELECT {', '.join([*v_sel, ''])}count(*) AS visits,"
        " count(DISTINCT fv.visitor_id) AS v_visitors,"
        " round(100 * avg(bounce::INTEGER)) AS bounce_rate,"
        " round(avg(CASE WHEN bounce THEN 0 ELSE duration END)) AS visit_duration,"
        " round(sum(visit_pageviews) / count(*), 2) AS views_per_visit"
        f" FROM {source}{group})"
    )
    visitors = "e.e_visitors" if event_grouped else "v.v_visitors"
    select_metrics = {
        "visitors": f"coalesce({visitors}, 0)",
        "visits": "coalesce(v.visits, 0)",
        "pageviews": "coalesce(e.pageviews, 0)",
        "events": "coalesce(e.events, 0)",
        "bounce_rate": "coalesce(v.bounce_rate, 0)",
        "visit_duration": "coalesce(v.visit_duration, 0)",
        "views_per_visit": "coalesce(v.views_per_visit, 0)",
        "percentage": f"coalesce({visitors}, 0)",
    }
    # FULL JOIN ... USING merges the dimension columns: they are named unqualified.
    out_metrics = [f"{select_metrics[m]} AS m{i}" for i, m in enumerate(q.metrics)]
    join = f"e FULL JOIN v USING ({', '.join(dims)})" if dims else "e CROSS JOIN v"
    order = _order(q, dims)
    sql.append(
        f"SELECT {', '.join([*dims, *out_metrics])}, count(*) OVER () AS total_rows"
        f" FROM {join}"
        f" ORDER BY {order} LIMIT {p.add(q.limit)} OFFSET {p.add(q.offset)}"
    )
    return Plan("\n".join(line for line in sql if line), p.values, len(dims))


def _order(q: StatsQuery, dims: list[str]) -> str:
    names = {m: f"m{i}" for i, m in enumerate(q.metrics)} | {
        d: f"d{i}" for i, d in enumerate(q.dimensions)
    }
    if q.order_by:
        return ", ".join(f"{names[k]} {direction.upper()}" for k, direction in q.order_by)
    time_dim = q.time_dimension()
    if time_dim is not None:
        return f"{names[next(d for d in q.dimensions if d.startswith('time'))]} ASC"
    return ", ".join(["m0 DESC", *[f"{d} ASC" for d in dims]]) if q.metrics else "1"
