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
from footfall.store.sql.filters import goal_condition, render


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
    # A step is a goal without a name: the same condition (goal_condition).
    conditions = [goal_condition(Goal(0, site_id, s.event_name, s.page_path), p) for s in steps]
    sql = [
        f"WITH ev AS (SELECT * FROM events WHERE site_id = {site}"
        f" AND timestamp >= {start} AND timestamp < {end})",
        f", fv AS (SELECT {', '.join(['session_id', 'visitor_id', *attrs])} FROM visits"
        f" WHERE site_id = {site} AND started_at >= {start} AND started_at < {end}"
        f" AND {' AND '.join(where) or 'TRUE'})",
        f", fe AS (SELECT ev.session_id, fv.visitor_id, ev.timestamp, ev.name, ev.pathname"
        f" FROM ev JOIN fv USING (session_id) WHERE {' OR '.join(conditions)})",
        f", s1 AS (SELECT session_id, min(visitor_id) AS visitor_id, min(timestamp) AS reached"
        f" FROM fe WHERE {conditions[0]} GROUP BY session_id)",
    ]
    for k, condition in enumerate(conditions[1:], start=2):
        sql.append(
            f", s{k} AS (SELECT fe.session_id, min(s.visitor_id) AS visitor_id,"
            f" min(fe.timestamp) AS reached FROM fe JOIN s{k - 1} s"
            f" ON fe.session_id = s.session_id AND fe.timestamp > s.reached"
            f" WHERE {condition} GROUP BY fe.session_id)"
        )
    count = d.count_distinct("visitor_id")
    counts = [f"(SELECT {count} FROM fv)"]
    counts += [f"(SELECT {count} FROM s{k})" for k in range(1, len(steps) + 1)]
    sql.append(f"SELECT {', '.join(counts)}")
    return Plan("\n".join(sql), p.values)
