"""`PostgresStore.write_events` alone, statement by statement (issue 12's ingest target).

`bash scripts/services/postgres.sh .venv/bin/python bench/pg_write.py [--batch 100]` (or
`--url` a cluster's superuser URL; a fresh database is made on it):
in-order events of 4,000 visitors (a batch every 250 ms of event time), each
statement's wall time from the client (the first third of the batches not counted),
the whole call's median and p99, and events/s on one connection.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--url", default=os.environ.get("FOOTFALL_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    url = backends.fresh_database(args.url)
    store = PostgresStore(url)
    site = store.add_site("example.com", "UTC", "u-1").id
    calls: list[float] = []
    warm = args.count // 3
    with timing():
        for i, batch in enumerate(batches(site, args.batch, args.count)):
            if i == warm:
                TIMES.clear()
            start = time.perf_counter()
            store.write_events(batch)
            if i >= warm:
                calls.append(time.perf_counter() - start)
    n = len(calls)
    for name, times in sorted(TIMES.items(), key=lambda kv: -sum(kv[1])):
        print(f"{sum(times) / n * 1000:7.2f} ms/batch  x{len(times) / n:.2f}  {name}")
    q = statistics.quantiles(calls, n=100)
    print(
        f"batch x{args.batch}: median {statistics.median(calls) * 1000:.1f} ms, "
        f"p99 {q[98] * 1000:.1f} ms, {args.batch * n / sum(calls):,.0f} events/s"
    )
    store.close()


if __name__ == "__main__":
    main()
