"""``StatsEngine.time_limit`` for SQL backends: a deadline per thread, which each
backend enforces in its engine (DuckDB: interrupt; PostgreSQL: statement_timeout)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from footfall.errors import QueryTimeout


class TimeLimits:
    _local: threading.local  # the backend's per-thread state

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Reads by this thread inside the block stop once ``seconds`` have passed and
        raise QueryTimeout."""
        outer = getattr(self._local, "limit", None)
        self._local.limit = (time.monotonic() + seconds, seconds)
        try:
            yield
        finally:
            self._local.limit = outer

    def _remaining(self) -> float | None:
        """Seconds left to this thread's reads (None: no limit); QueryTimeout if none."""
        limit = getattr(self._local, "limit", None)
        if limit is None:
            return None
        remaining: float = limit[0] - time.monotonic()
        if remaining <= 0:
            raise self._timed_out()
        return remaining

    def _timed_out(self) -> QueryTimeout:
        limit = getattr(self._local, "limit", None)
        return QueryTimeout(
            f"the query ran longer than {limit[1] if limit else 0:.2g} s and was stopped; "
            "narrow the date range or ask for fewer dimensions",
            field="date_range",
        )
