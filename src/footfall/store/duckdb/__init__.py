"""The embedded backend: one DuckDB file, an fsynced Arrow journal beside it (journal.py)
applied to the tables in the background (applier.py), and DuckDB's SQL dialect."""

from footfall.store.arrow import events_to_arrow
from footfall.store.duckdb.backend import DuckDBStore, open_backend

__all__ = ["DuckDBStore", "events_to_arrow", "open_backend"]
