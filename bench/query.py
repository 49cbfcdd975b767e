"""Query benchmark: one command, a printed table (see docs/performance.md).

Builds an embedded store with 10M events over 90 days across 50 sites (the largest,
site1, with 3M: 1M in its last 30 days and as many in each 30 days before), generated
inside DuckDB for speed and stored in time order as live ingest writes them, then runs
each dashboard query 1 + 5 times through the real planner and runner and prints the
median of the 5 warm runs.

    .venv/bin/python bench/query.py [--events 10000000] [--db PATH]

--db keeps the built file at PATH, and reuses it when it exists (an A/B of two
checkouts times both on the same file).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from footfall.stats import query as stats_query
from footfall.stats.runner import run
from footfall.store.duckdb import DuckDBStore

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
# Synthetic visits: ~3 events each, 2 visits per visitor, attributes drawn per visit.
FILL = """
INSERT INTO events BY NAME
WITH raw AS (
    SELECT i,
        CASE WHEN i < $big THEN 1 ELSE 2 + ((hash(i // 3) >> 1) % 49)::INTEGER END AS site_id,
        i // 3 AS session_id,
        i % 3 AS step,
        (hash(i // 3) >> 1)::BIGINT AS h
    FROM range($total) t(i)
)
SELECT
    site_id::INTEGER AS site_id,
    (TIMESTAMP '2026-03-31 12:00:00' - to_seconds((h % (90 * 86400))::BIGINT))
        + to_seconds(step * (h % 400)::BIGINT) AS timestamp,
    CASE WHEN step = 2 AND h % 5 = 0 THEN 'Signup' ELSE 'pageview' END AS name,
    'site' || site_id || '.example' AS hostname,
    '/page/' || ((h // (step + 1)) % 200) AS pathname,
    (session_id // 2)::BIGINT AS visitor_id,
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
FROM raw
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


def timed(fn: Callable[[], object], runs: int = 5) -> float:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, help="keep (or reuse) the built file here")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="footfall-qbench-")) / "q.duckdb"
    reuse = path.exists()
    store = DuckDBStore(str(path))
    started = time.perf_counter()
    if not reuse:
        for n in range(1, 51):
            store.add_site(f"site{n}.example", "UTC", f"00000000-0000-0000-0000-{n:012d}")
        big = min(3_000_000, args.events * 3 // 10)  # site1: 1M events in every 30 days
        store.read(FILL, {"big": big, "total": args.events})
        store.rebuild_visits()  # ingest keeps visits up to date; this bulk load bypassed it
        store.read("CHECKPOINT", {})
    built = time.perf_counter() - started
    site = store.get_site("site1.example")
    assert site is not None
    print(
        f"\nFootfall query benchmark: {args.events:,} events over 90 days, 50 sites; "
        f"site1 has {store.count_events(site.id):,} (built in {built:.0f} s)\n"
    )
    print("| query | median of 5 warm runs (ms) |")
    print("|---|---|")
    for name, body in QUERIES.items():
        q = stats_query.parse(
            {"site_id": site.domain, "date_range": "30d", **body}, NOW, site.timezone, NOW.date()
        )
        # The goals are read per query, as the web layer reads them.
        ms = timed(lambda q=q: run(store, q, site, store.list_goals(site.id)))  # type: ignore[misc]
        print(f"| {name} | {ms:.0f} |")
    store.close()


if __name__ == "__main__":
    main()
