"""Everything a running app holds, built once from settings (fails fast on bad config)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from footfall.apikeys import KeyRing
from footfall.config import Settings, resolve_secret, secret_checks
from footfall.errors import ConfigError, FootfallError
from footfall.imports.jobs import ImportJobs
from footfall.ingest.buffer import FlushStats, WriteBuffer
from footfall.ingest.enrich.geo import GeoLocator
from footfall.ingest.limits import IngestLimits
from footfall.ingest.pipeline import Pipeline
from footfall.ingest.service import Ingestor
from footfall.ingest.site_cache import SiteCache
from footfall.ingest.visitor import VisitorHasher
from footfall.mail import smtp
from footfall.mail.outbox import Outbox
from footfall.mail.reports import Scheduler
from footfall.metrics import Metrics
from footfall.offload import guard_loop, offload
from footfall.shared import Bus, Shared
from footfall.store.base import ColumnWriter, Rollups
from footfall.store.registry import Stores, open_stores
from footfall.web.readpool import ReadPool

log = logging.getLogger(__name__)
# Rolling up: days per call (a busy day's filtered rows take seconds to roll up,
# docs/performance.md), and calls per minute: up to a year of days a minute.
ROLL_DAYS = 2
ROLL_CALLS = 183
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    stores: Stores
    keys: KeyRing
    sites: SiteCache
    pipeline: Pipeline
    metrics: Metrics
    admin_token: str
    clock: Clock
    reads: ReadPool
    # Store writes of ingest (the write buffer's flushes, FOOTFALL_FLUSH_CONCURRENCY at
    # once): threads no stats query can take, unlike asyncio's default pool.
    ingest_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="footfall-ingest")
    )
    lookup_executor: ThreadPoolExecutor | None = None
    buffer: WriteBuffer | None = None
    # False when the caller passed the stores in (several apps may share them): it closes them
    owns_stores: bool = True
    ingestor: Ingestor | None = None
    shared: Shared | None = None  # FOOTFALL_REDIS_URL
    bus: Bus | None = None
    ingest_limits: IngestLimits | None = None
    mail: Outbox | None = None  # email (footfall/mail); ``enabled`` only with FOOTFALL_SMTP_URL
    reports: Scheduler | None = None  # queues due reports and alerts (footfall/mail/reports.py)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _import_jobs: ImportJobs | None = None

    def import_jobs(self) -> ImportJobs:
        """Imports started from the settings page (made at the first use)."""
        if self._import_jobs is None:
            self._import_jobs = ImportJobs(self.stores)
        return self._import_jobs

    @classmethod
    def build(
        cls, settings: Settings, stores: Stores | None = None, clock: Clock = utc_now
    ) -> Services:
        owns_stores = stores is None
        if stores is None:
            stores = open_stores(settings.database_url, settings.events_url, settings.store_options)
        with secret_checks():  # zxcvbn loaded once for both
            secret = resolve_secret(settings, "secret_key", settings.secret_key)
            admin_token = resolve_secret(settings, "admin_token", settings.admin_token)
        # Cache misses of the ingest and API-key hot path: threads no stats query, page
        # or flush can take, so ingest is answered whatever else keeps the pools busy.
        lookups = ThreadPoolExecutor(2, thread_name_prefix="footfall-lookup")
        sites = SiteCache(stores.catalog, executor=lookups)
        try:
            geo = GeoLocator(settings.geoip_db)
        except ValueError as exc:
            raise ConfigError(f"FOOTFALL_GEOIP_DB: {exc}") from None
        pipeline = Pipeline(sites, VisitorHasher(stores.catalog, clock), geo)
        metrics = Metrics()
        metrics.watch_steps(lambda: pipeline.step_ns)
        metrics.watch_store(stores.health)
        svc = cls(
            settings,
            stores,
            KeyRing(stores.catalog, secret, clock, lookups),
            sites,
            pipeline,
            metrics,
            admin_token,
            clock,
            ReadPool(
                stores.stats,
                settings.stats_threads,
                settings.stats_per_caller,
                settings.query_timeout_seconds,
            ),
            owns_stores=owns_stores,
            ingest_executor=ThreadPoolExecutor(
                settings.flush_writers, thread_name_prefix="footfall-ingest"
            ),
            lookup_executor=lookups,
        )
        if settings.redis_url:
            svc.share(Shared(settings.redis_url, settings.redis_password))
        smtp_config = smtp.from_settings(
            settings.smtp_url, settings.smtp_password, settings.email_from
        )
        counted = metrics.mail.labels
        svc.mail = Outbox(stores.mailbox, smtp_config, clock, lambda o: counted(o).inc())
        svc.reports = Scheduler(stores, svc.mail, secret.encode(), settings.origin, clock)
        svc.ingest_limits = IngestLimits(
            settings.ingest_limit_per_key, settings.ingest_limit_per_ip, clock, svc.shared
        )
        return svc

    def share(self, shared: Shared) -> None:
        """Tell the other replicas about site and key changes through Redis, and hear
        theirs (the login limiter shares it too: web/pages)."""
        self.shared = shared
        self.sites.announce = self.keys.announce = shared.announce

        def news() -> None:
            self.sites.forget()
            self.keys.forget()

        self.bus = Bus(shared, news)

    def _on_flush(self, stats: FlushStats) -> None:
        self.metrics.flush_seconds.observe(stats.seconds)
        self.metrics.flush_events.observe(stats.events)

    async def start(self) -> None:
        """Start what needs the running event loop: the write buffer and housekeeping."""
        guard_loop(asyncio.get_running_loop())
        s, events = self.settings, self.stores.events
        self.buffer = WriteBuffer(
            events.write_events,
            interval=s.flush_interval_ms / 1000,
            quiet=s.flush_quiet,
            max_events=s.flush_max_events,
            high_water=s.buffer_high_water,
            on_flush=self._on_flush,
            executor=self.ingest_executor,
            concurrency=s.flush_writers,
            write_columns=events.write_columns if isinstance(events, ColumnWriter) else None,
        )
        self.buffer.start()
        self.metrics.buffer_depth.set_function(lambda: self.buffer.depth if self.buffer else 0)
        self.ingestor = Ingestor(self.pipeline, self.buffer, self.metrics)
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="housekeeping"))
        if s.archive_url:
            self._tasks.append(asyncio.create_task(self._archiving(), name="archive"))
        if self.mail is not None and self.mail.enabled:
            self._tasks.append(asyncio.create_task(self.mail.run(), name="mail"))
        if self.reports is not None and self.mail is not None and self.mail.enabled:
            self._tasks.append(asyncio.create_task(self._reporting(self.reports), name="reports"))
        self._tasks.append(asyncio.create_task(self._retention(), name="retention"))
        if self.stores.rollups is not None:
            rolling = self._rolling_up(self.stores.rollups)
            self._tasks.append(asyncio.create_task(rolling, name="rollups"))

    async def _archiving(self, every: float = 3600.0) -> None:
        """Each hour, write the days that have ended to the S3 archive (footfall/archive.py)."""
        from footfall.archive import Archive, archive_closed_days

        archive, s = Archive(self.settings.archive_url), self.stores
        while True:
            try:
                await offload(
                    archive_closed_days, archive, s.catalog, s.stats, s.events, self.clock()
                )
            except Exception:  # the next hour tries again; the days stay in the store
                log.exception("archiving closed days failed")
            await asyncio.sleep(every)

    async def _retention(self, every: float = 3600.0) -> None:
        """Each hour, try to claim today's retention pass (footfall/retention.py): one
        replica a day deletes every site's expired events."""
        from footfall import retention

        wait = 60.0  # a minute after start, then hourly
        while True:
            await asyncio.sleep(wait)
            wait = every
            try:
                await offload(retention.run_daily, self.stores, self.clock())
            except Exception:  # the next day's pass deletes what this one did not
                log.exception("applying retention failed")

    async def _rolling_up(self, engine: Rollups, every: float = 60.0) -> None:
        """Each minute, summarise the ended days that are due: up to a year of them (a
        new database on old data catches up in minutes), ``ROLL_DAYS`` a call so that
        no call holds a worker thread long (a busy day's roll-up takes seconds)."""
        while True:
            try:
                for _ in range(ROLL_CALLS):
                    if not await offload(engine.refresh_rollups, ROLL_DAYS):
                        break
            except Exception:  # answers stay exact from events; the next minute retries
                log.exception("rolling up ended days failed")
            await asyncio.sleep(every)

    async def _reporting(self, scheduler: Scheduler, every: float = 300.0) -> None:
        """Every five minutes, queue the reports and alerts that are due (once each,
        whichever replica gets there first: footfall/mail/reports.py)."""
        while True:
            try:
                if await offload(scheduler.tick) and self.mail is not None:
                    self.mail.nudge()
            except Exception:  # the next round tries again
                log.exception("queueing reports and alerts failed")
            await asyncio.sleep(every)

    async def _housekeeping(self, every: float = 30.0) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await offload(self.keys.flush_last_used)
            except Exception:  # housekeeping must not die with one failed write
                log.exception("could not record API key use")
            try:
                await self.flush_drops()
            except Exception:  # kept in memory: the next round retries
                log.exception("could not record dropped events")

    async def flush_drops(self) -> None:
        """Add this replica's per-site drop tallies to the store's (ingest/drops.py)."""
        if self.ingestor is None:
            return
        counts = self.ingestor.drops.take()
        if not counts:
            return
        try:
            await offload(self.stores.catalog.add_drops, counts)
        except BaseException:
            self.ingestor.drops.restore(counts)
            raise

    async def stop(self) -> None:
        """Flush pending events, record key use, end the executors, close the store if
        this app opened it."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.buffer is not None:
            await self.buffer.stop()
        try:
            await offload(self.keys.flush_last_used)
        except FootfallError as exc:  # a full disk must not keep the store from closing
            log.error("could not record API key use at shutdown: %s", exc.detail)
        try:
            await self.flush_drops()
        except FootfallError as exc:
            log.error("could not record dropped events at shutdown: %s", exc.detail)
        if self._import_jobs is not None:  # the running import ends before the store
            await offload(self._import_jobs.close)
        await offload(self.reads.close)
        self.ingest_executor.shutdown()
        if self.lookup_executor is not None:
            self.lookup_executor.shutdown()
        if self.bus is not None:
            await offload(self.bus.close)
        if self.shared is not None:
            self.shared.close()
        if self.owns_stores:
            await offload(self.stores.close)
