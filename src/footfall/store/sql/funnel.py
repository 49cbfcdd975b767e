"""Build a funnel into one SQL statement, in a dialect (the builder's sibling).

    ev   events of the site in the range
    fv   visits that start in the range, pass the visit filters and, under event
         filters, contain a matching event (as builder.py reads filters)
    fe   events of those visits that match any step
    s1   per visit, the first event matching step 1
    sK   per visit that reached step K-1, the first event matching step K strictly
         after that one (an earliest match leaves the most room for later steps, so
         the greedy walk finds whether the visit completes the steps in order)

The answer is one row: the visitors of ``fv``, then the visitors of each ``sK``.
"""

from __future__ import annotations

from collections.abc import Sequence

from footfall.domain import FunnelStep, Goal
from footfall.stats.filters import kind
from footfall.stats.query import StatsQuery
from footfall.store.sql.builder import _EVENT_COLS, VISIT_ATTRS, Plan, _leaves
from footfall.store.sql.dialect import Dialect, Params
from footfall.store.sql.filters import _escape_like, goal_condition, render


def _matches(step: FunnelStep, p: Params) -> str:
    """A step's condition on an event: its name, or a pageview's path by the pattern.
    A pattern whose only wildcard ends it is a prefix (``**``: anything after it;
    ``*``: anything but another ``/``), plain LIKEs that cost a fraction of the regular
    expression, which takes the rest; the same matches either way."""
    if step.event_name:
        return f"(name = {p.add(step.event_name)})"
    path = step.page_path
    for tail in ("**", "*", ""):
        stem = path.removesuffix(tail) if tail else path
        if path.endswith(tail) and "*" not in stem:
            break
    else:
        return goal_condition(Goal(0, 0, "", path), p)
    if not tail:
        return f"(name = 'pageview' AND pathname = {p.add(path)})"
    prefix = _escape_like(stem)
    like = f"pathname LIKE {p.add(prefix + '%')} ESCAPE '\\'"
    if tail == "*":
        like += f" AND pathname NOT LIKE {p.add(prefix + '%/%')} ESCAPE '\\'"
    return f"(name = 'pageview' AND {like})"


def plan(
    q: StatsQuery, site_id: int, steps: Sequence[FunnelStep], goals: Sequence[Goal], d: Dialect
) -> Plan:
    p = Params(d)
    event_filters = [f for f in q.filters if kind(f) == "event"]
    visit_filters = [f for f in q.filters if kind(f) == "visit"]
    attrs = sorted({VISIT_ATTRS[c.dimension] for f in visit_filters for c in _leaves(f)})
    site, start, end = p.add(site_id), p.time(q.start), p.time(q.end)
    where = [render(f, dict(VISIT_ATTRS), p) for f in visit_filters]
    if event_filters:
        matched = " AND ".join(render(f, dict(_EVENT_COLS), p, goals) for f in event_filters)
        where.append(f"session_id IN (SELECT session_id FROM ev WHERE {matched})")
    conditions = [_matches(step, p) for step in steps]
    flags = [f"m{k}" for k in range(1, len(steps) + 1)]
    sql = [
        f"WITH ev AS (SELECT * FROM events WHERE site_id = {site}"
        f" AND timestamp >= {start} AND timestamp < {end})",
        f", fv AS (SELECT {', '.join(['session_id', 'visitor_id', *attrs])} FROM visits"
        f" WHERE site_id = {site} AND started_at >= {start} AND started_at < {end}"
        f" AND {' AND '.join(where) or 'TRUE'})",
        # Each step's condition once per event, as a flag the steps below read.
        f", fe AS (SELECT * FROM (SELECT ev.session_id, fv.visitor_id, ev.timestamp,"
        f" {', '.join(f'{c} AS {m}' for c, m in zip(conditions, flags, strict=True))}"
        f" FROM ev JOIN fv USING (session_id)) x WHERE {' OR '.join(flags)})",
        ", s1 AS (SELECT session_id, min(visitor_id) AS visitor_id, min(timestamp) AS reached"
        " FROM fe WHERE m1 GROUP BY session_id)",
    ]
    for k in range(2, len(steps) + 1):
        sql.append(
            f", s{k} AS (SELECT fe.session_id, min(s.visitor_id) AS visitor_id,"
            f" min(fe.timestamp) AS reached FROM fe JOIN s{k - 1} s"
            f" ON fe.session_id = s.session_id AND fe.timestamp > s.reached"
            f" WHERE fe.m{k} GROUP BY fe.session_id)"
        )
    count = d.count_distinct("visitor_id")
    counts = [f"(SELECT {count} FROM fv)"]
    counts += [f"(SELECT {count} FROM s{k})" for k in range(1, len(steps) + 1)]
    sql.append(f"SELECT {', '.join(counts)}")
    return Plan("\n".join(sql), p.values)
