"""What one apply of the embedded store costs, statement by statement: ROUNDS applies
of ROWS journaled events each (bench/arrow_batch.py's, from a pool of 4,000 visitors,
in order, as bench/ingest.py's batches), on a copy of a store, with the CPU of each
statement and of the COMMIT (where DuckDB checkpoints once its WAL passes the
threshold), and the process's RSS and WAL size after each round (docs/performance.md,
"Checkpoints"):

    taskset -c 0 .venv/bin/python bench/apply_cost.py --db /tmp/ingest-1m.duckdb
    taskset -c 0 .venv/bin/python bench/apply_cost.py --db ... --set checkpoint_threshold=16MB
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from arrow_batch import batch  # bench/ is the script's directory: on sys.path
from footfall.domain import Event
from footfall.store import budget
from footfall.store.duckdb import backend
from halted import open_halted


class Timed:
    """A cursor that adds up the CPU of each named statement (backend.Q's names)."""

    def __init__(self, cur: Any) -> None:
        self.cur = cur
        self.spent: dict[str, float] = {}

    def execute(self, query: str, *params: object) -> Any:
        name = next((k for k, v in backend.Q.items() if v is query), query[:30])
        started = time.thread_time()
        result = self.cur.execute(query, *params)
        self.spent[name] = self.spent.get(name, 0.0) + time.thread_time() - started
        return result


def events(rnd: random.Random, n: int, start: datetime, visitors: Sequence[int]) -> list[Event]:
    """bench/arrow_batch.py's events, from a pool of visitors, 20 ms apart."""
    made = batch(rnd, n)
    for i, e in enumerate(made):
        e.timestamp = start + timedelta(milliseconds=20 * i)
        e.visitor_id = rnd.choice(visitors)
    return made


def rss_mb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 >> 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="a store to start from (a copy is used)")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--statements", action="store_true", help="each statement's CPU")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="footfall-apply-"))
    config = budget.detect().duckdb_settings() | dict(s.split("=", 1) for s in args.set)
    print(config)
    store, applier = open_halted(args.db, work, config, merging=False)
    rnd = random.Random(3)
    visitors = [rnd.getrandbits(62) for _ in range(4000)]
    start = datetime.now(UTC) - timedelta(hours=2)
    spent: list[float] = []
    print("| round | CPU ms | of which COMMIT | us an event | RSS MB | WAL MB |")
    print("|---|---|---|---|---|---|")
    try:
        for round_no in range(args.rounds):
            batch = events(rnd, args.rows, start, visitors)
            start += timedelta(milliseconds=20 * args.rows)
            for i in range(0, args.rows, 100):
                store.write_events(batch[i : i + 100])
            with applier._mutex:
                pending = [t for _, t in applier._unapplied]
                last = applier._unapplied[-1][0]
                applier._unapplied, applier._rows = [], 0
            table = backend.batch_table(pending)
            began = time.thread_time()
            with store._write_lock, store._transaction() as cur:
                timed = Timed(cur)
                cur.register("incoming_batch", table)
                backend._recompute_visits(timed, store._visit_timeout)  # type: ignore[arg-type]
                cur.unregister("incoming_batch")
                timed.execute(backend.Q["set_journal_applied"], [last])
                statements = time.thread_time() - began
            cpu = time.thread_time() - began
            spent.append(cpu)
            wal = work / "store.duckdb.wal"
            wal_mb = wal.stat().st_size >> 20 if wal.exists() else 0
            print(
                f"| {round_no} | {cpu * 1000:.0f} | {(cpu - statements) * 1000:.0f} | "
                f"{cpu / args.rows * 1e6:.1f} | {rss_mb()} | {wal_mb} |"
            )
            if args.statements:
                for name, seconds in sorted(timed.spent.items(), key=lambda x: -x[1]):
                    print(f"|   {name} | {seconds * 1000:.1f} | | | | |")
        mean = sum(spent) / len(spent)
        per_event = mean / args.rows * 1e6
        print(f"\nmean: {mean * 1000:.0f} ms of CPU an apply, {per_event:.1f} us an event")
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
