"""The embedded store on a real, small disk that fills up and frees again.

Whatever the order of writes, fills, frees, applies and checkpoints, the store keeps
exactly the batches it acknowledged: a refused batch leaves nothing behind, an
acknowledged one survives failed applies, an invalidated database and a restart.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import Event
from footfall.errors import StoreUnavailable
from footfall.store.base import ApplyHealth
from footfall.store.duckdb import DuckDBStore
from tests.disk import SmallDisk, small_disk

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
_ids = itertools.count()


def batch(site_id: int, size: int) -> list[Event]:
    out = []
    for _ in range(size):
        n = next(_ids)
        ts = T0 + timedelta(seconds=n % 86_400)
        out.append(Event(site_id, ts, "pageview", "a.com", f"/p{n}", n % 97, n, props={"k": "v"}))
    return out


def stored_paths(path: Path, site_id: int) -> list[str]:
    store = DuckDBStore(str(path))  # a restart: journal recovery included
    try:
        rows = store._cur.execute("SELECT pathname FROM events WHERE site_id = ?", [site_id])
        return sorted(r[0] for r in rows.fetchall())
    finally:
        store.close()


def checkpoint(store: DuckDBStore) -> None:
    """What DuckDB does by itself once its WAL is large; forced here."""
    with contextlib.suppress(duckdb.Error, StoreUnavailable):
        store._cur.execute("CHECKPOINT")  # a full disk: a fatal error, the database invalid


Op = tuple[str, int]
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(1, 300)),
        st.tuples(st.sampled_from(["fill", "free", "apply", "checkpoint", "read"]), st.just(0)),
    ),
    min_size=4,
    max_size=25,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_only_and_all_acknowledged_events_survive_any_sequence_of_faults(
    tmp_path_factory: pytest.TempPathFactory, ops: list[Op]
) -> None:
    with small_disk(tmp_path_factory.mktemp("disk"), 24) as disk:
        db = disk.path / "s.duckdb"
        store = DuckDBStore(str(db))
        site = store.add_site("a.com", "UTC", "u")
        acked: list[str] = []
        for op, size in ops:
            if op == "write":
                events = batch(site.id, size)
                try:
                    store.write_events(events)
                except StoreUnavailable:
                    continue
                acked.extend(e.pathname for e in events)
            elif op == "fill":
                disk.fill()
            elif op == "free":
                disk.free()
            elif op == "checkpoint":
                checkpoint(store)
            else:
                with contextlib.suppress(StoreUnavailable):
                    store.count_events(site.id) if op == "read" else store.apply_pending()
        disk.free()
        store.close()
        assert stored_paths(db, site.id) == sorted(acked)


@contextlib.contextmanager
def journaled_but_not_applied(tmp_path: Path) -> Iterator[tuple[SmallDisk, DuckDBStore, int]]:
    """The database on a disk that is full, its journal on another that has room: the
    batches are committed (journaled) and cannot be moved into the table."""
    with (
        small_disk(tmp_path / "db", 24) as db_disk,
        small_disk(tmp_path / "db" / "s.duckdb.journal", 64),
    ):
        store = DuckDBStore(str(db_disk.path / "s.duckdb"))
        site = store.add_site("a.com", "UTC", "u")
        db_disk.fill()
        try:
            yield db_disk, store, site.id
        finally:
            db_disk.free()
            store.close()


def test_a_failing_apply_keeps_the_journal_and_says_so(tmp_path: Path) -> None:
    with journaled_but_not_applied(tmp_path) as (disk, store, site_id):
        events = batch(site_id, 2000)
        store.write_events(events)  # durable in the journal: a 2xx is right
        with pytest.raises(StoreUnavailable):
            store.apply_pending()
        with pytest.raises(StoreUnavailable):
            store.count_events(site_id)  # never an answer that misses committed events
        with pytest.raises(StoreUnavailable):
            store.ping()  # /ready fails
        health = store.health()
        assert health.failing and health.failures >= 1 and health.unapplied_events == 2000
        assert list((disk.path / "s.duckdb.journal").glob("*.arrow"))
        disk.free()
        store.apply_pending()
        store.ping()
        assert store.health() == ApplyHealth(failures=store.health().failures)
        store.close()
        assert stored_paths(disk.path / "s.duckdb", site_id) == sorted(e.pathname for e in events)


def test_the_applier_recovers_by_itself_from_a_fatal_database_error(tmp_path: Path) -> None:
    with journaled_but_not_applied(tmp_path) as (disk, store, site_id):
        events = batch(site_id, 3000)
        store.write_events(events)
        checkpoint(store)  # fails for want of space: DuckDB invalidates the database
        with pytest.raises(StoreUnavailable):
            store.ping()
        disk.free()
        deadline = time.monotonic() + 60  # the applier backs off to 5 s at most
        while store.health().unapplied_events and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.health().unapplied_events == 0, store.health()
        assert store.count_events(site_id) == len(events)
        store.close()
        assert stored_paths(disk.path / "s.duckdb", site_id) == sorted(e.pathname for e in events)


def test_ready_fails_while_the_journal_cannot_be_written(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 24) as disk:
        store = DuckDBStore(str(disk.path / "s.duckdb"))
        site = store.add_site("a.com", "UTC", "u")
        store.ping()
        disk.fill()
        with pytest.raises(StoreUnavailable, match="disk is full"):
            store.ping()  # before any write has failed: /ready drains the task already
        with pytest.raises(StoreUnavailable, match="journal"):
            store.write_events(batch(site.id, 50))
        with pytest.raises(StoreUnavailable, match="journal"):
            store.ping()
        disk.free()
        store.apply_pending()  # the applier's next round sees the room
        store.ping()
        store.write_events(batch(site.id, 50))
        assert store.count_events(site.id) == 50
        store.close()
