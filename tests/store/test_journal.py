from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from footfall.store.applier import Applier
from footfall.store.duckdb import DuckDBStore
from footfall.store.journal import Journal
from tests.disk import small_disk

SCHEMA = pa.schema([("x", pa.int64())])


def table(*xs: int) -> pa.Table:
    return pa.table({"x": pa.array(xs, pa.int64())})


def test_recover_returns_unapplied_batches_in_order(tmp_path: Path) -> None:
    j = Journal(tmp_path, SCHEMA)
    assert [j.append(table(1, 2)), j.append(table(3))] == [1, 2]
    again = Journal(tmp_path, SCHEMA)  # a new process after a crash
    assert [(s, t.column("x").to_pylist()) for s, t in again.recover(0)] == [(1, [1, 2]), (2, [3])]
    assert [s for s, _ in Journal(tmp_path, SCHEMA).recover(applied=1)] == [2]
    assert again.append(table(4)) == 3  # numbering continues


def test_torn_tail_is_ignored(tmp_path: Path) -> None:
    j = Journal(tmp_path, SCHEMA)
    j.append(table(1))
    [segment] = list(tmp_path.glob("*.arrow"))
    with segment.open("ab") as f:
        f.write(b"\xff\xff\xff\xff\x10\x00\x00\x00garbage")  # a write cut short by a crash
    assert [s for s, _ in Journal(tmp_path, SCHEMA).recover(0)] == [1]


def test_rotate_lists_closed_segments(tmp_path: Path) -> None:
    j = Journal(tmp_path, SCHEMA)
    j.append(table(1))
    closed = j.rotate()
    j.append(table(2))
    assert len(closed) == 1
    assert len(list(tmp_path.glob("*.arrow"))) == 2


def test_store_recovers_journaled_events_after_a_hard_exit(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    code = f"""
import os
from datetime import UTC, datetime
from footfall.domain import Event
from footfall.store.duckdb import DuckDBStore
s = DuckDBStore({str(path)!r})
site = s.add_site("a.com", "UTC", "u")
s.write_events([Event(site.id, datetime.now(UTC), "pageview", "a.com", "/x", 1, 1)])
os._exit(0)  # no close, no apply: only the journal holds the event
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    assert list((tmp_path / "s.duckdb.journal").glob("*.arrow"))
    store = DuckDBStore(str(path))
    site = store.get_site("a.com")
    assert site is not None
    assert [e["pathname"] for e in store.fetch_events(site.id)] == ["/x"]
    assert not list((tmp_path / "s.duckdb.journal").glob("*.arrow"))  # applied, then removed
    store.close()
    reopened = DuckDBStore(str(path))
    assert reopened.count_events(site.id) == 1  # applied exactly once
    reopened.close()


def test_reads_see_every_committed_event(store: DuckDBStore) -> None:
    from footfall.domain import Event

    site = store.add_site("a.com", "UTC", "u")
    for i in range(5):
        store.write_events([Event(site.id, datetime.now(UTC), "pageview", "a.com", f"/{i}", i, i)])
        assert store.count_events(site.id) == i + 1


def test_a_failed_append_leaves_nothing_that_hides_later_batches(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 4) as disk:
        j = Journal(disk.path, SCHEMA)
        ok = [j.append(table(1)), j.append(table(2))]
        disk.fill()
        for big in (10_000, 1, 50):  # a batch too big, then ones that may fit a page tail
            with contextlib.suppress(OSError):
                ok.append(j.append(table(*range(big))))
        disk.free()
        ok += [j.append(table(3)), j.append(table(4))]
        found = Journal(disk.path, SCHEMA).recover(0)
        assert [s for s, _ in found] == ok  # every acknowledged batch, nothing else
        assert [s for s, _ in found] == sorted(set(ok))  # numbered without gaps or repeats


def test_the_apply_thread_is_restarted_after_a_crash(tmp_path: Path) -> None:
    crashed = threading.Event()
    applied: list[int] = []

    def insert(tables: list[pa.Table], last_seq: int) -> None:
        if not crashed.is_set():
            crashed.set()
            raise SystemExit("a bug that escapes every except Exception")
        applied.append(last_seq)

    applier = Applier(Journal(tmp_path, SCHEMA), 0, insert, lambda: applied[-1] if applied else 0)
    applier.append(table(1))
    applier.start()
    deadline = time.monotonic() + 30
    while not applied and time.monotonic() < deadline:
        time.sleep(0.05)
    assert applied == [1]
    assert applier.health.crashes == 1
    assert applier.health.unapplied_events == 0
    applier.close()
