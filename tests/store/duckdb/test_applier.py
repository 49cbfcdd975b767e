"""The applier's back-pressure (store/duckdb/applier.py): the journaled rows not yet
applied stay bounded whatever the writers do, an append past the bound waits for an
apply or fails having journaled nothing, and every acknowledged row is applied once."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest
from arro3.core import Array, DataType, Field, Schema, Table
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.errors import StoreUnavailable
from footfall.store.arrow import Rows
from footfall.store.duckdb import applier as applier_module
from footfall.store.duckdb.applier import Applier
from footfall.store.duckdb.journal import Journal
from tests.store.duckdb.test_journal import values

SCHEMA = Schema([Field("x", DataType.int64(), nullable=True)])


def table(xs: list[int]) -> Table:
    return Table.from_arrays([Array(xs, DataType.int64())], schema=SCHEMA)


class Store:
    """An insert that records what it applied, slowed so that writers outrun it."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.rows: list[int] = []
        self.applied = 0
        self.gate = threading.Event()
        self.gate.set()

    def insert(self, tables: list[Rows], last_seq: int) -> None:
        self.gate.wait()
        time.sleep(self.pause)
        self.rows += [x for t in tables for x in values(t)]
        self.applied = last_seq


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    writers=st.integers(1, 4),
    max_rows=st.integers(20, 120),
    pause=st.sampled_from([0.0, 0.01, 0.1]),
)
def test_the_backlog_stays_bounded_and_every_row_is_applied_once(
    tmp_path_factory: pytest.TempPathFactory, seed: int, writers: int, max_rows: int, pause: float
) -> None:
    rnd = random.Random(seed)
    store = Store(pause)
    applier = Applier(
        Journal(tmp_path_factory.mktemp("j"), SCHEMA), 0, store.insert, lambda: store.applied
    )
    applier.max_rows = max_rows
    applier.start()
    sizes = [[rnd.randint(1, 15) for _ in range(rnd.randint(5, 25))] for _ in range(writers)]
    seen: list[int] = []

    def write(w: int) -> None:
        for i, n in enumerate(sizes[w]):
            base = (w * 100 + i) * 100
            applier.append(table(list(range(base, base + n))))
            seen.append(applier.health.unapplied_events)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    applier.close()
    # An append goes ahead while the rows no apply has taken are below the bound: those
    # are at most the bound plus the batches appended at once (one per writer), and an
    # apply under way holds at most as many.
    assert max(seen) < 2 * (max_rows + 15 * writers)
    expected = sorted(
        x
        for w in range(writers)
        for i, n in enumerate(sizes[w])
        for x in range((w * 100 + i) * 100, (w * 100 + i) * 100 + n)
    )
    assert sorted(store.rows) == expected
    for w in range(writers):  # each writer's rows in its order
        mine = [x for x in store.rows if x // 10_000 == w]
        assert mine == sorted(mine)


def test_an_append_past_the_bound_fails_after_its_wait_and_journals_nothing(
    tmp_path: Path,
) -> None:
    store = Store(0.0)
    store.gate.clear()  # the apply is stuck (a slow disk, a long checkpoint)
    applier = Applier(Journal(tmp_path, SCHEMA), 0, store.insert, lambda: store.applied)
    applier.max_rows, applier.append_wait = 10, 0.3
    applier.start()
    applier.append(table(list(range(6))))
    applier._wake.set()  # the apply thread, now rather than in a second
    deadline = time.monotonic() + 10
    while applier._taken_rows == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert applier._taken_rows == 6  # the apply holds them, stuck: they do not count
    applier.append(table(list(range(6, 12))))
    applier.append(table(list(range(12, 16))))  # 10 rows no apply has taken: the bound
    with pytest.raises(StoreUnavailable) as refused:
        applier.append(table([99]))
    assert refused.value.retry_after == 2
    assert applier.health.backpressure_waits == 1
    assert applier.health.unapplied_events == 16
    # Once the apply moves again, a waiting append goes ahead.
    waiting = threading.Thread(target=applier.append, args=(table([16]),))
    waiting.start()
    time.sleep(0.05)
    assert waiting.is_alive()
    store.gate.set()
    waiting.join(10)
    assert not waiting.is_alive()
    applier.close()
    assert sorted(store.rows) == list(range(17))  # 99 was refused: never applied
    again = Applier(Journal(tmp_path, SCHEMA), store.applied, store.insert, lambda: 0)
    assert again.health.unapplied_events == 0  # and not in the journal either
    again.close()


def test_appends_pause_longer_as_the_backlog_nears_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)  # the applier's pause: recorded
    store = Store(0.0)
    applier = Applier(Journal(tmp_path, SCHEMA), 0, store.insert, lambda: store.applied)
    applier.max_rows = 100  # no apply thread: the backlog only grows
    for i in range(10):
        applier.append(table(list(range(i * 10, i * 10 + 10))))
    # Up to half the bound, no pause; past it, longer ones, capped.
    assert len(pauses) == 4  # the appends made at 60, 70, 80 and 90 rows
    assert pauses == sorted(pauses)
    assert pauses[0] > 0 and pauses[-1] <= applier_module.PAUSE_PER_ROW * 10
    applier.close()
    assert sorted(store.rows) == list(range(100))
