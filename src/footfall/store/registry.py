"""The only list of storage backends: URL scheme -> the module that opens it.

``FOOTFALL_DATABASE_URL`` names the backend of all four protocols (store/base.py);
``FOOTFALL_EVENTS_URL``, when set, puts ``EventLog`` and ``StatsEngine`` on another
one (accounts on PostgreSQL, events on ClickHouse, say). A backend module exposes
``open_backend(url, options) -> Backend``; the object it returns implements the
protocols its scheme is used for. Adding a backend is one line in ``SCHEMES``
(docs/backends.md, "Adding a backend").
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, cast
from urllib.parse import urlsplit

from footfall.errors import ConfigError
from footfall.offload import off_loop
from footfall.store.base import (
    Accounts,
    ApplyHealth,
    Backend,
    Catalog,
    EventLog,
    ImportedData,
    Mailbox,
    Rollups,
    StatsEngine,
)
from footfall.visits import TIMEOUT


@dataclass(frozen=True, slots=True)
class Kind:
    module: str  # exposes open_backend(url: str, options: Options) -> Backend
    example: str
    # One process owns the data (an embedded file): no FOOTFALL_WORKERS > 1, and the
    # CLI goes through the running server instead of opening it a second time.
    embedded: bool = False
    # Write transactions the write buffer runs at once in one process (each on its own
    # connection), unless FOOTFALL_FLUSH_CONCURRENCY says otherwise: the embedded store
    # writes through one journal; PostgreSQL serialises writers per visitor
    # (docs/performance.md, "Several flushes at once").
    writers: int = 1
    # The write buffer flushes once no event has come for this long (and at the latest
    # after FOOTFALL_FLUSH_INTERVAL_MS): requests that have all been answered send no
    # more until theirs commit. The embedded store commits to its journal (an append
    # and an fsync, ~0.3 ms); waiting out the 5 ms interval left a third of the core idle
    # under single-event ingest over 64 connections (docs/performance.md, "The group
    # commit's quiet flush"). 0: wait out the interval (a server store's commit is a
    # transaction or a batch of writes: fewer is better).
    flush_quiet_ms: float = 0.0


SCHEMES: dict[str, Kind] = {
    "duckdb": Kind(
        "footfall.store.duckdb",
        "duckdb:///./footfall-data/footfall.duckdb",
        True,
        flush_quiet_ms=0.5,
    ),
    "postgresql": Kind(
        "footfall.store.postgres", "postgresql://user@host:5432/footfall", writers=4
    ),
    "postgres": Kind("footfall.store.postgres", "postgres://user@host:5432/footfall", writers=4),
    "dynamodb": Kind("footfall.store.dynamodb", "dynamodb://footfall?region=eu-west-1"),
}


@dataclass(frozen=True, slots=True)
class Options:
    visit_timeout: timedelta = TIMEOUT  # the visit rule's gap (FOOTFALL_SESSION_TIMEOUT_MINUTES)
    # A server backend's password, kept out of its URL (FOOTFALL_DATABASE_PASSWORD, which
    # ECS injects from Secrets Manager).
    password: str = field(default="", repr=False)
    # Or the Secrets Manager secret that holds it, re-read when the server refuses the
    # password (FOOTFALL_DATABASE_PASSWORD_SECRET: rotation without a restart).
    password_secret: str = ""
    cache_dir: str = ""  # closed days as Parquet (FOOTFALL_CACHE_DIR; "" = a temp dir)
    max_frame_events: int = 250_000  # events the DynamoDB stats frames may hold
    # s3://bucket/prefix (FOOTFALL_ARCHIVE_URL): DynamoDB's stats read closed days there.
    archive_url: str = ""


class _Opener(Protocol):
    def __call__(self, url: str, options: Options) -> Backend: ...


def kind(url: str) -> Kind:
    """The registered backend of ``url``, or ConfigError naming the known schemes."""
    scheme = urlsplit(url).scheme.split("+")[0]
    found = SCHEMES.get(scheme)
    if found is None:
        known = ", ".join(k.example for k in SCHEMES.values())
        raise ConfigError(f"no storage backend for URL scheme {scheme!r}; use one of: {known}")
    return found


def open_backend(url: str, options: Options = Options()) -> Backend:
    module = importlib.import_module(kind(url).module)
    opener = cast(_Opener, module.open_backend)
    return opener(url, options)


@dataclass(frozen=True)
class Stores:
    """The four protocols a process uses, and the backends that hold them."""

    catalog: Catalog
    accounts: Accounts
    events: EventLog
    stats: StatsEngine
    backends: tuple[Backend, ...] = field(default=())
    rollups: Rollups | None = None  # the stats engine, when it keeps rollups
    mailbox: Mailbox | None = None  # email's state (footfall/mail), on the main backend
    imported: ImportedData | None = None  # imported history, where the events are

    @classmethod
    def on(cls, main: Backend, events: Backend | None = None) -> Stores:
        """Every protocol on ``main``, or events and stats on ``events``."""
        ev = events if events is not None else main
        for obj, protocol in ((main, Catalog), (main, Accounts), (ev, EventLog), (ev, StatsEngine)):
            if not isinstance(obj, protocol):
                raise ConfigError(f"{type(obj).__name__} cannot hold {protocol.__name__}")
        backends = (main,) if ev is main else (main, ev)
        summarised = isinstance(ev, Rollups)
        mails = isinstance(main, Mailbox)
        imports = isinstance(ev, ImportedData)
        main, ev = off_loop(main), off_loop(ev)
        return cls(
            cast(Catalog, main),
            cast(Accounts, main),
            cast(EventLog, ev),
            cast(StatsEngine, ev),
            backends,
            cast(Rollups, ev) if summarised else None,
            cast(Mailbox, main) if mails else None,
            imported=cast(ImportedData, ev) if imports else None,
        )

    def ping(self) -> None:
        for backend in self.backends:
            backend.ping()

    def health(self) -> ApplyHealth:
        return self.events.health()

    def close(self) -> None:
        for backend in self.backends:
            backend.close()


def open_stores(database_url: str, events_url: str = "", options: Options = Options()) -> Stores:
    """Open the backends the settings name (one object when both URLs are the same)."""
    main = open_backend(database_url, options)
    if not events_url or events_url == database_url:
        return Stores.on(main)
    opened = [main]
    try:
        opened.append(open_backend(events_url, options))
        return Stores.on(main, opened[1])
    except BaseException:
        for backend in opened:
            backend.close()
        raise
