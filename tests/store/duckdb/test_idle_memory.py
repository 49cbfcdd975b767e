"""An idle embedded store holds no transaction open: every statement a method runs is
finished before it returns, so DuckDB can drop the row versions of applied batches and
checkpoint (docs/performance.md, "Memory": an unfinished ``fetchone()`` on a reader's
cursor kept ~70 MB of applied events in memory)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from footfall.domain import Event
from footfall.store.duckdb import DuckDBStore

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _events(site_id: int, start: int, count: int) -> list[Event]:
    return [
        Event(site_id, T0 + timedelta(seconds=n), "pageview", "example.com", f"/{n % 7}", n, n)
        for n in range(start, start + count)
    ]


def _transaction_bytes(store: DuckDBStore) -> int:
    cur = store._db.cursor()
    try:
        rows = cur.execute(
            "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() "
            "WHERE tag = 'TRANSACTION'"
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
        assert _transaction_bytes(store) < 64 << 10
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
