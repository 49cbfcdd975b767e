"""DynamoDB backend: one on-demand table holds everything (the free-tier stack).

``dynamodb://TABLE?region=REGION``. boto3 finds credentials and the endpoint itself
(``AWS_ENDPOINT_URL`` points it at moto_server in tests). The table, its index and
its TTL are created at open when missing. Catalog and accounts are small items with
conditional writes for uniqueness (store/dynamo/catalog.py, accounts.py); events sit
in one partition per site and UTC day, committed batch by batch
(store/dynamo/events.py); stats load the days a question needs into an in-process
DuckDB (store/dynamo/engine.py). The table design: docs/backends.md, "DynamoDB".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb

from footfall.archive import Archive
from footfall.domain import Event, FunnelStep, Goal, Site
from footfall.errors import ConfigError
from footfall.stats import overview
from footfall.stats.query import StatsQuery
from footfall.stats.realtime import WINDOW as REALTIME_WINDOW
from footfall.store.arrow import concat
from footfall.store.base import ApplyHealth
from footfall.store.duckdb import DuckDBStore
from footfall.store.duckdb.dialect import DUCKDB
from footfall.store.dynamo import events
from footfall.store.dynamo.accounts import DynamoAccounts
from footfall.store.dynamo.catalog import DynamoCatalog
from footfall.store.dynamo.engine import Engine
from footfall.store.dynamo.events import DayCache
from footfall.store.dynamo.imports import DynamoImports
from footfall.store.dynamo.mail import DynamoMailbox
from footfall.store.dynamo.security import DynamoTwoFactor
from footfall.store.dynamo.table import Table
from footfall.store.registry import Options
from footfall.store.sql import live

_WINDOW_EVENTS = (
    "SELECT site_id, timestamp, visitor_id, name FROM events"
    " WHERE site_id = $site AND timestamp >= $start AND timestamp < $end"
)
_RETENTION_TTL = 60.0  # seconds a site's retention is trusted before it is read again


class DynamoDBStore(DynamoCatalog, DynamoAccounts, DynamoMailbox, DynamoTwoFactor, DynamoImports):
    """Catalog, Accounts, Mailbox, EventLog, StatsEngine and ImportedData on one DynamoDB
    table.
    Thread-safe."""

    def __init__(self, table: str, region: str, options: Options) -> None:
        self.table = Table(table, region)
        self.table.ensure()
        # Reads (a frame's partitions) and writes (a batch's chunks) wait on the network
        # in threads of their own: a dashboard loading 30 days never holds up a commit.
        self._reads = ThreadPoolExecutor(8, thread_name_prefix="dynamodb-read")
        self._writes = ThreadPoolExecutor(4, thread_name_prefix="dynamodb-write")
        self.engine = Engine(
            self.table,
            DayCache(options.cache_dir, table),
            options.visit_timeout,
            self._reads,
            options.max_frame_events,
            archive=Archive(options.archive_url) if options.archive_url else None,
        )
        self._retention: dict[int, tuple[float, int | None]] = {}
        self._lock = threading.Lock()
        self._init_imports()

    # events ------------------------------------------------------------------
    def write_events(self, batch: Sequence[Event]) -> None:
        if batch:
            sites = {e.site_id for e in batch}
            events.write(
                self.table, batch, {s: self._retention_days(s) for s in sites}, self._writes
            )

    def _retention_days(self, site_id: int) -> int | None:
        now = time.monotonic()
        with self._lock:
            known = self._retention.get(site_id)
        if known is not None and now - known[0] < _RETENTION_TTL:
            return known[1]
        site = self.get_site_by_id(site_id)
        days = None if site is None else site.retention_days
        with self._lock:
            self._retention[site_id] = (now, days)
        return days

    def delete_events(
        self, site_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> None:
        events.delete(self.table, site_id, start, end)

    def count_events(self, site_id: int) -> int:
        return sum(self.engine.load(d).rows for d in events.days(self.table, site_id))

    def fetch_events(self, site_id: int, limit: int = 1000) -> list[dict[str, object]]:
        return self.engine.whole(site_id, limit).fetch_events(site_id, limit)

    def export_events(
        self, site_id: int, start: datetime, end: datetime, chunk: int = 10_000
    ) -> Iterator[list[Event]]:
        frame = self.engine.frame(site_id, start, end)
        yield from frame.export_events(site_id, start, end, chunk)

    def day_version(self, site_id: int, day: date) -> str | None:
        """The name of the day's content (``gen``; None: no events): the S3 archive
        stores it beside the day, so that the stats read it back while it holds."""
        held = events.days(self.table, site_id, day, day)
        return held[0].gen if held else None

    def health(self) -> ApplyHealth:
        return ApplyHealth()  # nothing is held in the process: a write is done or failed

    # stats -------------------------------------------------------------------
    def answer(self, query: StatsQuery, site: Site, goals: Sequence[Goal]) -> list[tuple[Any, ...]]:
        frame = self.engine.frame(site.id, query.start, query.end)
        with self._engine_limit(frame):
            return frame.answer(query, site, goals)

    def funnel(
        self, query: StatsQuery, site: Site, steps: Sequence[FunnelStep], goals: Sequence[Goal]
    ) -> list[int]:
        frame = self.engine.frame(site.id, query.start, query.end)
        with self._engine_limit(frame):
            return frame.funnel(query, site, steps, goals)

    def prop_keys(self, site: Site, start: datetime, end: datetime, limit: int) -> list[str]:
        frame = self.engine.frame(site.id, start, end)
        with self._engine_limit(frame):
            return frame.prop_keys(site, start, end, limit)

    def realtime(self, site: Site, now: datetime) -> list[tuple[Any, ...]]:
        frame = self.engine.frame(site.id, now - REALTIME_WINDOW, now + timedelta(microseconds=1))
        with self._engine_limit(frame):
            return frame.realtime(site, now)

    def overview(self, site_ids: Sequence[int], now: datetime) -> list[tuple[Any, ...]]:
        """Partitions are per site and day, so each site's last 48 hours come from its
        frame (kept and caught up as for any question); the one statement runs over
        their union in a throwaway in-process DuckDB."""
        if not site_ids:
            return []
        start, end = now - 2 * overview.DAY, now + timedelta(microseconds=1)
        parts = []
        for site_id in site_ids:
            frame = self.engine.frame(site_id, start, end)
            with self._engine_limit(frame):
                parts.append(frame.read_arrow(_WINDOW_EVENTS, {"site": site_id,
                             "start": _naive(start), "end": _naive(end)}))  # fmt: skip
        built = live.overview(site_ids, now, DUCKDB)
        with duckdb.connect(":memory:", config={"threads": "1"}) as con:
            con.register("events", concat(parts))
            return con.execute(built.sql, built.params).fetchall()

    def first_event_at(self, site_id: int) -> datetime | None:
        for d in events.days(self.table, site_id):
            stamps = self.engine.load(d).timestamps()
            if stamps:
                return min(stamps)
        return None

    def time_limit(self, seconds: float) -> AbstractContextManager[None]:
        return self.engine.time_limit(seconds)

    @contextmanager
    def _engine_limit(self, frame: DuckDBStore) -> Iterator[None]:
        """What is left of this thread's time limit, for the DuckDB part."""
        left = self.engine.remaining()
        if left is None:
            yield
            return
        with frame.time_limit(max(left, 0.001)):
            yield

    # health ------------------------------------------------------------------
    def ping(self) -> None:
        self.table.ping()

    def close(self) -> None:
        self._reads.shutdown(wait=True)
        self._writes.shutdown(wait=True)


def open_backend(url: str, options: Options) -> DynamoDBStore:
    """``dynamodb://TABLE?region=REGION`` (store/registry.py)."""
    parts = urlsplit(url)
    region = parse_qs(parts.query).get("region", [""])[0]
    if not parts.netloc or not region:
        raise ConfigError(f"not a DynamoDB URL: {url!r}; expected dynamodb://TABLE?region=REGION")
    return DynamoDBStore(parts.netloc, region, options)


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)
