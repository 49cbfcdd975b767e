"""Storage backends behind four small protocols (base.py), picked by URL (registry.py)."""

import os

from footfall.store.budget import JEMALLOC_CONF

os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", JEMALLOC_CONF)  # before duckdb loads
