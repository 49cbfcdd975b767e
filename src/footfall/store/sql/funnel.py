"""Build a funnel into one SQL statement, in a dialect (the builder's sibling).

    fv   visits that start in the range and pass the visit filters and, under event
         filters, contain a matching event (as builder.py reads filters)
    s1   per visit, the first event of the range matching step 1 (and its visitor):
         events of the visits of ``fv``; without filters, every visit with events in
         the range but those that started before it (a handful, found by their end)
    sK   per visit that reached step K-1, the first event matching step K strictly
         after that one (an earliest match leaves the most room for later steps, so
         the greedy walk finds whether the visit completes the steps in order)

Each step reads only the events its condition matches, and no step joins every event
of the range to its visit: the first groups the events matching it by visit, each
next one joins its own matches to the visits still walking (docs/funnels.md).
The answer is one row: the visitors of ``fv``, then the visitors of each ``sK``.
"""

from __future__ import annotations

from collections.abc import Sequence

from footfall.domain import FunnelStep, Goal
from footfall.stats.filters import kind
from footfall.stats.query import StatsQuery
from footfall.store.sql.builder import _EVENT_COLS, VISIT_ATTRS, Plan
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
    site, start, end = p.add(site_id), p.time(q.start), p.time(q.end)
    where = [render(f, dict(VISIT_ATTRS), p) for f in visit_filters]
    if event_filters:
        matched = " AND ".join(render(f, dict(_EVENT_COLS), p, goals) for f in event_filters)
        where.append(
            f"session_id IN (SELECT session_id FROM events WHERE site_id = {site}"
            f" AND timestamp >= {start} AND timestamp < {end} AND {matched})"
        )
    if where:
        considered = "e.session_id IN (SELECT session_id FROM fv)"
    else:
        # Every visit with events in the range is considered but one that started
        # before it, which ended in it or after (visits are split by a 30-minute gap).
        considered = (
            "e.session_id NOT IN (SELECT session_id FROM visits WHERE site_id = "
            f"{site} AND started_at < {start} AND ended_at >= {start})"
        )
    in_range = f"e.site_id = {site} AND e.timestamp >= {start} AND e.timestamp < {end}"
    conditions = [_matches(step, p) for step in steps]
    sql = [
        f"WITH fv AS (SELECT session_id, visitor_id FROM visits WHERE site_id = {site}"
        f" AND started_at >= {start} AND started_at < {end}"
        f" AND {' AND '.join(where) or 'TRUE'})",
        ", s1 AS (SELECT e.session_id, min(e.timestamp) AS reached,"
        f" min(e.visitor_id) AS visitor_id FROM events e WHERE {in_range}"
        f" AND {conditions[0]} AND {considered} GROUP BY e.session_id)",
    ]
    for k in range(2, len(steps) + 1):
        sql.append(
            f", s{k} AS (SELECT e.session_id, min(e.timestamp) AS reached,"
            f" min(s.visitor_id) AS visitor_id FROM events e JOIN s{k - 1} s"
            f" ON e.session_id = s.session_id AND e.timestamp > s.reached"
            f" WHERE {in_range} AND {conditions[k - 1]} GROUP BY e.session_id)"
        )
    count = d.count_distinct("visitor_id")
    counts = [f"(SELECT {count} FROM fv)"]
    counts += [f"(SELECT {count} FROM s{k})" for k in range(1, len(steps) + 1)]
    sql.append(f"SELECT {', '.join(counts)}")
    return Plan("\n".join(sql), p.values)
