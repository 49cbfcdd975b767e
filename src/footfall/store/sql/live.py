"""The live views' statements: one each, shared by every SQL backend (and DynamoDB's
in-process DuckDB), built in a ``Dialect`` like the stats builder's.

``realtime``: the last 30 minutes of one site, as rows ``(kind, label, at, visitors,
pageviews)`` (stats/realtime.py shapes them): ``minute`` rows per started minute, one
``total`` row (visitors in 30 minutes; ``pageviews`` holds the visitors of the last 5),
then the top ``page`` and ``source`` rows. One statement, so one round trip per
refresh whatever the backend.

``overview``: every listed site's last 48 hours, as rows ``(site_id, kind, hour,
visitors, before)`` (stats/overview.py shapes them): ``hour`` rows per site and
started UTC hour of the last 24, and one ``total`` row per site with its visitors in
the last 24 hours and in the 24 before. One statement for all the sites of the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from footfall.stats import overview as sites_overview
from footfall.stats.realtime import CURRENT, TOP_ROWS, WINDOW
from footfall.store.sql.builder import Plan
from footfall.store.sql.dialect import Dialect, Params


def realtime(site_id: int, now: datetime, dialect: Dialect) -> Plan:
    p = Params(dialect)
    d = dialect
    site = p.add(site_id)
    # now included, as realtime_visitors counts it
    end = p.time(now + timedelta(microseconds=1))
    five = p.time(now - CURRENT)
    top = p.add(TOP_ROWS)
    visitors = d.count_distinct("visitor_id")
    pageviews = d.count_if("name = 'pageview'")
    source_pageviews = d.count_if("w.name = 'pageview'")
    no_time = "CAST(NULL AS TIMESTAMP)"  # typed: PostgreSQL types a subquery's NULL as text
    sql = (
        "WITH w AS (SELECT timestamp, name, pathname, visitor_id, session_id FROM events"
        f" WHERE site_id = {site} AND name <> 'engagement'"
        f" AND timestamp >= {p.time(now - WINDOW)}"
        f" AND timestamp < {end})"
        f" SELECT 'minute' AS kind, '' AS label, {d.trunc('minute', 'timestamp')} AS at,"
        f" {visitors} AS visitors, {pageviews} AS pageviews FROM w GROUP BY 3"
        f" UNION ALL SELECT 'total', '', {no_time}, {visitors},"
        f" {d.count_distinct(f'CASE WHEN timestamp >= {five} THEN visitor_id END')} FROM w"
        f" UNION ALL SELECT * FROM (SELECT 'page' AS kind, pathname AS label, {no_time} AS at,"
        f" {visitors} AS visitors, count(*) AS pageviews FROM w WHERE name = 'pageview'"
        f" GROUP BY pathname ORDER BY 4 DESC, 2 LIMIT {top}) pages"
        # a visit's source is its entry's: read from the visits of the window's events
        f" UNION ALL SELECT * FROM (SELECT 'source' AS kind, v.source AS label, {no_time} AS at,"
        f" {d.count_distinct('w.visitor_id')} AS visitors, {source_pageviews}"
        f" AS pageviews FROM w JOIN visits v ON v.site_id = {site}"
        " AND v.session_id = w.session_id"
        f" GROUP BY v.source ORDER BY 4 DESC, 2 LIMIT {top}) sources"
    )
    return Plan(sql, p.values)


def overview(site_ids: Sequence[int], now: datetime, dialect: Dialect) -> Plan:
    p = Params(dialect)
    d = dialect
    day = sites_overview.DAY
    sites = ", ".join(p.add(s) for s in site_ids)
    since = p.time(now - day)
    first_hour = now.replace(minute=0, second=0, microsecond=0) - day + timedelta(hours=1)
    visitors = d.count_distinct("visitor_id")
    sql = (
        "WITH w AS (SELECT site_id, timestamp, visitor_id FROM events"
        f" WHERE site_id IN ({sites}) AND name <> 'engagement'"
        f" AND timestamp >= {p.time(now - 2 * day)}"
        f" AND timestamp < {p.time(now + timedelta(microseconds=1))})"
        f" SELECT site_id, 'hour' AS kind, {d.trunc('hour', 'timestamp')} AS at,"
        f" {visitors} AS visitors, 0 AS before FROM w"
        f" WHERE timestamp >= {p.time(first_hour)} GROUP BY 1, 3"
        " UNION ALL SELECT site_id, 'total', CAST(NULL AS TIMESTAMP),"
        f" {d.count_distinct(f'CASE WHEN timestamp >= {since} THEN visitor_id END')},"
        f" {d.count_distinct(f'CASE WHEN timestamp < {since} THEN visitor_id END')}"
        " FROM w GROUP BY 1"
    )
    return Plan(sql, p.values)
