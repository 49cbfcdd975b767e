"""The DuckDB backend's own tests get the backend object itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from footfall.store.duckdb import DuckDBStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    s = DuckDBStore(str(tmp_path / "store.duckdb"))
    yield s
    s.close()
