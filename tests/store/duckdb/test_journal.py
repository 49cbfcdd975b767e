from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from arro3.core import Array, DataType, Field, Schema, Table

from footfall.store.duckdb import DuckDBStore
from footfall.store.duckdb.applier import Applier
from footfall.store.duckdb.journal import Journal
from tests.disk import small_disk
from tests.fixtures.pyarrow_era import generate as pyarrow_era

PYARROW_ERA = Path(pyarrow_era.__file__).parent

SCHEMA = Schema([Field("x", DataType.int64(), nullable=True)])


def table(*xs: int) -> Table:
    return Table.from_arrays([Array(list(xs), DataType.int64())], schema=SCHEMA)


def values(t: Table) -> list[int]:
    return [v for chunk in t.column("x").chunks for v in chunk.to_pylist()]


def test_recover_returns_unapplied_batches_in_order(tmp_path: Path) -> None:
    j = Journal(tmp_path, SCHEMA)
    assert [j.append(table(1, 2)), j.append(table(3))] == [1, 2]
    again = Journal(tmp_path, SCHEMA)  # a new process after a crash
    assert [(s, values(t)) for s, t in again.recover(0)] == [(1, [1, 2]), (2, [3])]
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
from dataclasses import replace
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

    def insert(tables: list[Table], last_seq: int) -> None:
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


_APPLYING = """
import sys
from datetime import UTC, datetime, timedelta
from footfall.domain import Event
from footfall.store.duckdb import DuckDBStore
s = DuckDBStore(sys.argv[1])
site = s.get_site("a.com") or s.add_site("a.com", "UTC", "u")
t0 = datetime(2026, 3, 10, tzinfo=UTC)
events = [
    Event(site.id, t0 + timedelta(seconds=i), "pageview", "a.com", f"/{sys.argv[2]}/{i}", i, i)
    for i in range(int(sys.argv[3]))
]
s.write_events(events)  # journaled: past its threshold, the applier starts at once
print("journaled", flush=True)
sys.stdin.read()  # until killed
"""


def test_kill_9_during_an_apply_loses_and_repeats_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    size = 150_000
    before_commit = 0
    for round_, delay in enumerate((0.0, 0.05, 0.15, 0.3, 0.6)):
        with subprocess.Popen(
            [sys.executable, "-c", _APPLYING, str(path), str(round_), str(size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as child:
            assert child.stdout is not None and child.stdout.readline().strip() == "journaled"
            time.sleep(delay)
            child.kill()  # SIGKILL, somewhere in the move from journal to table
        raw = duckdb.connect(str(path))  # the table as the crash left it, before recovery
        in_table = raw.execute("SELECT count(*) FROM events").fetchone()
        raw.close()
        before_commit += int(in_table is not None and in_table[0] < size * (round_ + 1))
    store = DuckDBStore(str(path))
    site = store.get_site("a.com")
    assert site is not None
    rows = store._cur.execute("SELECT pathname, count(*) FROM events GROUP BY ALL").fetchall()
    store.close()
    print(f"\nkill -9 during apply: {before_commit} of 5 kills before the commit, {len(rows)} rows")
    assert len(rows) == size * 5  # every acknowledged event
    assert {n for _, n in rows} == {1}  # none applied twice
    assert before_commit > 0, "no kill landed before an apply committed: nothing was tested"


def test_a_segment_journaled_with_pyarrow_is_applied_after_the_upgrade(tmp_path: Path) -> None:
    """A crash before the upgrade: the segment pyarrow's stream writer left (three
    batches, not applied; tests/fixtures/pyarrow_era), with a torn tail, is applied by
    the new code once; then a segment the new code journals (and dies) is recovered
    with every field of every event."""
    path = tmp_path / "s.duckdb"
    DuckDBStore(str(path)).close()
    journal = tmp_path / "s.duckdb.journal"
    shutil.copytree(PYARROW_ERA / "journal", journal, dirs_exist_ok=True)
    [segment] = journal.glob("*.arrow")
    with segment.open("ab") as f:
        f.write(b"\xff\xff\xff\xff\x10\x00\x00\x00torn")
    store = DuckDBStore(str(path))
    try:
        start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        got = [e for chunk in store.export_events(1, start, end) for e in chunk]
        assert [replace(e, session_id=0) for e in got] == pyarrow_era.events(1)
        assert not list(journal.glob("*.arrow"))  # applied, then removed
    finally:
        store.close()
    code = f"""
import os
from footfall.store.duckdb import DuckDBStore
from tests.fixtures.pyarrow_era.generate import events
DuckDBStore({str(path)!r}).write_events(events(1)[:2])
os._exit(0)  # journaled by the new code, not applied
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PYARROW_ERA.parents[2])
    reopened = DuckDBStore(str(path))  # the new code's segment, recovered by it
    try:
        got = [replace(e, session_id=0) for c in reopened.export_events(1, start, end) for e in c]
        sent = [*pyarrow_era.events(1), *pyarrow_era.events(1)[:2]]
        assert sorted(got, key=repr) == sorted(sent, key=repr)  # applied exactly once
    finally:
        reopened.close()
