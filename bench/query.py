"""Query benchmark: one command, a printed table (see docs/performance.md).

Builds an embedded store with 10M events over 90 days across 50 sites (the largest,
site1, with 3M: 1M in its last 30 days and as many in each 30 days before), generated
inside DuckDB for speed and stored in time order as live ingest writes them, then runs
each dashboard query 1 + 5 times through the real planner and runner and prints the
median of the 5 warm runs.

    .venv/bin/python bench/query.py [--events 10000000] [--db PATH]
        [--postgres] [--database-url postgresql://...]

--db keeps the built file at PATH, and reuses it when it exists (an A/B of two
checkouts times both on the same file). With --postgres or --database-url
(bench/backends.py) the same rows are copied into each other backend (the events and
the visits DuckDB split from them: visits are a function of the events, the same on
every backend) and each query is timed there too, one column per backend.

With --database-url dynamodb://TABLE?region=REGION (AWS_ENDPOINT_URL=moto_server's
address for the emulator) site1's events of the 60 days its 30-day view and
comparison read are written into the table, and each query is timed cold and warm
with the DynamoDB calls and read units of one dashboard query (bench/dynamo.py). Mind
the size: --events 1000000 gives site1 100k events a month (200k items to write).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

import backends
import dynamo
from footfall.domain import Site
from footfall.stats import query as stats_query
from footfall.stats.query import StatsQuery
from footfall.stats.runner import run
from footfall.store.duckdb import DuckDBStore
from footfall.store.postgres import PostgresStore

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
# Synthetic visits: ~3 events each, attributes drawn per visit. A visitor id is made
# from a person (two visits each) and the UTC day, as ingest makes it from the day's
# salt: a person's visits on two days are two visitors, as live traffic would be.
FILL = """
INSERT INTO events BY NAME
WITH raw AS (
    SELECT i,
        CASE WHEN i < $big THEN 1 ELSE 2 + ((hash(i // 3) >> 1) % 49)::INTEGER END AS site_id,
        i // 3 AS session_id,
        i % 3 AS step,
        (hash(i // 3) >> 1)::BIGINT AS h
    FROM range($total) t(i)
),
timed AS (
    SELECT *, (TIMESTAMP '2026-03-31 12:00:00' - to_seconds((h % (90 * 86400))::BIGINT))
        + to_seconds(step * (h % 400)::BIGINT) AS ts
    FROM raw
)
SELECT
    site_id::INTEGER AS site_id,
    ts AS timestamp,
    CASE WHEN step = 2 AND h % 5 = 0 THEN 'Signup' ELSE 'pageview' END AS name,
    'site' || site_id || '.example' AS hostname,
    '/page/' || ((h // (step + 1)) % 200) AS pathname,
    (hash(session_id // 2, CAST(ts AS DATE)) >> 1)::BIGINT AS visitor_id,
    session_id::BIGINT AS session_id,
    '' AS referrer,
    ['', 'Google', 'Bing', 'Hacker News', 'Twitter', 'GitHub', 'newsletter'][1 + h % 7]
        AS referrer_source,
    ['Direct', 'Organic Search', 'Referral', 'Organic Social'][1 + h % 4] AS channel,
    ['', 'email', 'cpc'][1 + h % 3] AS utm_medium, '' AS utm_source,
    ['', 'spring', 'launch'][1 + (h // 3) % 3] AS utm_campaign,
    '' AS utm_content, '' AS utm_term, '' AS click_id_param,
    ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'NL'][1 + (h // 7) % 8] AS country,
    '' AS region, '' AS city,
    ['Chrome', 'Safari', 'Firefox', 'Edge'][1 + (h // 11) % 4] AS browser,
    '131.0' AS browser_version,
    ['Windows', 'Mac', 'iOS', 'Android', 'GNU/Linux'][1 + (h // 13) % 5] AS os,
    '' AS os_version,
    ['Desktop', 'Mobile', 'Tablet'][1 + (h // 17) % 3] AS device,
    '' AS screen_size, 'en-US' AS language,
    MAP {} ::MAP(VARCHAR, VARCHAR) AS props,
    NULL::DECIMAL(18, 4) AS revenue_amount, '' AS revenue_currency,
    true AS interactive,
    '/page/' || (h % 200) AS entry_page
FROM timed
ORDER BY timestamp
"""

TOP_STATS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]
QUERIES: dict[str, dict[str, Any]] = {
    "aggregate with comparison": {
        "metrics": TOP_STATS,
        "include": {"comparisons": {"mode": "previous_period"}},
    },
    "daily timeseries": {"metrics": ["visitors", "pageviews"], "dimensions": ["time:day"]},
    "top pages": {
        "metrics": ["visitors", "pageviews"],
        "dimensions": ["event:page"],
        "pagination": {"limit": 10},
    },
    "top sources": {
        "metrics": ["visitors", "bounce_rate"],
        "dimensions": ["visit:source"],
        "pagination": {"limit": 10},
    },
    "top countries": {
        "metrics": ["visitors"],
        "dimensions": ["visit:country"],
        "pagination": {"limit": 10},
    },
    "devices": {"metrics": ["visitors"], "dimensions": ["visit:device"]},
    "devices with percentage": {
        "metrics": ["visitors", "percentage"],
        "dimensions": ["visit:device"],
    },
    "aggregate, page filter": {
        "metrics": ["visitors", "visits", "pageviews", "bounce_rate"],
        "filters": [["is", "event:page", ["/page/7"]]],
    },
}
# The dashboard's own first view (what bench/constrained.py times): the rows above.
DASHBOARD_VIEW = tuple(QUERIES)
# The dashboard's panels again under its common filters (a filter clicked in a panel):
# a page, visit attributes (a source, a country, a device, a UTM medium), a goal (the
# fixture's "Signup" events), a page goal (its pageviews of /page/1, /page/10-19 and
# /page/100-199).
PANELS = (
    "aggregate with comparison",
    "daily timeseries",
    "top pages",
    "top sources",
    "top countries",
    "devices",
)
FILTERS: dict[str, list[Any]] = {
    "page": ["is", "event:page", ["/page/7"]],
    "source": ["is", "visit:source", ["Google"]],
    "country": ["is", "visit:country", ["DE"]],
    "device": ["is", "visit:device", ["Mobile"]],
    "UTM medium": ["is", "visit:utm_medium", ["email"]],
    "goal": ["is", "event:goal", ["Signup"]],
    "page goal": ["is", "event:goal", ["Visit /page/1*"]],
}
# Under a goal filter the dashboard shows conversions: no visit metrics (refused).
GOAL_METRICS = ["visitors", "events", "conversion_rate"]
for _label, _filter in FILTERS.items():
    for _panel in PANELS:
        _body = QUERIES[_panel] | {"filters": [_filter]}
        if _label in ("goal", "page goal"):
            _body["metrics"] = GOAL_METRICS
        QUERIES[f"{_panel}, {_label} filter"] = _body


def timed(fn: Callable[[], object], runs: int = 5) -> float:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def add_sites(store: DuckDBStore | PostgresStore) -> None:
    for n in range(1, 51):
        site = store.add_site(f"site{n}.example", "UTC", f"00000000-0000-0000-0000-{n:012d}")
        assert site.id == n, "FILL numbers the sites 1 to 50"
    add_goals(store)


GOALS = (("Signup", "", "Signup"), ("", "/page/1*", "Visit /page/1*"))


def add_goals(store: DuckDBStore | PostgresStore) -> None:
    """site1's goals that the store lacks (a store built before a goal was added)."""
    have = {g.display_name for g in store.list_goals(1)}
    for name, path, display in GOALS:
        if display not in have:
            store.add_goal(1, name, path, display)


def copy_into_postgres(duck: DuckDBStore, url: str, work: Path) -> PostgresStore:
    """The DuckDB fixture's sites, events and visits, bulk-copied (CSV) into a fresh
    PostgreSQL database, then analysed, as autovacuum would after live ingest."""
    store = PostgresStore(url)
    add_sites(store)
    first, last = duck.read("SELECT min(timestamp), max(timestamp) FROM events", {})[0]
    month, months = first.date().replace(day=1), set()
    while month <= last.date():
        months.add(month)
        month = (month + timedelta(days=32)).replace(day=1)
    store._ensure_partitions(months)
    with psycopg.connect(url, autocommit=True, options="-c TimeZone=UTC") as conn:
        for table in ("events", "visits"):
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = %s ORDER BY ordinal_position",
                    [table],
                )
            ]
            cols = ", ".join(f'"{n}"' for n in names)
            picked = cols.replace('"props"', "to_json(props) AS props")
            csv = work / f"{table}.csv"
            # Names from the catalog, a path of ours: nothing outside comes in.
            duck.read(f"COPY (SELECT {picked} FROM {table}) TO '{csv}' (HEADER)", {})  # noqa: S608
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv, HEADER)") as copy,
                csv.open("rb") as f,
            ):
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            csv.unlink()
            conn.execute(f"VACUUM ANALYZE {table}")
    return store


def roll_up(store: PostgresStore, url: str, site_id: int) -> int:
    """Roll up the site's days, as the servers do in the background after live ingest
    (the bulk copy listed none); how many days."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO rollup_days (site_id, day) SELECT DISTINCT site_id,"
            " (timestamp AT TIME ZONE 'UTC')::date FROM events WHERE site_id = %s"
            " ON CONFLICT DO NOTHING",
            [site_id],
        )
    days = 0
    while done := store.refresh_rollups(limit=100):
        days += done
    return days


def _dashboard(store: DuckDBStore | PostgresStore, q: StatsQuery, site: Site) -> object:
    # The goals are read per query, as the web layer reads them.
    return run(store, q, site, store.list_goals(site.id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, help="keep (or reuse) the built file here")
    backends.add_arguments(parser)
    args = parser.parse_args()
    others = [u for u in backends.urls(args) if not dynamo.is_dynamodb(u)]
    tables = [u for u in backends.urls(args) if dynamo.is_dynamodb(u)]
    work = Path(tempfile.mkdtemp(prefix="footfall-qbench-"))
    path = args.db or work / "q.duckdb"
    reuse = path.exists()
    store = DuckDBStore(str(path))
    started = time.perf_counter()
    if not reuse:
        add_sites(store)
        big = min(3_000_000, args.events * 3 // 10)  # site1: 1M events in every 30 days
        store.read(FILL, {"big": big, "total": args.events})
        store.rebuild_visits()  # ingest keeps visits up to date; this bulk load bypassed it
        # Closing checkpoints (a FORCE CHECKPOINT beside the applier thread could hang).
        store.close()
        store = DuckDBStore(str(path))
    add_goals(store)
    built = time.perf_counter() - started
    stores: dict[str, DuckDBStore | PostgresStore] = {"DuckDB": store}
    for url in others:
        started = time.perf_counter()
        pg = copy_into_postgres(store, url, work)
        label = backends.label(url)
        print(f"copied into {label} in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        days = roll_up(pg, url, 1)
        took = time.perf_counter() - started
        print(
            f"rolled up site1's {days} days in {took:.1f} s"
            f" ({took / max(days, 1) * 1000:.0f} ms a day of ~33k events)"
        )
        stores[f"{label}, events only"] = PostgresStore(url, rollups=False)
        stores[f"{label}, rollups"] = pg
    site = store.get_site("site1.example")
    assert site is not None
    print(
        f"\nFootfall query benchmark: {args.events:,} events over 90 days, 50 sites; "
        f"site1 has {store.count_events(site.id):,} (built in {built:.0f} s)\n"
    )
    print("| query | " + " | ".join(f"{name} (ms)" for name in stores) + " |")
    print("|---|" + "---|" * len(stores))
    for name, body in QUERIES.items():
        q = stats_query.parse(
            {"site_id": site.domain, "date_range": "30d", **body}, NOW, site.timezone, NOW.date()
        )
        cells = [f"{timed(partial(_dashboard, each, q, site)):.0f}" for each in stores.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    in_30_days = store.read(
        "SELECT count(*) FROM events WHERE site_id = $s AND timestamp >= $t",
        {"s": site.id, "t": (NOW - timedelta(days=30)).replace(tzinfo=None)},
    )[0][0]
    print(
        f"\nmedian of 5 warm runs, a 30-day view of site1 ({in_30_days:,} events in those 30 days)"
    )
    for url in tables:
        dynamodb_table(store, site, url, work)
    for each in stores.values():
        each.close()


def dynamodb_table(store: DuckDBStore, site: Site, url: str, work: Path) -> None:
    """Each query on DynamoDB, cold and warm: time, calls, read units (bench/dynamo.py)."""
    moved = dynamo.shift(NOW)
    started = time.perf_counter()
    target = dynamo.copy_site(
        store, site, url, NOW - timedelta(days=61), NOW + timedelta(days=1), moved, work
    )
    print(f"\ncopied site1's last 61 days into {url} in {time.perf_counter() - started:.0f} s")
    print(
        "\n| query | cold (ms) | cold calls | cold read units | warm (ms) | warm calls |"
        " warm read units |\n|---|---|---|---|---|---|---|"
    )
    now = NOW + moved
    for name, body in QUERIES.items():
        q = stats_query.parse(
            {"site_id": target.domain, "date_range": "30d", **body},
            now,
            target.timezone,
            now.date(),
        )
        cold_ms, cold, warm_ms, warm = dynamo.measure(url, target, q, work)
        print(
            f"| {name} | {cold_ms:.0f} | {cold.total()} | {cold.read_units} | {warm_ms:.0f} |"
            f" {warm.total()} | {warm.read_units} |"
        )
    print(
        "\ncold: one run on a new store over an empty Parquet cache; warm: median of 5"
        " on one store over the cache the last cold run filled. Calls and read units: one"
        " query (the goals' Query included); the fixture's last day is today."
    )


if __name__ == "__main__":
    main()
