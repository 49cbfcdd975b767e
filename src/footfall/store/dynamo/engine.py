"""Stats over DynamoDB: the days a question needs, loaded into an in-process DuckDB.

DynamoDB cannot aggregate, so a question over ``[start, end)`` becomes a *frame*: the
committed events of the UTC days around the range (one Query per site-day partition,
in parallel threads; closed days from the Parquet cache), applied to an in-memory
DuckDBStore, which splits visits by the rule (footfall/visits.py) exactly as the
embedded backend does and answers with the same SQL builder. The frame widens by a
day while a visit that matters to the range runs into its edge (a visitor active
across midnight), so visits are the rule's whatever the range. A frame is reused
while the ``gen`` of each of its days is unchanged (one small Query to check), and
answers every question whose days it covers (a frame holds whole visits of whole
days, as the embedded store holds all of them), so a dashboard's dozen questions over
one range, its comparison's previous period and the realtime minutes load it once.
An ended day missing from the local cache is read, when FOOTFALL_ARCHIVE_URL is set,
from its S3 archive object (one GetObject) while the object names the day's current
``gen`` (footfall/archive.py), and from DynamoDB otherwise; either way it is split
within the day and cached. A new task (an empty disk) so reads DynamoDB only for
today and for the days changed or not archived since.
Kept frames are bounded by bytes (DuckDB's own count of the memory each holds); their
DuckDB's threads and memory limit come from the cgroup (store/budget.py).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from arro3.core import Table as ArrowTable

from footfall.archive import Archive
from footfall.errors import QueryTimeout, StoreError, StoreUnavailable
from footfall.store.arrow import concat, duckdb_columns
from footfall.store.budget import MB, Budget, detect
from footfall.store.duckdb import DuckDBStore
from footfall.store.duckdb.dialect import DUCKDB
from footfall.store.dynamo.events import Day, DayCache, Part, committed_items, days, to_arrow
from footfall.store.dynamo.table import Table
from footfall.store.sql.limits import TimeLimits

log = logging.getLogger(__name__)
_MEMORY = "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()"
_SCRATCH_BYTES = 16 * MB  # the scratch store is made again past this (Engine.load)
# An archived day's events as the events table's Arrow schema, session ids 0.
ARCHIVED_COLUMNS = duckdb_columns({"session_id": "0::BIGINT"})


@dataclass(slots=True, eq=False)
class Frame:
    """An in-memory store over the site's days ``first``..``last``: what each day held
    when read (``names``: gen and delete token), and the sort keys of the events of the
    days read from DynamoDB (None: read from the Parquet cache); ``size``: the bytes
    its DuckDB holds."""

    site_id: int
    first: date
    last: date
    names: dict[date, tuple[str, str]]
    keys: dict[date, set[str] | None]
    store: DuckDBStore
    events: int
    size: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def covers(self, site_id: int, first: date, last: date) -> bool:
        return self.site_id == site_id and self.first <= first and last <= self.last

    def measure(self) -> None:
        self.size = int(self.store.read(_MEMORY, {})[0][0])


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class Engine(TimeLimits):
    def __init__(self, table: Table, cache: DayCache, timeout: timedelta,
                 pool: ThreadPoolExecutor, max_events: int,
                 budget: Budget | None = None,
                 archive: Archive | None = None) -> None:  # fmt: skip
        self.table = table
        self.archive = archive  # closed days as Parquet in S3 (footfall/archive.py)
        self.cache = cache
        self.timeout = timeout
        self.pool = pool
        self.max_events = max_events  # in any one frame
        self.budget = budget or detect()
        # A frame's DuckDB: the task's whole CPUs (one on a quarter-core task) and a
        # memory limit past which it spills to disk instead of growing.
        self.duckdb_config = {
            **self.budget.duckdb_settings(),
            "temp_directory": str(cache.root / "spill"),
        }
        # Kept frames, least recently used first, within budget.frames bytes.
        self._frames: OrderedDict[int, Frame] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()  # TimeLimits': this thread's time limit
        self._scratch: DuckDBStore | None = None
        self._scratch_lock = threading.Lock()

    # loading -------------------------------------------------------------------
    def load(self, d: Day) -> Part:
        """A day's part: an ended day's from the cache, or split and cached; today's raw
        (an ended day too when its files cannot be written: a full disk)."""
        ended = d.day < datetime.now(UTC).date()
        if ended and (cached := self.cache.read(d)) is not None:
            return cached
        keys: set[str] | None = None  # not known for a day read from the archive
        raw = self._archived(d) if ended else None
        if raw is None:
            items = list(committed_items(self.table, d.site_id, d.day))
            raw = to_arrow(d.site_id, (v for _, v in items))
            keys = {k for k, _ in items}
        if ended:
            # One empty in-memory store splits every day, one day at a time (made once:
            # a store costs ~30 ms to set up, a day's split a few; the reading threads
            # wait on the network, the split is CPU the task has a fraction of).
            with self._scratch_lock:
                if self._scratch is None:
                    self._scratch = DuckDBStore(":memory:", self.timeout, self.duckdb_config)
                try:
                    self._scratch.write_arrow(raw)
                    return self.cache.write(d, self._scratch.copy_to_parquet, keys)
                except OSError as exc:
                    log.warning("cannot cache %s of site %s: %s", d.day, d.site_id, exc)
                finally:
                    self._scratch.delete_events(d.site_id)
                    # DuckDB keeps an in-memory table's deleted rows' blocks: ≈ 1.4 MB a
                    # day of 3 300 events, 85 MB over a cold 60-day view. A new store
                    # once it holds more than a few days' worth frees them.
                    if int(self._scratch.read(_MEMORY, {})[0][0]) > _SCRATCH_BYTES:
                        self._scratch.close()
                        self._scratch = None
        return Part(raw.num_rows, keys, raw=raw)

    def _archived(self, d: Day) -> ArrowTable | None:
        """The day's events from the archive, with session ids to split (0), when its
        object was written under the day's current ``gen``; None otherwise (read the
        table instead: S3 unreachable or refusing is not an error for a question)."""
        if self.archive is None:
            return None
        try:
            # session ids 0: split again, within the day
            table = self.archive.read(d.site_id, d.day, d.gen, ARCHIVED_COLUMNS)
        except (StoreError, StoreUnavailable) as exc:
            log.warning("archive of site %s on %s unreadable: %s", d.site_id, d.day, exc)
            return None
        return table

    def frame(self, site_id: int, start: datetime, end: datetime) -> DuckDBStore:
        """An in-memory store holding every event the rule needs to split the visits
        that touch ``[start, end)``, current with the table."""
        first = (start - self.timeout).astimezone(UTC).date()
        last = (end + self.timeout).astimezone(UTC).date()
        with self._lock:  # the most recently used kept frame over these days
            known = next(
                (f for f in reversed(self._frames.values()) if f.covers(site_id, first, last)),
                None,
            )
        if known is not None:
            if self._catch_up(known, site_id, start, end):
                with self._lock:
                    if id(known) in self._frames:
                        self._frames.move_to_end(id(known))
                return known.store
            with self._lock:  # stale: built again below
                self._frames.pop(id(known), None)
        built = self._build(site_id, first, last, start, end)
        with self._lock:
            for other in [f for f in self._frames.values() if built.covers(f.site_id, f.first,
                                                                             f.last)]:  # fmt: skip
                del self._frames[id(other)]  # the new frame answers all it did
            self._frames[id(built)] = built
            while len(self._frames) > 1 and self.kept_bytes() > self.budget.frames:
                self._frames.popitem(last=False)  # its store closes when unreferenced
        return built.store

    def kept_bytes(self) -> int:
        """The bytes the kept frames hold (as last measured; call with the lock)."""
        return sum(f.size for f in self._frames.values())

    def _build(
        self, site_id: int, first: date, last: date, start: datetime, end: datetime
    ) -> Frame:
        while True:
            held = days(self.table, site_id, first, last)
            parts = list(self.pool.map(self.load, held))
            self._remaining()  # QueryTimeout once the time limit has passed
            count = sum(p.rows for p in parts)
            if count > self.max_events:
                raise QueryTimeout(
                    f"{first}..{last} holds {count} events, more than one question may read "
                    f"({self.max_events}, FOOTFALL_DYNAMODB_MAX_EVENTS); narrow the date range",
                    field="date_range",
                )
            # The window for time on page: a day cached before the stored previous
            # pageview (migration 013) has none (store/duckdb/dialect.py).
            store = DuckDBStore(":memory:", self.timeout, self.duckdb_config, dialect=DUCKDB)
            split = [(d, p.files) for d, p in zip(held, parts, strict=True) if p.files]
            if split:
                store.load_split([f[0] for _, f in split], [f[1] for _, f in split])
                store.resplit_near([_midnight(d.day) for d, _ in split[1:]])
            raw = [p.raw for p in parts if p.raw is not None]
            if raw:
                store.write_arrow(concat(raw))
            before, after = self._runs_over_edges(store, site_id, first, last, start, end)
            if not (before or after):
                names = {d.day: (d.gen, d.cut) for d in held}
                keys = {d.day: p.keys for d, p in zip(held, parts, strict=True)}
                frame = Frame(site_id, first, last, names, keys, store, count)
                frame.measure()
                return frame
            store.close()
            first -= timedelta(days=1) if before else timedelta(0)
            last += timedelta(days=1) if after else timedelta(0)

    def _catch_up(self, frame: Frame, site_id: int, start: datetime, end: datetime) -> bool:
        """Bring ``frame`` up to date by applying the events committed since it was read
        (new batches of days read from DynamoDB: today's); False when it cannot be
        (events deleted, a cached day changed, a visit now runs over its edge)."""
        with frame.lock:
            current = days(self.table, site_id, frame.first, frame.last)
            changed = [d for d in current if frame.names.get(d.day) != (d.gen, d.cut)]
            if not changed:
                return len(current) == len(frame.names) and not any(
                    self._runs_over_edges(frame.store, site_id, frame.first, frame.last, start, end)
                )
            for d in changed:
                old = frame.names.get(d.day, ("", ""))
                if d.cut != old[1] or (d.day in frame.keys and frame.keys[d.day] is None):
                    return False
            for d in changed:
                seen = frame.keys.setdefault(d.day, set())
                assert seen is not None
                new = [
                    (k, v) for k, v in committed_items(self.table, site_id, d.day) if k not in seen
                ]
                if new:
                    frame.store.write_arrow(to_arrow(site_id, (v for _, v in new)))
                    seen.update(k for k, _ in new)
                    frame.events += len(new)
                frame.names[d.day] = (d.gen, d.cut)
            frame.measure()
            return not any(
                self._runs_over_edges(frame.store, site_id, frame.first, frame.last, start, end)
            )

    def _runs_over_edges(self, store: DuckDBStore, site_id: int, first: date, last: date,
                         start: datetime, end: datetime) -> tuple[bool, bool]:  # fmt: skip
        """Whether a visit touching the range may continue before (after) the frame:
        it starts (ends) within the timeout of the frame's edge."""
        lo = _midnight(first) + self.timeout
        hi = _midnight(last + timedelta(days=1)) - self.timeout
        if last > datetime.now(UTC).date():
            hi = datetime.max.replace(tzinfo=UTC)  # no events after today to load
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
                total += self.load(d).rows
                if total >= limit:
                    last = d.day
                    break
        return self.frame(site_id, _midnight(held[0].day), _midnight(last + timedelta(days=1)))

    def remaining(self) -> float | None:
        """Seconds left of this thread's time limit (None: none); QueryTimeout if none."""
        return self._remaining()


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)
