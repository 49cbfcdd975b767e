"""How long the DuckDB store's apply holds the GIL: K journaled batches of 100 events
(bench/arrow_batch.py's events), then one ``apply_pending``, while a thread sleeping
1 ms in a loop records how late it wakes (the longest hold of the GIL by the apply, or
by anything else on the core: run it pinned, ``taskset -c 0``). Prints, per round, the
apply's wall and CPU time and the probe's worst lateness (docs/performance.md, "Batch
ingest without the concatenation"):

    taskset -c 0 .venv/bin/python bench/apply_gil.py --rows 30000 --rows 150000
    taskset -c 0 .venv/bin/python bench/apply_gil.py --db /tmp/ingest-1m.duckdb  # a copy
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

from arrow_batch import batch  # bench/ is the script's directory: on sys.path
from footfall.store.duckdb.backend import DuckDBStore
from halted import open_halted


class Probe:
    """A thread sleeping 1 ms in a loop; ``late`` holds how late each wake-up was (s)."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.at: list[float] = []  # when each wake-up came
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            t = time.perf_counter()
            time.sleep(0.001)
            now = time.perf_counter()
            self.late.append(now - t - 0.001)
            self.at.append(now)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _apply(store: DuckDBStore, spent: list[float]) -> None:
    """One apply on a thread niced as the server's apply thread is."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    wall, cpu = time.perf_counter(), time.thread_time()
    store.apply_pending()
    spent += [time.perf_counter() - wall, time.thread_time() - cpu]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, action="append", help="events per apply")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", help="a store to start from (a copy is used)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="footfall-gil-"))
    store, _ = open_halted(args.db, work, merging=True)
    rnd = random.Random(11)
    print("| rows | apply wall ms | apply CPU ms | worst GIL wait ms | waits > 5 ms |")
    print("|---|---|---|---|---|")
    try:
        for rows in args.rows or [30_000, 150_000]:
            for _ in range(args.rounds):
                for _ in range(rows // 100):
                    store.write_events(batch(rnd, 100))
                time.sleep(1.0)  # the merges of the last batches (on main: nothing)
                spent: list[float] = []
                with Probe() as probe:
                    time.sleep(0.01)
                    apply = threading.Thread(target=_apply, args=(store, spent))
                    apply.start()
                    apply.join()
                    time.sleep(0.01)
                wall, cpu = spent
                worst = max(probe.late) * 1000
                over = sum(1 for x in probe.late if x > 0.005)
                print(f"| {rows:,} | {wall * 1000:.0f} | {cpu * 1000:.0f} | {worst:.1f} | {over} |")
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
