"""`PostgresStore.write_events` alone, statement by statement (issue 12's ingest target).

`bash scripts/services/postgres.sh .venv/bin/python bench/pg_write.py [--batch 100]` (or
`--url` a cluster's superuser URL; a fresh database is made on it):
in-order events of 4,000 visitors (a batch every 250 ms of event time), each
statement's wall time from the client (the first third of the batches not counted),
the whole call's median and p99, events/s, and CPU per batch; `--threads N`: N writers
at once (the write buffer's flushes on PostgreSQL), `--preload N`: a site of N events.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

import backends
from footfall.domain import Event
from footfall.store.postgres.backend import PostgresStore

TIMES: dict[str, list[float]] = defaultdict(list)
_execute = psycopg.Connection.execute


def _name(query: Any) -> str:
    text = query.decode() if isinstance(query, bytes) else str(query)
    return " ".join(text.split())[:48]


def _timed(self: psycopg.Connection[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    try:
        return _execute(self, query, *args, **kwargs)
    finally:
        TIMES[_name(query)].append(time.perf_counter() - start)


@contextmanager
def timing() -> Iterator[None]:
    psycopg.Connection.execute = _timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Connection.execute = _execute  # type: ignore[method-assign]


def batches(site: int, size: int, count: int) -> Iterator[list[Event]]:
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    visitors = [rng.getrandbits(62) for _ in range(4000)]
    for i in range(count):
        at = now + timedelta(milliseconds=250 * i)
        yield [
            Event(
                site_id=site,
                timestamp=at + timedelta(microseconds=j),
                name="pageview" if j % 5 else "signup",
                hostname="example.com",
                pathname=f"/p/{rng.randrange(50)}",
                visitor_id=rng.choice(visitors),
                session_id=0,
                browser="Firefox",
                country="DE",
            )
            for j in range(size)
        ]


PRELOAD = (
    """
INSERT INTO events SELECT %(site)s, t, CASE WHEN i %% 5 = 0 THEN 'signup' ELSE 'pageview' END,
    'example.com', '/p/' || (i %% 50), (i / 3) %% 200000, i / 3, '', 'Google', 'Organic Search',
    '', '', '', '', '', '', 'DE', '', '', 'Firefox', '', '', '', 'Desktop', '', '', '{}', NULL,
    '', true, ''
FROM (SELECT i, %(start)s::timestamptz + i * %(step)s::interval AS t
      FROM generate_series(0, %(n)s - 1) AS i) g
""",
    """
INSERT INTO visits SELECT session_id, site_id, visitor_id, min("timestamp"), max("timestamp"),
    count(*) FILTER (WHERE name = 'pageview'), count(*),
    count(*) FILTER (WHERE name <> 'pageview'),
    min("timestamp") FILTER (WHERE name = 'pageview'),
    max("timestamp") FILTER (WHERE name = 'pageview'),
    min(pathname), max(pathname), 'Google', '', 'Organic Search', '', '', '', '', '', 'Desktop',
    'Firefox', '', '', '', 'DE', '', '', ''
FROM events WHERE site_id = %(site)s GROUP BY session_id, site_id, visitor_id
""",
)


def preload(url: str, site: int, n: int) -> None:
    """``n`` events of 30 days before the bench's traffic (three a visit, 200,000
    visitors), their visits, analysed: the plans of a site of real size."""
    end = datetime.now(UTC) - timedelta(hours=3)
    start = end - timedelta(days=30)
    bounds = {"site": site, "start": start, "step": (end - start) / n, "n": n}
    with psycopg.connect(url, autocommit=True) as conn:
        for month in {start.date().replace(day=1), end.date().replace(day=1)}:
            conn.execute("SELECT footfall_create_partition(%s::date)", [month])
        for statement in PRELOAD:
            conn.execute(statement.encode(), bounds)
        conn.execute("VACUUM ANALYZE events")
        conn.execute("VACUUM ANALYZE visits")


def server_cpu(url: str) -> float:
    """CPU seconds used so far by the database's other backends (the store's), from
    /proc (the cluster on this machine): a measure the machine's load barely moves."""
    with psycopg.connect(url, autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    total = 0
    for (pid,) in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--url", default=os.environ.get("FOOTFALL_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--preload", type=int, default=0, help="events the site holds first (30 days)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="writers at once (the write buffer's flushes)"
    )
    args = parser.parse_args()
    url = backends.fresh_database(args.url)
    store = PostgresStore(url)
    site = store.add_site("example.com", "UTC", "u-1").id
    if args.preload:
        preload(url, site, args.preload)
    work = list(enumerate(batches(site, args.batch, args.count)))
    warm = args.count // 3
    calls: list[float] = []
    lock = threading.Lock()

    def write(item: tuple[int, list[Event]]) -> None:
        start = time.perf_counter()
        store.write_events(item[1])
        with lock:
            if item[0] >= warm:
                calls.append(time.perf_counter() - start)

    for item in work[:warm]:
        write(item)
    TIMES.clear()
    cpu = server_cpu(url), time.process_time(), time.perf_counter()
    with timing(), ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(write, work[warm:]))
    n = len(calls)
    server, client = server_cpu(url) - cpu[0], time.process_time() - cpu[1]
    wall = time.perf_counter() - cpu[2]
    if args.threads == 1:
        for name, times in sorted(TIMES.items(), key=lambda kv: -sum(kv[1])):
            print(f"{sum(times) / n * 1000:7.2f} ms/batch  x{len(times) / n:.2f}  {name}")
    q = statistics.quantiles(calls, n=100)
    print(
        f"batch x{args.batch}, {args.threads} at once: median {statistics.median(calls) * 1000:.1f}"
        f" ms, p99 {q[98] * 1000:.1f} ms, {args.batch * n / wall:,.0f} events/s; CPU per batch:"
        f" server {server / n * 1000:.1f} ms, client {client / n * 1000:.1f} ms"
    )
    store.close()


if __name__ == "__main__":
    main()
