"""Stats over DynamoDB: the days a question needs, loaded into an in-process DuckDB.

DynamoDB cannot aggregate, so a question over ``[start, end)`` becomes a *frame*: the
committed events of the UTC days around the range (one Query per site-day partition,
in parallel threads; closed days from the Parquet cache), applied to an in-memory
DuckDBStore, which splits visits by the rule (footfall/visits.py) exactly as the
embedded backend does and answers with the same SQL builder. The frame widens by a
day while a visit that matters to the range runs into its edge (a visitor active
across midnight), so visits are the rule's whatever the range. A frame is reused
while the ``gen`` of each of its days is unchanged (one small Query to check), so a
dashboard's dozen questions over one range load it once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from footfall.errors import QueryTimeout
from footfall.store.duckdb import EVENT_SCHEMA, DuckDBStore
from footfall.store.dynamo.events import Day, DayCache, days
from footfall.store.dynamo.table import Table

_FRAMES_KEPT = 8  # frames (in-memory DuckDBs) kept for reuse, least recently used out


@dataclass(frozen=True, slots=True)
class Frame:
    first: date
    last: date
    gens: tuple[tuple[date, str], ...]
    store: DuckDBStore
    events: int


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class Engine:
    def __init__(self, table: Table, cache: DayCache, timeout: timedelta,
                 pool: ThreadPoolExecutor, max_events: int) -> None:  # fmt: skip
        self.table = table
        self.cache = cache
        self.timeout = timeout
        self.pool = pool
        self.max_events = max_events
        self._frames: OrderedDict[tuple[int, date, date], Frame] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()
        self.loaded_days = 0  # partitions read from DynamoDB (not the cache): for the bench

    # loading -------------------------------------------------------------------
    def load(self, d: Day) -> pa.Table:
        return self.cache.load(self.table, d, datetime.now(UTC).date())

    def _load_all(self, wanted: list[Day]) -> pa.Table:
        tables = list(self.pool.map(self.load, wanted))
        self._check_deadline()
        return pa.concat_tables(tables) if tables else EVENT_SCHEMA.empty_table()

    def frame(self, site_id: int, start: datetime, end: datetime) -> DuckDBStore:
        """An in-memory store holding every event the rule needs to split the visits
        that touch ``[start, end)``."""
        first = (start - self.timeout).astimezone(UTC).date()
        last = (end + self.timeout).astimezone(UTC).date()
        asked = (site_id, first, last)
        with self._lock:
            known = self._frames.get(asked)
        if known is not None:
            current = tuple(
                (d.day, d.gen) for d in days(self.table, site_id, known.first, known.last)
            )
            if current == known.gens:
                with self._lock:
                    self._frames.move_to_end(asked)
                return known.store
        today = datetime.now(UTC).date()
        while True:
            held = days(self.table, site_id, first, last)
            count_guard = _Counter(self.max_events)
            table = self._load_all(held)
            count_guard.add(table.num_rows, first, last)
            store = DuckDBStore(":memory:", self.timeout)
            store.write_arrow(table)
            before, after = self._runs_over_edges(store, site_id, first, last, start, end)
            if not (before or (after and last <= today)):
                break
            store.close()
            first -= timedelta(days=1) if before else timedelta(0)
            last += timedelta(days=1) if after and last <= today else timedelta(0)
        built = Frame(first, last, tuple((d.day, d.gen) for d in held), store, table.num_rows)
        with self._lock:
            self._frames[asked] = built
            self._frames.move_to_end(asked)
            while len(self._frames) > _FRAMES_KEPT:
                self._frames.popitem(last=False)  # its store closes when unreferenced
        return store

    def _runs_over_edges(self, store: DuckDBStore, site_id: int, first: date, last: date,
                         start: datetime, end: datetime) -> tuple[bool, bool]:  # fmt: skip
        """Whether a visit touching the range may continue before (after) the frame:
        it starts (ends) within the timeout of the frame's edge."""
        lo = _midnight(first) + self.timeout
        hi = _midnight(last + timedelta(days=1)) - self.timeout
        rows = store.read(
            "SELECT coalesce(bool_or(started_at < $lo AND ended_at >= $start), false),"
            " coalesce(bool_or(ended_at > $hi AND started_at < $end), false)"
            " FROM visits WHERE site_id = $site",
            {
                "site": site_id,
                "lo": _naive(lo),
                "hi": _naive(hi),
                "start": _naive(start),
                "end": _naive(end),
            },
        )
        return bool(rows[0][0]), bool(rows[0][1])

    def whole(self, site_id: int, limit: int | None = None) -> DuckDBStore:
        """A frame of the site's first days holding at least ``limit`` events (all of
        them without a limit)."""
        held = days(self.table, site_id)
        if not held:
            return self.frame(site_id, _midnight(date(2000, 1, 1)), _midnight(date(2000, 1, 1)))
        last, total = held[-1].day, 0
        if limit is not None:
            for d in held:
                total += self.load(d).num_rows
                if total >= limit:
                    last = d.day
                    break
        return self.frame(site_id, _midnight(held[0].day), _midnight(last + timedelta(days=1)))

    # time limits ---------------------------------------------------------------
    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        outer = getattr(self._local, "deadline", None)
        self._local.deadline = (time.monotonic() + seconds, seconds)
        try:
            yield
        finally:
            self._local.deadline = outer

    def remaining(self) -> float | None:
        deadline = getattr(self._local, "deadline", None)
        return None if deadline is None else deadline[0] - time.monotonic()

    def _check_deadline(self) -> None:
        left = self.remaining()
        if left is not None and left <= 0:
            raise QueryTimeout(
                "the query ran longer than its time limit and was stopped; narrow the "
                "date range or ask for fewer dimensions",
                field="date_range",
            )


class _Counter:
    """The memory bound: a frame holds at most ``max_events`` events."""

    def __init__(self, max_events: int) -> None:
        self.max_events = max_events

    def add(self, count: int, first: date, last: date) -> None:
        if count > self.max_events:
            raise QueryTimeout(
                f"{first}..{last} holds {count} events, more than one question may read "
                f"here ({self.max_events}, FOOTFALL_DYNAMODB_MAX_EVENTS); narrow the date range",
                field="date_range",
            )


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)
