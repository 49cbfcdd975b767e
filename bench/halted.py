"""A DuckDB store for benches that apply by hand (bench/apply_gil.py, bench/apply_cost.py):
a copy of a given store, its apply thread stopped and its back-pressure off, so that
journaled batches wait until the bench applies them."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Mapping
from pathlib import Path

from footfall.store.duckdb.applier import Applier
from footfall.store.duckdb.backend import DuckDBStore


def open_halted(
    db: str | None, work: Path, config: Mapping[str, str] | None = None, *, merging: bool
) -> tuple[DuckDBStore, Applier]:
    """The store at ``work``/store.duckdb (a copy of ``db`` when given) and its applier,
    whose thread is stopped; the merge thread too, restarted when ``merging``. Older
    code (by ``PYTHONPATH``, for A/B runs) may have no merge thread or back-pressure."""
    path = work / "store.duckdb"
    if db:
        shutil.copyfile(db, path)
    store = DuckDBStore(str(path), config=config)
    applier = store._applier
    assert applier is not None
    assert applier._thread is not None
    applier._closing = True  # the threads stop
    applier._wake.set()
    merge_wake = getattr(applier, "_merge_wake", None)
    if merge_wake is not None:
        merge_wake.set()
    applier._thread.join()
    merger = getattr(applier, "_merger", None)
    if merger is not None:
        merger.join()
    applier._closing = False
    if merger is not None and merging:
        applier._merger = threading.Thread(target=applier._merge_loop, daemon=True)
        applier._merger.start()
    applier.max_rows = 1 << 40  # nothing applies between the writes: no back-pressure
    return store, applier
