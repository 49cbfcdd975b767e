"""PostgreSQL store: many replicas share one database (RDS in the Terraform stack).

psycopg 3 with a connection pool: every call checks a connection out (verified on the
way out, so a restarted server is reconnected to by itself), runs, and gives it back.
A batch of events is written in one transaction: binary ``COPY`` into a per-connection
staging table, the visits of its visitors split again from the stored events and the
batch (the visit rule, footfall/visits.py, as DuckDB's store applies it), the events
inserted with their visits' ids; ``write_events`` returns only after ``COMMIT``.

Replicas writing one visitor at once are serialised by transaction-scoped advisory
locks, taken in ascending order (docs/backends.md, "PostgreSQL"). Events are
range-partitioned by month; the partitions a batch needs (and next month's) are made
before its transaction, and retention drops months left empty. Connection failures
raise StoreUnavailable (503 + Retry-After); ``statement_timeout`` serves ``time_limit``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from footfall.domain import ENGAGEMENT, Event, FunnelStep, Goal, Site
from footfall.errors import ConfigError, QueryTimeout, StoreError, StoreUnavailable
from footfall.stats.query import StatsQuery
from footfall.store.base import ApplyHealth
from footfall.store.postgres import rollups
from footfall.store.postgres.dialect import POSTGRES
from footfall.store.postgres.password import FixedPassword, Password, SecretPassword
from footfall.store.registry import Options
from footfall.store.sql import builder, live, queries
from footfall.store.sql import funnel as funnel_sql
from footfall.store.sql.limits import TimeLimits
from footfall.store.sql.mail import SqlMailbox
from footfall.store.sql.records import SqlRecords, event_from_row
from footfall.visits import TIMEOUT

Q = queries("postgres")
log = logging.getLogger(__name__)

# Forward-only schema migrations, in order (store/sql/postgres/).
MIGRATIONS = (
    "001_init.sql",
    "002_funnels_segments.sql",
    "003_embeds.sql",
    "004_rollups.sql",
    "005_email.sql",
    "006_shields.sql",
    "007_imports.sql",
    "008_two_factor_retention.sql",
    "009_filter_indexes.sql",
    "010_partition_functions.sql",
    "011_filtered_rollups.sql",
    "012_page_goal_rollups.sql",
)
# Advisory lock keys (the one-bigint key space; sites lock their ids in it, visitors
# use the two-int space): 'Footfall' and 'Footpart' in ASCII.
MIGRATION_LOCK = 0x466F6F7466616C6C
PARTITION_LOCK = 0x466F6F7470617274
POOL_WAIT_SECONDS = 5.0  # a request waits this long for a connection, then gets a 503
CONNECT_TIMEOUT_SECONDS = 5

_EVENT_FIELDS = [f.name for f in dataclasses.fields(Event)]
_COPY_TYPES = {
    "site_id": "int4",
    "timestamp": "timestamptz",
    "visitor_id": "int8",
    "session_id": "int8",
    "props": "jsonb",
    "revenue_amount": "numeric",
    "interactive": "bool",
}
_COPY = sql.SQL("COPY incoming_batch ({}) FROM STDIN (FORMAT BINARY)").format(
    sql.SQL(", ").join(sql.Identifier(n) for n in _EVENT_FIELDS)
)
# Per connection: the staging tables of the write path, emptied by the writer that uses
# them (_clear_staging), not ON COMMIT DELETE ROWS: that truncation cost 5-7 ms of every
# commit, most of a 100-event batch's fixed cost (docs/performance.md, "Staging").
_STAGING = (
    "CREATE TEMP TABLE incoming_batch AS SELECT * FROM events WITH NO DATA",
    "CREATE TEMP TABLE new_visits AS SELECT * FROM visits WITH NO DATA",
    "CREATE TEMP TABLE touched (site_id integer, visitor_id bigint, lo timestamptz,"
    " hi timestamptz, first_at timestamptz, append boolean, merge_into bigint)",
)
# A DELETE leaves its rows dead (autovacuum never visits temporary tables), so every
# TRUNCATE_EVERY-th use on a connection truncates instead (that batch pays ~1 ms more).
TRUNCATE_EVERY = 64
_DELETE_STAGING = (
    b"WITH b AS (DELETE FROM incoming_batch), v AS (DELETE FROM new_visits) DELETE FROM touched"
)
_TRUNCATE_STAGING = b"TRUNCATE incoming_batch, new_visits, touched"
# A (site, UTC day) this process listed for rollups (note_days, committed) is not listed
# again for this long while the day lasts: its row is there, and today's is never marked
# dirty (docs/performance.md, "Fixed cost"). Bounded, so that a row deleted meanwhile by
# another replica (all of a site's events deleted) is listed again soon.
NOTED_FOR = timedelta(minutes=1)


def _month(ts: datetime) -> date:
    return ts.astimezone(UTC).date().replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _start(month: date) -> datetime:
    """The first instant of ``month`` (UTC): a partition's bound."""
    return datetime.combine(month, datetime.min.time(), UTC)


def _partition_name(month: date) -> str:
    return f"events_p{month:%Y%m}"


def _visitor_key(visitor_id: int) -> int:
    """A visitor's advisory lock key: its id folded into a signed 32-bit integer (two
    visitors sharing one are serialised together, which is only slower)."""
    folded = (visitor_id ^ (visitor_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


def _row(event: Event) -> list[object]:
    values: list[object] = [getattr(event, name) for name in _EVENT_FIELDS]
    values[_EVENT_FIELDS.index("props")] = Jsonb(event.props)
    amount = event.revenue_amount
    values[_EVENT_FIELDS.index("revenue_amount")] = None if amount is None else Decimal(amount)
    return values


_C = TypeVar("_C", bound=psycopg.Connection[Any])


def _with(kwargs: Mapping[str, Any], password: str) -> dict[str, Any]:
    return {**kwargs, "password": password} if password else dict(kwargs)


def _authentication_failed(exc: psycopg.OperationalError) -> bool:
    """The server refused the credentials (28P01 invalid_password, 28000 for IAM
    tokens and pg_hba rejections)."""
    return exc.sqlstate in ("28P01", "28000") or "password authentication failed" in str(exc)


def conninfo(url: str) -> str:
    """``postgres://`` or ``postgresql://`` (``+psycopg`` allowed) -> a libpq URL."""
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("postgres", "postgresql") or not parts.hostname:
        raise ConfigError(
            f"not a PostgreSQL URL: {url!r}; expected postgresql://user@host:port/database"
        )
    return urlunsplit(("postgresql", *parts[1:]))


def migrate(conn: psycopg.Connection[Any]) -> None:
    """Apply the migrations this database lacks, once, whatever replicas start at the
    same time: the first holds the lock, the others find nothing left to do. A database
    already at the latest version is only read: a role without DDL rights (the
    application role, roles.py) starts on it; on an older one such a role fails with a
    sentence saying who migrates."""
    if _version(conn) == len(MIGRATIONS):
        return
    folder = resources.files("footfall.store") / "sql" / "postgres"
    conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer)")
        current = _version(conn) or 0
        for version, name in enumerate(MIGRATIONS, start=1):
            if version > current:
                with conn.transaction():
                    conn.execute((folder / name).read_text().encode())
                    conn.execute("INSERT INTO schema_version VALUES (%s)", [version])
                log.info("database migrated to version %d (%s)", version, name)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise ConfigError(
            f"the database's schema is at version {_version(conn) or 0}, this server needs "
            f"{len(MIGRATIONS)}, and its role may not migrate it ({exc.diag.message_primary}):"
            " set FOOTFALL_DATABASE_ADMIN_SECRET or run `footfall db grant-app-user` with it"
            " (docs/deploy.md)"
        ) from None
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])


def _version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema's version; None before the first migration."""
    if conn.execute("SELECT to_regclass('schema_version')").fetchone() == (None,):
        return None
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else None


class PostgresStore(SqlRecords, SqlMailbox, TimeLimits):
    """Thread-safe: each call checks out a pooled connection (autocommit, explicit
    transactions)."""

    def __init__(
        self,
        url: str,
        password: str | Password = "",
        visit_timeout: timedelta = TIMEOUT,
        pool_size: int = 10,
        pool_wait: float = POOL_WAIT_SECONDS,
        rollups: bool = True,
    ) -> None:
        self._conninfo = conninfo(url)
        self._kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            # No JIT: a stats plan without nested loops costs past its threshold however
            # few its rows, and compiling took 0.5-1 s of a 5 ms query.
            "options": "-c TimeZone=UTC -c jit=off",
        }
        self._password = FixedPassword(password) if isinstance(password, str) else password
        self._visit_timeout = visit_timeout
        self._rollups = rollups  # answer from rollups where they can (tests compare)
        self._local = threading.local()
        self._staging_uses: weakref.WeakKeyDictionary[psycopg.Connection[Any], int] = (
            weakref.WeakKeyDictionary()
        )
        self._staging_lock = threading.Lock()
        self._months: set[date] = set()
        self._months_lock = threading.Lock()
        self._noted: dict[tuple[int, date], datetime] = {}  # NOTED_FOR
        self._noted_lock = threading.Lock()
        self._migrate()
        store = self

        class _Connection(psycopg.Connection[Any]):
            @classmethod
            def connect(cls, conninfo: str = "", **kwargs: Any) -> _Connection:
                base = super(_Connection, cls).connect
                return store._connect(lambda password: base(conninfo, **_with(kwargs, password)))

        self._pool = ConnectionPool(
            self._conninfo,
            connection_class=_Connection,
            kwargs=self._kwargs,
            min_size=1,
            max_size=pool_size,
            configure=self._configure,
            check=ConnectionPool.check_connection,
            timeout=pool_wait,
            name="footfall",
            open=False,
        )
        self._pool.open(wait=False)
        self._ensure_partitions({_next_month(_month(datetime.now(UTC)))})

    # connections -------------------------------------------------------------
    def _migrate(self) -> None:
        """Apply the migrations this database lacks (``migrate``)."""
        try:
            with self._connect(
                lambda password: psycopg.connect(self._conninfo, **_with(self._kwargs, password))
            ) as conn:
                migrate(conn)
        except psycopg.Error as exc:
            raise self._failure(exc) from exc

    def _connect(self, connect: Callable[[str], _C]) -> _C:
        """Connect with the current password; when the server refuses it, once more with
        the one the password source has now (a rotated secret, re-read)."""
        password = self._password.current()
        try:
            return connect(password)
        except psycopg.OperationalError as exc:
            if not _authentication_failed(exc):
                raise
            fresh = self._password.rejected(password)
            if fresh == password:
                raise
            log.info("the database refused the password; connecting with the re-read one")
            return connect(fresh)

    @staticmethod
    def _configure(conn: psycopg.Connection[Any]) -> None:
        for statement in _STAGING:
            conn.execute(statement.encode())

    def _failure(self, exc: BaseException) -> StoreError | StoreUnavailable | QueryTimeout:
        if isinstance(exc, psycopg.errors.QueryCanceled) and getattr(self._local, "limit", None):
            return self._timed_out()
        # Lost or refused connections, a server shutting down, deadlocks and
        # serialisation failures: nothing was committed and a retry may succeed.
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            return StoreUnavailable(f"the database is unavailable: {exc}")
        return StoreError(f"postgresql: {exc}")

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except psycopg.Error as exc:
            raise self._failure(exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        with self._connection() as conn, conn.transaction():
            yield conn

    def _write(self, query: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        """One statement in its own transaction; its first row (RETURNING), if any."""
        with self._transaction() as conn:
            cur = conn.execute(Q[query].encode(), params)
            return cur.fetchone() if cur.description else None

    def _one(self, query: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        with self._connection() as conn:
            return conn.execute(Q[query].encode(), params).fetchone()

    def _all(
        self, query: str, params: Sequence[object] | Mapping[str, object] = ()
    ) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return conn.execute(Q[query].encode(), params).fetchall()

    def _write_all(
        self, queries: Sequence[str], params: Sequence[object]
    ) -> tuple[Any, ...] | None:
        with self._transaction() as conn:
            for query in queries:
                cur = conn.execute(Q[query].encode(), params)
            return cur.fetchone() if cur.description else None

    def _write_many(self, query: str, rows: Sequence[Sequence[object]]) -> None:
        with self._transaction() as conn, conn.cursor() as cur:
            cur.executemany(Q[query].encode(), rows)

    def _write_steps(self, steps: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> None:
        with self._transaction() as conn, conn.cursor() as cur:
            for query, rows in steps:
                if rows:
                    cur.executemany(Q[query].encode(), rows)

    def _stamp(self, at: datetime) -> object:
        return at

    def _advance_ids(self, table: str, past: int) -> None:
        self._write("advance_ids", [table, past])

    # partitions --------------------------------------------------------------
    def _ensure_partitions(self, months: set[date]) -> None:
        """Create the monthly partitions of ``months`` that are missing, in their own
        transaction (before the write's), under a lock so replicas do not race."""
        with self._months_lock:
            missing = months - self._months
        if not missing:
            return
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
            for month in sorted(missing):
                conn.execute(Q["create_partition"].encode(), [month])
        with self._months_lock:
            self._months |= missing

    def _drop_empty_partitions(self, before: datetime) -> None:
        """Drop the months wholly before ``before`` that no site has events in any more
        (retention); a month in use waits for its last site. Best effort: a partition
        busy for over a second is left for the next retention pass."""
        names = {r[0] for r in self._all("event_partitions")}
        for month in sorted(
            m for m in self._months_known(names) if _start(_next_month(m)) <= before
        ):
            try:
                with self._transaction() as conn:
                    conn.execute("SET LOCAL lock_timeout = '1s'")
                    # The function locks writers out first: checked empty without the
                    # lock, a month could take an event before the DROP.
                    conn.execute(Q["drop_partition"].encode(), [month])
            except (StoreError, StoreUnavailable) as exc:
                log.warning("partition %s not dropped: %s", _partition_name(month), exc.detail)
                continue
            with self._months_lock:
                self._months.discard(month)

    @staticmethod
    def _months_known(names: set[str]) -> list[date]:
        return [
            date(int(n[8:12]), int(n[12:14]), 1)
            for n in names
            if n.startswith("events_p") and len(n) == 14 and n[8:].isdigit()
        ]

    # events ------------------------------------------------------------------
    def write_events(self, events: Sequence[Event]) -> None:
        if not events:
            return
        try:
            rows = [_row(e) for e in events]
        except (InvalidOperation, TypeError) as exc:
            raise StoreError(f"events do not fit the schema: {exc}") from exc
        months = {_month(e.timestamp) for e in events}
        months.add(_next_month(_month(datetime.now(UTC))))  # ahead of the turn of the month
        self._ensure_partitions(months)
        try:
            self._write_rows(events, rows)
        except StoreError as exc:
            if not isinstance(exc.__cause__, psycopg.errors.CheckViolation):
                raise
            # A partition this process knew was dropped by retention meanwhile.
            with self._months_lock:
                self._months.clear()
            self._ensure_partitions(months)
            self._write_rows(events, rows)

    def _write_rows(self, events: Sequence[Event], rows: list[list[object]]) -> None:
        by_site: dict[int, set[int]] = {}
        for e in events:
            by_site.setdefault(e.site_id, set()).add(_visitor_key(e.visitor_id))
        engagements = any(e.name == ENGAGEMENT for e in events)
        days = {(e.site_id, e.timestamp.astimezone(UTC).date()) for e in events}
        now = datetime.now(UTC)
        noted = self._noted_already(days, now)
        with self._transaction() as conn:
            self._clear_staging(conn)
            # Into this connection's staging table first: no lock is needed for it.
            with conn.cursor() as cur, cur.copy(_COPY) as copy:
                copy.set_types([_COPY_TYPES.get(n, "text") for n in _EVENT_FIELDS])
                for row in rows:
                    copy.write_row(row)
            # Every writer locks in one order (site, then its visitors ascending).
            for site_id in sorted(by_site):
                conn.execute(Q["share_site"].encode(), [site_id])
                keys = sorted(by_site[site_id])
                conn.execute(Q["lock_visitors"].encode(), {"site": site_id, "keys": keys})
            if engagements:
                conn.execute(Q["insert_engagements"].encode())
            self._recompute_visits(conn, fresh=True)
            if not noted:
                self._note_days(conn, days)
        if not noted:
            with self._noted_lock:
                self._noted.update((d, now) for d in days if d[1] >= now.date())

    def _noted_already(self, days: set[tuple[int, date]], now: datetime) -> bool:
        """Whether every day of a batch is today (this process's clock: a day a roll-up
        may have claimed ended over rollups.SETTLE ago) and was listed by this process
        within NOTED_FOR: then note_days and mark_days have nothing to do."""
        with self._noted_lock:
            if len(self._noted) > 1024:
                self._noted = {k: v for k, v in self._noted.items() if now - v < NOTED_FOR}
            since = [self._noted.get(d) for d in days]
        return all(
            at is not None and now - at < NOTED_FOR and day >= now.date()
            for at, (_, day) in zip(since, days, strict=True)
        )

    def _recompute_visits(self, conn: psycopg.Connection[Any], *, fresh: bool) -> None:
        """Re-split the visits of every (site, visitor) in ``incoming_batch`` where its
        events can change them (DuckDB's ``_recompute_visits``, in PostgreSQL)."""
        timeout = self._visit_timeout
        span = conn.execute(
            Q["touched_visitors"].encode(), {"timeout": timeout, "fresh": fresh}
        ).fetchone()
        if span is None or not span[3]:
            return
        if span[0] is not None:  # some stored events are read again: through indexes
            conn.execute(Q["analyze_touched"].encode())
        touched = {"lo": span[0], "hi": span[1], "sites": span[2]}
        conn.execute(
            Q["recompute_visits"].encode(), {**touched, "timeout": timeout, "fresh": fresh}
        )
        if fresh:
            conn.execute(Q["extend_visits"].encode())
        # A delete (not fresh) may split a visit: then stored events always move. New
        # events whose visitors are all appends (no span to read again: lo is NULL) only
        # extend a stored visit, keeping its id: nothing to ask.
        if not fresh or (span[0] is not None and self._visit_ids_changed(conn)):
            conn.execute(Q["set_event_sessions"].encode(), touched)
        if fresh:
            conn.execute(Q["insert_events"].encode())
        conn.execute(Q["delete_touched_visits"].encode())
        conn.execute(Q["insert_visits"].encode())

    def _clear_staging(self, conn: psycopg.Connection[Any]) -> None:
        """Empty this connection's staging tables (what an earlier transaction left)."""
        with self._staging_lock:
            uses = self._staging_uses.get(conn, 0) + 1
            self._staging_uses[conn] = uses
        conn.execute(_TRUNCATE_STAGING if uses % TRUNCATE_EVERY == 0 else _DELETE_STAGING)

    @staticmethod
    def _visit_ids_changed(conn: psycopg.Connection[Any]) -> bool:
        changed = conn.execute(Q["visit_ids_changed"].encode()).fetchone()
        return changed is not None and bool(changed[0])

    @staticmethod
    def _note_days(
        conn: psycopg.Connection[Any], days: set[tuple[int, date]] | None = None
    ) -> None:
        """List (site, UTC day)s written to for rollups, and mark those that ended dirty
        (two statements: the second sees what the first waited for); by default the
        days of incoming_batch."""
        if days is None:
            days = {(r[0], r[1]) for r in conn.execute(Q["batch_days"].encode())}
        ordered = sorted(days)
        params = {"sites": [d[0] for d in ordered], "days": [d[1] for d in ordered]}
        conn.execute(Q["note_days"].encode(), params)
        conn.execute(Q["mark_days"].encode(), params)

    def health(self) -> ApplyHealth:
        return ApplyHealth()  # no journal: a write is committed or refused at once

    def count_events(self, site_id: int) -> int:
        row = self._one("count_events", [site_id])
        return int(row[0]) if row else 0

    def fetch_events(self, site_id: int, limit: int = 1000) -> list[dict[str, object]]:
        with self._connection() as conn:
            cur = conn.execute(Q["fetch_events"].encode(), [site_id, limit])
            names = [d.name for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def export_events(
        self, site_id: int, start: datetime, end: datetime, chunk: int = 10_000
    ) -> Iterator[list[Event]]:
        # A server-side cursor: the range is streamed, not fetched whole.
        with self._transaction() as conn, conn.cursor(name="export_events") as cur:
            cur.execute(Q["export_events"].encode(), [site_id, start, end])
            while rows := cur.fetchmany(chunk):
                names = [d.name for d in cur.description or []]
                yield [event_from_row(names, row) for row in rows]

    def delete_events(
        self, site_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> None:
        with self._transaction() as conn:
            # The site alone: no writer of it splits visits while they are recomputed.
            conn.execute(Q["own_site"].encode(), [site_id])
            if start is None and end is None:
                with self._noted_lock:
                    self._noted = {k: v for k, v in self._noted.items() if k[0] != site_id}
                conn.execute(Q["delete_site_events"].encode(), [site_id])
                conn.execute(Q["delete_site_visits"].encode(), [site_id])
                conn.execute(Q["delete_site_rollups"].encode(), {"site": site_id})
            else:
                bounds = {"site": site_id, "start": start, "end": end}
                self._clear_staging(conn)
                conn.execute(Q["delete_range"].encode(), bounds)
                self._recompute_visits(conn, fresh=False)
                self._note_days(conn)
        if start is None and end is not None:
            self._drop_empty_partitions(end)

    # salts -------------------------------------------------------------------
    def ensure_salts(self, candidates: Mapping[date, bytes]) -> dict[date, bytes]:
        with self._transaction() as conn:
            with conn.cursor() as cur:
                cur.executemany(Q["insert_salt"].encode(), list(candidates.items()))
            conn.execute(Q["delete_old_salts"].encode(), [min(candidates)])
            rows = conn.execute(Q["salts_for_days"].encode(), [list(candidates)]).fetchall()
        return {r[0]: bytes(r[1]) for r in rows}

    # stats -------------------------------------------------------------------
    def answer(self, query: StatsQuery, site: Site, goals: Sequence[Goal]) -> list[tuple[Any, ...]]:
        if not (self._rollups and rollups.reads_rollups(query, goals)):
            built = builder.plan(query, site.id, goals, POSTGRES)
            return self.read(built.sql, built.params)
        days = rollups.utc_days(query.start, query.end)
        bounds = {"site": site.id, "first": days[0], "last": days[-1], "zone": query.timezone}
        # One snapshot: the days rolled up and their rows, the others' events and visits.
        with self._reading(repeatable=True) as conn:
            rolled = conn.execute(Q["rolled_days"].encode(), bounds).fetchall()
            rolled_up = frozenset(r[0] for r in rolled)
            filtered = frozenset(r[0] for r in rolled if r[1])
            held = frozenset((r[0], path) for r in rolled if r[1] for path in r[2])
            statement = rollups.Rolled(rolled_up, filtered, held) if rolled else None
            built = builder.plan(query, site.id, goals, POSTGRES, statement)
            return conn.execute(built.sql.encode(), built.params).fetchall()

    def refresh_rollups(self, limit: int = 31, settle: timedelta = rollups.SETTLE) -> int:
        """Roll up (again) at most ``limit`` days that are due (rollups.py); how many
        were. Replicas may run this at once: each day is rolled up by one of them."""
        due = self._all("rollups_due", {"settle": settle, "limit": limit})
        done = 0
        for site_id, day, zone, page_goals in due:
            key = {"site": site_id, "day": day, "zone": zone, "goals": page_goals}
            built = rollups.roll(site_id, day, zone, POSTGRES)
            filtered = rollups.roll_filtered(site_id, day, zone, POSTGRES, page_goals)
            with self._transaction() as conn:
                conn.execute("SET LOCAL enable_nestloop = off")
                # The filtered rows group some millions of (visit, filter, value) rows
                # a day (docs/backends.md, "Filtered rollups"): sorted in memory.
                conn.execute("SET LOCAL work_mem = '256MB'")
                if conn.execute(Q["claim_rollup_day"].encode(), key).fetchone() is None:
                    continue
                conn.execute(Q["clear_rollup_day"].encode(), key)
                conn.execute(built.sql.encode(), built.params)
                conn.execute(filtered.sql.encode(), filtered.params)
            done += 1
        return done

    def funnel(
        self, query: StatsQuery, site: Site, steps: Sequence[FunnelStep], goals: Sequence[Goal]
    ) -> list[int]:
        built = funnel_sql.plan(query, site.id, steps, goals, POSTGRES)
        rows = self.read(built.sql, built.params)
        return [int(c) for c in rows[0]]

    def prop_keys(self, site: Site, start: datetime, end: datetime, limit: int) -> list[str]:
        built = builder.prop_keys(site.id, start, end, limit, POSTGRES)
        return [str(r[0]) for r in self.read(built.sql, built.params)]

    def realtime(self, site: Site, now: datetime) -> list[tuple[Any, ...]]:
        built = live.realtime(site.id, now, POSTGRES)
        return self.read(built.sql, built.params)

    def overview(self, site_ids: Sequence[int], now: datetime) -> list[tuple[Any, ...]]:
        if not site_ids:
            return []
        built = live.overview(site_ids, now, POSTGRES)
        return self.read(built.sql, built.params)

    def read(self, text: str, params: Mapping[str, object]) -> list[tuple[Any, ...]]:
        """Run SQL over every committed event, within the thread's time limit if any
        (the stats seam's engine; tests and benches use it to look inside)."""
        with self._reading() as conn:
            return conn.execute(text.encode(), dict(params)).fetchall()

    @contextmanager
    def _reading(self, *, repeatable: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A transaction for stats, within the thread's time limit if any; ``repeatable``:
        its statements share one snapshot."""
        remaining = self._remaining()
        ms = "0" if remaining is None else str(max(1, int(remaining * 1000)))
        with self._transaction() as conn:
            if repeatable:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # No nested loops in stats: before autovacuum has analysed fresh rows, the
            # planner takes a CTE of thousands of events for one row and loops over
            # visits for each (10 s instead of 50 ms after a bulk load).
            conn.execute(
                "SELECT set_config('statement_timeout', %s, true),"
                " set_config('enable_nestloop', 'off', true)",
                [ms],
            )
            yield conn

    def first_event_at(self, site_id: int) -> datetime | None:
        row = self._one("first_event", [site_id])
        return row[0] if row else None

    # health ------------------------------------------------------------------
    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers."""
        with self._connection() as conn:
            conn.execute("SELECT 1").fetchone()

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._pool.close()


def open_backend(url: str, options: Options) -> PostgresStore:
    """``postgresql://user@host:port/database?sslmode=...`` (store/registry.py); the
    password comes from ``options.password_secret`` (FOOTFALL_DATABASE_PASSWORD_SECRET,
    re-read when refused) or ``options.password`` (FOOTFALL_DATABASE_PASSWORD)."""
    password: str | Password = options.password
    if options.password_secret:
        password = SecretPassword(options.password_secret)
    return PostgresStore(url, password, options.visit_timeout)
