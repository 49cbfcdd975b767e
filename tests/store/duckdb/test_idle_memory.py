"""An idle embedded store holds no transaction open: every statement a method runs is
finished before it returns, so DuckDB can drop the row versions of applied batches and
checkpoint (docs/performance.md, "Memory": an unfinished ``fetchone()`` on a reader's
cursor kept ~70 MB of applied events in memory)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footfall.domain import Event
from footfall.store.duckdb import DuckDBStore

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _events(site_id: int, start: int, count: int) -> list[Event]:
    return [
        Event(site_id, T0 + timedelta(seconds=n), "pageview", "example.com", f"/{n % 7}", n, n)
        for n in range(start, start + count)
    ]


def _memory_bytes(store: DuckDBStore, tag: str) -> int:
    """What DuckDB holds in memory for ``tag`` (TRANSACTION, BASE_TABLE, ...)."""
    cur = store._db.cursor()
    try:
        rows = cur.execute(
            "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = $tag",
            {"tag": tag},
        ).fetchall()
    finally:
        cur.close()
    return int(rows[0][0])


@pytest.mark.parametrize("seed", range(3))
def test_readers_leave_no_transaction_open(store: DuckDBStore, seed: int) -> None:
    site = store.add_site("example.com", "UTC", "u1")
    reads: list[Callable[[], object]] = [
        lambda: store.get_site("example.com"),
        lambda: store.count_events(site.id),
        lambda: store.first_event_at(site.id),
        store.ping,
        lambda: store.list_goals(site.id),
        lambda: store.read("SELECT count(*) FROM visits", {}),
    ]
    random.Random(seed).shuffle(reads)
    # Each reader thread keeps its own cursor while it lives, as the server's read
    # pool's threads do: they stay alive, idle, across the batches applied after.
    with ThreadPoolExecutor(len(reads)) as pool:
        started = threading.Barrier(len(reads))

        def read_then_idle(read: Callable[[], object]) -> None:
            read()
            started.wait()  # every thread holds its own cursor

        list(pool.map(read_then_idle, reads))
        for batch in range(4):
            store.write_events(_events(site.id, batch * 500, 500))
            store.apply_pending()
        assert store.count_events(site.id) == 2000
        # The undo of the applied batches is gone (1 MiB with one reader left open).
        assert _memory_bytes(store, "TRANSACTION") < 64 << 10
        cur = store._db.cursor()
        try:
            cur.execute("CHECKPOINT")  # refused while another transaction writes
        finally:
            cur.close()


def _setting(store: DuckDBStore, name: str) -> str:
    cur = store._db.cursor()
    try:
        rows = cur.execute("SELECT current_setting($name)", {"name": name}).fetchall()
    finally:
        cur.close()
    return str(rows[0][0])


def test_the_idle_release_beside_readers_keeps_the_limit_and_fails_nothing(
    store: DuckDBStore,
) -> None:
    """release_idle_memory (a CHECKPOINT, the memory limit set again) while readers and
    the ingest run: every read answers, every event lands, the limit reads back the same."""
    site = store.add_site("example.com", "UTC", "u1")
    limit = _setting(store, "memory_limit")
    stop = threading.Event()

    def read() -> int:
        answered = 0
        while not stop.is_set():
            [(count,)] = store.read("SELECT count(*) FROM events, visits LIMIT 1", {})
            assert count >= 0
            answered += 1
        return answered

    with ThreadPoolExecutor(3) as pool:
        readers = [pool.submit(read) for _ in range(2)]
        released = 0
        for batch in range(8):
            store.write_events(_events(site.id, batch * 250, 250))
            released += store.release_idle_memory()
            store.apply_pending()
        stop.set()
        assert all(reader.result() > 0 for reader in readers)
    assert released > 0
    assert store.count_events(site.id) == 2000
    assert _setting(store, "memory_limit") == limit


def test_the_apply_thread_releases_once_the_store_is_quiet(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("footfall.store.duckdb.backend.IDLE_TICKS", 1)
    site = store.add_site("example.com", "UTC", "u1")
    store.write_events(_events(site.id, 0, 100))
    assert store.count_events(site.id) == 100
    wake = threading.Event()
    for _ in range(600):  # the apply thread ticks every second; a generous bound
        if store.released:
            break
        wake.wait(0.1)
    assert store.released == 1  # once per quiet period


BALLAST = 600_000  # rows of md5 strings: their blocks, past twice the largest EVICT_LIMITS


def _ballast(store: DuckDBStore) -> None:
    cur = store._db.cursor()
    try:
        cur.execute(
            "CREATE TABLE ballast AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range($n)",
            {"n": BALLAST},
        )
    finally:
        cur.close()


def test_the_idle_release_evicts_the_cached_blocks(store: DuckDBStore) -> None:
    _ballast(store)
    store.release_idle_memory()  # the ballast checkpointed: its blocks clean, evictable
    [(distinct,)] = store.read("SELECT count(DISTINCT s) FROM ballast", {})
    assert distinct == BALLAST
    assert _memory_bytes(store, "BASE_TABLE") > 8 << 20  # the scan left its blocks cached
    assert store.release_idle_memory()
    assert _memory_bytes(store, "BASE_TABLE") <= 1 << 20  # nothing pinned: the first limit
    [(again,)] = store.read("SELECT count(DISTINCT s) FROM ballast", {})  # read back in
    assert again == BALLAST


def test_a_refused_limit_falls_back_to_the_next(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB refuses a limit below what stays pinned ("could not free up enough
    memory": 1 KiB mostly is): the release then takes the next limit, and evicts."""
    monkeypatch.setattr("footfall.store.duckdb.backend.EVICT_LIMITS", ("1KiB", "8MiB"))
    _ballast(store)
    store.release_idle_memory()
    store.read("SELECT count(DISTINCT s) FROM ballast", {})
    assert _memory_bytes(store, "BASE_TABLE") > 8 << 20
    limit, evictions = _setting(store, "memory_limit"), store.evicted
    assert store.release_idle_memory()
    assert store.evicted == evictions + 1
    assert _memory_bytes(store, "BASE_TABLE") <= 8 << 20
    assert _setting(store, "memory_limit") == limit


@pytest.mark.parametrize("seed", range(2))
def test_readers_beside_evictions_wait_and_answer_right(store: DuckDBStore, seed: int) -> None:
    """Readers of every path hammer the store while the release evicts again and again:
    statements that need far more than the lowered limit (a hash of every ballast row)
    wait at the gate instead of failing; every answer is right; the limit reads back."""
    site = store.add_site("example.com", "UTC", "u1")
    store.write_events(_events(site.id, 0, 500))
    store.apply_pending()
    _ballast(store)
    limit = _setting(store, "memory_limit")
    reads: list[tuple[Callable[[], object], object]] = [
        (lambda: store.read("SELECT count(DISTINCT s) FROM ballast", {}), [(BALLAST,)]),
        (lambda: store.read_arrow("SELECT max(s) FROM ballast", {}).num_rows, 1),
        (lambda: store.count_events(site.id), 500),
        (lambda: len(store.fetch_events(site.id, 1000)), 500),
        (lambda: sum(map(len, store.export_events(site.id, T0, T0 + timedelta(1), 97))), 500),
        (lambda: store.get_site("example.com"), site),
        (store.ping, None),
    ]
    random.Random(seed).shuffle(reads)
    stop = threading.Event()

    def hammer(read: Callable[[], object], expected: object) -> int:
        answered = 0
        while not stop.is_set() or not answered:
            assert read() == expected
            answered += 1
        return answered

    with ThreadPoolExecutor(len(reads)) as pool:
        readers = [pool.submit(hammer, read, expected) for read, expected in reads]
        for _ in range(6):
            store.release_idle_memory()
        stop.set()
        assert all(reader.result() > 0 for reader in readers)
    assert store.evicted == 6  # every release got through the readers
    assert _setting(store, "memory_limit") == limit


def test_a_read_arriving_at_the_lowered_limit_waits_instead_of_failing(
    store: DuckDBStore,
) -> None:
    """At 8 MiB a hash of every ballast row fails (Out of Memory); a read that arrives
    while the release holds the gate closed waits until the limit is back, and answers."""
    _ballast(store)
    limit = _setting(store, "memory_limit")
    cur = store._db.cursor()
    with ThreadPoolExecutor(1) as pool:
        with store._gate.closed(1.0) as shut:
            assert shut
            cur.execute("SET memory_limit = '8MiB'")
            reader = pool.submit(store.read, "SELECT count(DISTINCT s) FROM ballast", {})
            threading.Event().wait(0.2)  # not an assertion on time: it must not be done
            assert not reader.done()
            cur.execute(f"SET memory_limit = '{limit}'")
        assert reader.result() == [(BALLAST,)]
    cur.close()


# A process of its own (pytest's RSS is every earlier test's): a store with the ballast
# read into DuckDB's cache, its RSS before and after one release.
_RELEASE_IN_A_PROCESS = """
import json, os, sys
from footfall.store.duckdb import DuckDBStore

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def cached(store):
    cur = store._db.cursor()
    [(n,)] = cur.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() "
        "WHERE tag = 'BASE_TABLE'"
    ).fetchall()
    cur.close()
    return int(n)

store = DuckDBStore(sys.argv[1])
cur = store._db.cursor()
cur.execute(
    "CREATE TABLE ballast AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range($n)",
    {"n": int(sys.argv[2])},
)
cur.close()
store.release_idle_memory()  # checkpointed: the ballast's blocks clean, evictable
store.read("SELECT count(DISTINCT s) FROM ballast", {})
before, held = rss(), cached(store)
store.release_idle_memory()
print(json.dumps({"before": before, "after": rss(), "cached": held, "left": cached(store)}))
store.close()
"""


def test_the_idle_release_returns_the_memory_to_the_system(tmp_path: Path) -> None:
    """The process's RSS drops by at least what DuckDB had cached and evicted: the
    evicted blocks' pages go back to the system, not to an allocator that keeps them."""
    out = subprocess.run(
        [sys.executable, "-c", _RELEASE_IN_A_PROCESS, str(tmp_path / "s.duckdb"), str(BALLAST)],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    found = json.loads(out.splitlines()[-1])
    assert found["cached"] > 8 << 20 and found["left"] <= 1 << 20
    assert found["before"] - found["after"] >= found["cached"] - found["left"]
