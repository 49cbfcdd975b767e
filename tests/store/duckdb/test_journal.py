from __future__ import annotations

import contextlib
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from arro3.core import Array, DataType, Field, Schema, Table
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.store import arrow
from footfall.store.arrow import Rows
from footfall.store.duckdb import DuckDBStore
from footfall.store.duckdb.applier import Applier
from footfall.store.duckdb.journal import Journal
from tests.disk import small_disk
from tests.fixtures.pyarrow_era import generate as pyarrow_era

PYARROW_ERA = Path(pyarrow_era.__file__).parent

SCHEMA = Schema([Field("x", DataType.int64(), nullable=True)])


def table(*xs: int) -> Table:
    return Table.from_arrays([Array(list(xs), DataType.int64())], schema=SCHEMA)


def values(t: Rows) -> list[int]:
    """Column x of a table or of a record batch (what the store journals)."""
    if isinstance(t, Table):
        return [v for chunk in t.column("x").chunks for v in chunk.to_pylist()]
    return list(t.column("x").to_pylist())


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

    def insert(tables: list[Rows], last_seq: int) -> None:
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


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=120),
    writers=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_merged_batches_are_applied_once_in_order_beside_concurrent_applies(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], writers: int, seed: int
) -> None:
    """The merge thread joins journaled batches into chunks of CHUNK_ROWS rows (here
    10, each merge slowed down so that applies overlap it) while writers append and
    applies run: every row reaches the store once, each writer's rows in the order
    written; each apply records the sequence number of the last batch it holds (what
    the journal recovers after it is exactly what it left out)."""
    directory = tmp_path_factory.mktemp("j")
    got: list[int] = []
    applied = [0]

    def insert(tables: list[Rows], last_seq: int) -> None:
        for t in tables:
            got.extend(values(t))
        left = {x for _, t in Journal(directory, SCHEMA).recover(last_seq) for x in values(t)}
        assert not left & set(got)  # a crash now would apply nothing twice
        applied[0] = last_seq

    concat = arrow.concat

    def slow_concat(tables: list[Rows], schema: Schema | None = None) -> Table:
        time.sleep(0.002)
        return concat(tables, schema)

    rnd = random.Random(seed)
    shares = [sizes[w::writers] for w in range(writers)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrow, "CHUNK_ROWS", 10)
        patch.setattr(arrow, "concat", slow_concat)
        applier = Applier(Journal(directory, SCHEMA), 0, insert, lambda: applied[0])
        applier.start()

        def write(w: int) -> None:
            for i, n in enumerate(shares[w]):
                base = (w * 1000 + i) * 10
                applier.append(table(*range(base, base + n)))
                if rnd.random() < 0.3:
                    time.sleep(0.001)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            applier.apply()
            time.sleep(rnd.random() / 500)
        for t in threads:
            t.join()
        time.sleep(0.05)  # the merge thread's last run
        applier.close()
    expected = [
        x
        for w in range(writers)
        for i, n in enumerate(shares[w])
        for x in range((w * 1000 + i) * 10, (w * 1000 + i) * 10 + n)
    ]
    assert sorted(got) == sorted(expected)  # every row once
    for w in range(writers):  # each writer's rows in order
        mine = [x for x in got if x // 10_000 == w]
        assert mine == sorted(mine)
    assert applier.health.unapplied_events == 0


def test_journaled_batches_are_merged_into_chunks_while_they_wait(tmp_path: Path) -> None:
    """Without an apply, the merge thread joins small batches into chunks of
    CHUNK_ROWS (here 10) rows, in order; the apply then gets the chunks."""
    got: list[list[int]] = []

    def insert(tables: list[Rows], last_seq: int) -> None:
        got.extend(values(t) for t in tables)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrow, "CHUNK_ROWS", 10)
        applier = Applier(Journal(tmp_path, SCHEMA), 0, insert, lambda: 0)
        applier.start()
        for i in range(13):
            applier.append(table(3 * i, 3 * i + 1, 3 * i + 2))
        deadline = time.monotonic() + 30
        while len(applier._unapplied) > 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        applier.apply()
        applier.close()
    assert [len(t) for t in got] == [12, 12, 12, 3]
    assert [x for t in got for x in t] == list(range(39))


def _kill_after(delay: float, script: str, *args: str) -> None:
    """Run ``script``; SIGKILL it ``delay`` seconds after it prints "journaled"."""
    with subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "journaled"
        time.sleep(delay)
        child.kill()


_MERGING = """
import sys, time
from datetime import UTC, datetime, timedelta
from footfall.domain import Event
from footfall.store.duckdb import DuckDBStore
s = DuckDBStore(sys.argv[1])
site = s.get_site("a.com") or s.add_site("a.com", "UTC", "u")
t0, tag = datetime(2026, 3, 10, tzinfo=UTC), sys.argv[2]
for b in range(int(sys.argv[3])):
    at = t0 + timedelta(seconds=b)
    s.write_events(
        [Event(site.id, at, "pageview", "a.com", f"/{tag}/{b}/{i}", b, b) for i in range(100)]
    )
print("journaled", flush=True)
sys.stdin.read()  # until killed
"""


def test_kill_9_while_batches_are_merged_and_applied_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    """Batches of 100 events, journaled one by one: the merge thread joins them into
    chunks and the applier applies them every second, both while the process is
    killed (SIGKILL) at some point; after the restart every event is there once."""
    path = tmp_path / "s.duckdb"
    batches = 200
    for round_, delay in enumerate((0.0, 0.4, 1.1)):
        _kill_after(delay, _MERGING, str(path), str(round_), str(batches))
    store = DuckDBStore(str(path))
    rows = store._cur.execute("SELECT pathname, count(*) FROM events GROUP BY ALL").fetchall()
    store.close()
    assert len(rows) == batches * 100 * 3  # every acknowledged event
    assert {n for _, n in rows} == {1}  # none applied twice


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
        # SIGKILL, somewhere in the move from journal to table
        _kill_after(delay, _APPLYING, str(path), str(round_), str(size))
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
