"""Embedded store on one DuckDB file: the default for a laptop or a single container.

Events are committed to an fsynced Arrow journal beside the file (store/duckdb/journal.py)
and moved into the events table in large Arrow inserts, in the background every
second and before any read of events, so readers always see every committed event.
(Row-by-row ``executemany`` would be about 100x slower than Arrow.) One process owns
the file; other processes (the CLI) reach it through the running server's admin API.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
from arro3.core import Table

from footfall import priority
from footfall.config import path_from_url
from footfall.domain import Event, EventColumns, FunnelStep, Goal, Site
from footfall.errors import StoreError, StoreUnavailable
from footfall.stats.query import StatsQuery
from footfall.store import budget
from footfall.store.arrow import (
    SCHEMA_ERRORS,
    Rows,
    concat,
    datetimes_array,
    event_schema,
    events_to_batch,
    with_row_numbers,
)
from footfall.store.base import ApplyHealth
from footfall.store.duckdb.applier import Applier
from footfall.store.duckdb.dialect import EMBEDDED, DuckDBDialect
from footfall.store.duckdb.gate import Gate
from footfall.store.duckdb.journal import Journal
from footfall.store.registry import Options
from footfall.store.sql import builder, live, queries
from footfall.store.sql import funnel as funnel_sql
from footfall.store.sql.limits import TimeLimits
from footfall.store.sql.mail import SqlMailbox
from footfall.store.sql.records import SqlRecords, event_from_row, utc
from footfall.visits import TIMEOUT

Q = queries("duckdb")
# Rounds of the apply thread (a second apart when idle) without a read or an apply
# before the idle release.
IDLE_TICKS = 10
# The memory limits for the moment of an idle release, tried in turn: DuckDB evicts its
# cached blocks down to the first it accepts (it refuses one below what is pinned, such
# as a large catalog's indexes), then gets its own limit back. At 1 MiB nothing of the
# file stays cached (at 8 MiB, ~7 MB did after a dashboard round over 1M events).
EVICT_LIMITS = ("1MiB", "8MiB")
# How long the idle release waits for the statements under way before skipping.
EVICT_WAIT = 1.0
log = logging.getLogger(__name__)

_EVENT_SCHEMA = event_schema()


def _evict(cur: duckdb.DuckDBPyConnection) -> bool:
    """DuckDB's memory limit set to the first of EVICT_LIMITS it accepts (its cached
    blocks evicted down to it); False when it refuses them all (pinned blocks)."""
    for evict in EVICT_LIMITS:
        try:
            cur.execute(f"SET memory_limit = '{evict}'")
        except duckdb.Error:
            continue
        return True
    return False


def _first(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of an ``execute``, its result run to the end: ``fetchone()`` alone
    leaves the statement unfinished on its cursor (DuckDB 2.0), and with it the
    statement's transaction open for as long as the cursor's thread does nothing else.
    One such transaction on an idle reader kept every batch applied since in memory
    (their undo and in-memory row groups: 76 MB of ``duckdb_memory()`` after 300k
    events, 1 MB without) and blocked every checkpoint (docs/performance.md, "Memory")."""
    rows = result.fetchmany(1)
    result.complete()
    return rows[0] if rows else None


def batch_table(batches: Sequence[Rows]) -> Table:
    """Journaled batches as the one table an apply registers as ``incoming_batch``: in
    few chunks (DuckDB's Arrow scan pays per chunk), each row numbered (``row_no``, by
    which insert_events joins its rows back to their previous pageviews)."""
    return with_row_numbers(concat(batches, _EVENT_SCHEMA))


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)


def _recompute_visits(
    cur: duckdb.DuckDBPyConnection,
    timeout: timedelta,
    *,
    fresh: bool = True,
    previous: bool = True,
) -> None:
    """Re-split the visits of every (site, visitor) in ``incoming_batch`` (footfall/visits.py)
    where its events can change them: session ids on their events, their rows in ``visits``
    replaced; when ``fresh``, the batch's events are inserted with their visits' ids.
    Needs ``visits`` to hold the rule's visits of the stored events. Each pageview's
    previous pageview is set too (``previous``: off in migrations before 013, when
    the events have no such columns yet)."""
    span = _first(cur.execute(Q["batch_span"]))
    if span is None or span[0] is None:
        return
    minutes = timeout // timedelta(minutes=1)
    wide = {"lo": span[0] - timeout, "hi": span[1] + timeout}
    cur.execute(Q["touched_visitors"], {**wide, "timeout": minutes, "fresh": fresh})
    try:
        row = _first(cur.execute(Q["touched_span"]))
        assert row is not None
        touched = {"lo": row[0], "hi": row[1]}  # NULL when every visitor is an append
        cur.execute(Q["recompute_visits"], {**touched, "timeout": minutes, "fresh": fresh})
        if fresh:
            cur.execute(Q["extend_visits"])
        if touched["lo"] is not None:  # appends keep every stored event's visit id
            cur.execute(Q["set_event_sessions"], touched)
        if fresh:
            cur.execute(Q["insert_events"])
        if previous and touched["lo"] is not None:
            cur.execute(Q["set_previous_pageviews"], touched)
        cur.execute(Q["delete_stale_visits"], touched)
        cur.execute(Q["upsert_visits"])
    finally:
        cur.execute("DROP TABLE IF EXISTS new_visits")
        cur.execute("DROP TABLE touched")


def _has_engagement(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``incoming_batch`` holds engagement events (outside the visit rule: their
    own INSERT, only when there are some; a second INSERT INTO events in the transaction
    before the batch's large one lost the latter at COMMIT (DuckDB 2.0) when it spanned
    a row group: tests/store/duckdb/test_journal.py)."""
    [(found,)] = cur.execute(Q["has_engagements"]).fetchall()
    return bool(found)


def _rebuild_visits(
    cur: duckdb.DuckDBPyConnection, timeout: timedelta = TIMEOUT, *, previous: bool = True
) -> None:
    """Every visit again from every event (migrations, bulk loads)."""
    cur.execute("DELETE FROM visits")
    cur.execute("CREATE OR REPLACE TEMP VIEW incoming_batch AS SELECT * FROM events")
    try:
        _recompute_visits(cur, timeout, fresh=False, previous=previous)
    finally:
        cur.execute("DROP VIEW incoming_batch")


def _resplit_visits(cur: duckdb.DuckDBPyConnection, timeout: timedelta) -> None:
    """``_rebuild_visits`` in a migration before 013 (no previous pageview columns)."""
    _rebuild_visits(cur, timeout, previous=False)


# Schema migrations in order, each with an optional data step run in its transaction.
_MIGRATIONS: tuple[
    tuple[str, Callable[[duckdb.DuckDBPyConnection, timedelta], None] | None], ...
] = (
    ("001_init.sql", None),
    ("002_journal.sql", None),
    ("003_goals.sql", None),
    ("004_visits.sql", _resplit_visits),  # the visits of events already stored
    ("005_accounts.sql", None),
    ("006_visit_rule.sql", _resplit_visits),  # visits as a function of the events
    ("007_funnels_segments.sql", None),
    ("008_embeds.sql", None),
    ("009_email.sql", None),
    ("010_shields.sql", None),
    ("011_imports.sql", None),
    ("012_two_factor_retention.sql", None),
    ("013_previous_pageview.sql", None),  # filled by the file's own UPDATE
)


# The sequence of each table whose ids a restore keeps (001_init.sql).
_ID_SEQUENCES = {
    "sites": "site_ids",
    "goals": "goal_ids",
    "users": "user_ids",
    "shared_links": "share_ids",
}


class DuckDBStore(SqlRecords, SqlMailbox, TimeLimits):
    """Thread-safe: each thread works on its own cursor of one shared database."""

    def __init__(
        self,
        path: str,
        visit_timeout: timedelta = TIMEOUT,
        config: Mapping[str, str] | None = None,
        *,
        dialect: DuckDBDialect = EMBEDDED,
    ) -> None:
        self._path = path
        self._dialect = dialect  # DynamoDB's frames: DUCKDB (store/duckdb/dialect.py)
        self._visit_timeout = visit_timeout
        # DuckDB settings (memory_limit, threads, ...) for every connect; by default the
        # cgroup's (store/budget.py): DuckDB's own default, 80% of the machine's RAM and
        # all its cores, would take a 512 MB task past its limit (docs/performance.md).
        settings = budget.detect().duckdb_settings() if config is None else config
        self._config: dict[str, str | bool | int | float | list[str]] = dict(settings)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = self._connect()
        self._local = threading.local()
        self._generation = 0  # bumped when the database is reopened: cursors follow
        self._invalidated = False
        self._reopen_lock = threading.Lock()
        self._write_lock = threading.Lock()
        # Catalog and account writes one at a time: two DuckDB transactions inserting
        # one key fail the later at commit, where ON CONFLICT DO NOTHING should do nothing.
        self._records_lock = threading.Lock()
        # Every statement passes it; the idle release closes it to evict cached blocks.
        self._gate = Gate()
        self._migrate()
        self._lower_workers()
        # Reads and applies counted; the apply thread releases memory once they stop.
        self._activity = 0
        self._seen_activity = -1
        self._quiet_ticks = 0
        self.released = 0  # idle releases done (read by tests)
        self.evicted = 0  # of them, those that evicted the cached blocks (read by tests)
        self._applier: Applier | None = None
        if path != ":memory:":
            journal = Journal(Path(path + ".journal"), _EVENT_SCHEMA)
            applied = self._applied_seq()
            self._applier = Applier(
                journal, applied, self._apply_batches, self._applied_seq, self._idle_tick
            )
            try:
                self._applier.apply()
            except StoreUnavailable as exc:  # the thread retries; /ready says so meanwhile
                log.error("starting with journaled events not yet applied: %s", exc.detail)
            self._applier.start()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(self._path, config=self._config)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open {self._path}: {exc}. Another process (a running `footfall "
                "serve`?) holds the file; the CLI reaches a running server through its admin API."
            ) from None

    def _reopen(self) -> None:
        """DuckDB refuses every statement after a fatal error (a checkpoint that hit a full
        disk, say) until the database is opened again; its WAL replays on opening."""
        with self._reopen_lock:
            if not self._invalidated:
                return
            with contextlib.suppress(duckdb.Error):
                self._db.close()
            try:
                self._db = duckdb.connect(self._path, config=self._config)
            except duckdb.Error as exc:
                raise StoreUnavailable(f"the database cannot be reopened yet: {exc}") from exc
            self._generation += 1
            self._invalidated = False
            self._lower_workers()
            log.warning("reopened %s after a fatal database error", self._path)

    def _failure(self, exc: duckdb.Error) -> StoreError | StoreUnavailable:
        """A full disk or an invalidated database is a 503 to retry; anything else a bug."""
        if isinstance(exc, duckdb.FatalException):
            self._invalidated = True
            return StoreUnavailable("the database hit a fatal error and is being reopened")
        if isinstance(exc, duckdb.IOException) or "Could not write" in str(exc):
            return StoreUnavailable(f"the database cannot write: {exc}")
        return StoreError(f"duckdb: {exc}")

    def _migrate(self) -> None:
        sql_dir = resources.files("footfall.store") / "sql" / "duckdb"
        self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
        row = _first(self._db.execute("SELECT max(version) FROM schema_version"))
        current = (row[0] if row else None) or 0
        for version, (name, data_step) in enumerate(_MIGRATIONS, start=1):
            if version > current:
                self._db.execute("BEGIN")
                self._db.execute((sql_dir / name).read_text())
                if data_step is not None:
                    data_step(self._db, self._visit_timeout)
                self._db.execute("INSERT INTO schema_version VALUES (?)", [version])
                self._db.execute("COMMIT")

    def _lower_workers(self) -> None:
        """Restart DuckDB's worker threads from a lowered thread: they inherit its
        priority, so heavy queries never outrank request handling for the CPU."""
        row = _first(self._db.execute("SELECT current_setting('threads')"))
        threads = int(row[0]) if row else 1

        def restart() -> None:
            cur = self._db.cursor()
            cur.execute("SET threads = 1")
            cur.execute(f"SET threads = {threads}")
            cur.close()

        priority.start_lowered(restart)

    @property
    def _cur(self) -> duckdb.DuckDBPyConnection:
        if self._invalidated:
            self._reopen()
        local = self._local
        if getattr(local, "generation", -1) != self._generation:
            local.cur = self._db.cursor()
            local.generation = self._generation
        cur: duckdb.DuckDBPyConnection = local.cur
        return cur

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._cur
        try:
            with self._gate.passing():
                cur.execute("BEGIN")
                yield cur
                cur.execute("COMMIT")
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):  # a failed COMMIT has ended it already
                cur.execute("ROLLBACK")
            raise self._failure(exc) from exc

    def _write(self, query: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        """One statement in its own transaction; its first row (RETURNING), if any."""
        with self._records_lock, self._transaction() as cur:
            return _first(cur.execute(Q[query], params))

    def _one(self, query: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        try:
            with self._gate.passing():
                return _first(self._cur.execute(Q[query], params))
        except duckdb.Error as exc:
            raise self._failure(exc) from exc

    def _all(self, query: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._gate.passing():
                return self._cur.execute(Q[query], params).fetchall()
        except duckdb.Error as exc:
            raise self._failure(exc) from exc

    def _write_all(
        self, queries: Sequence[str], params: Sequence[object]
    ) -> tuple[Any, ...] | None:
        with self._records_lock, self._transaction() as cur:
            for query in queries:
                row = _first(cur.execute(Q[query], params))
            return row

    def _write_many(self, query: str, rows: Sequence[Sequence[object]]) -> None:
        with self._records_lock, self._transaction() as cur:
            for params in rows:
                cur.execute(Q[query], params)

    def _write_steps(self, steps: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> None:
        with self._records_lock, self._transaction() as cur:
            for query, rows in steps:
                if rows:
                    cur.executemany(Q[query], rows)

    def _stamp(self, at: datetime) -> object:
        return _naive(at)

    def _advance_ids(self, table: str, past: int) -> None:
        # DuckDB has no setval: the sequence is drawn from until it reaches ``past``.
        sequence = _ID_SEQUENCES[table]
        with self._transaction() as cur:
            row = _first(cur.execute(Q["draw_id"], [sequence]))
            drawn = int(row[0]) if row else past
            if drawn < past:
                cur.execute(Q["draw_ids"], [sequence, past - drawn])

    # events ------------------------------------------------------------------
    def write_columns(self, events: EventColumns) -> None:
        self.write_events(events)

    def write_events(self, events: Sequence[Event] | EventColumns) -> None:
        if not events:
            return
        try:
            batch = events_to_batch(events)
        except SCHEMA_ERRORS as exc:
            raise StoreError(f"events do not fit the schema: {exc}") from exc
        if self._applier is None:
            self._apply_batches([batch], None)
        else:
            self._applier.append(batch)

    def write_arrow(self, batch: Table) -> None:
        """Apply events already in the Arrow schema (EVENT_SCHEMA), their visits
        recomputed, without the journal: an in-memory store over another backend's data."""
        if batch.num_rows:
            self._apply_batches([batch], None)

    def _applied_seq(self) -> int:
        row = self._one("journal_applied")
        return int(row[0]) if row else 0

    def _apply_batches(self, batches: list[Rows], applied_seq: int | None) -> None:
        # Few chunks: the batch is scanned six times (most of them for a few columns),
        # and DuckDB's Arrow scan pays per chunk. The applier has merged most journaled
        # batches into chunks of CHUNK_ROWS rows as they came (store/duckdb/applier.py);
        # only the last few are combined here.
        self._activity += 1
        table = batch_table(batches)
        with self._write_lock, self._transaction() as cur:
            cur.register("incoming_batch", table)
            try:
                _recompute_visits(cur, self._visit_timeout)  # inserts the events too
                if _has_engagement(cur):
                    cur.execute(Q["insert_engagements"])
            finally:
                cur.unregister("incoming_batch")
            if applied_seq is not None:
                cur.execute(Q["set_journal_applied"], [applied_seq])

    def apply_pending(self) -> None:
        """Move every journaled batch into the events table, or raise StoreUnavailable."""
        if self._applier is not None:
            self._applier.apply()

    def health(self) -> ApplyHealth:
        return self._applier.health if self._applier is not None else ApplyHealth()

    def count_events(self, site_id: int) -> int:
        self.apply_pending()
        row = self._one("count_events", [site_id])
        return int(row[0]) if row else 0

    def export_events(
        self, site_id: int, start: datetime, end: datetime, chunk: int = 10_000
    ) -> Iterator[list[Event]]:
        self.apply_pending()
        # A cursor of its own: the caller may use this thread's between chunks.
        cur = self._db.cursor()
        try:
            with self._gate.passing():  # each step: the caller may hold a chunk for long
                cur.execute(Q["export_events"], [site_id, _naive(start), _naive(end)])
            names = [d[0] for d in cur.description or []]
            while True:
                with self._gate.passing():
                    rows = cur.fetchmany(chunk)
                if not rows:
                    break
                yield [event_from_row(names, row) for row in rows]
        except duckdb.Error as exc:
            raise self._failure(exc) from exc
        finally:
            cur.close()

    def fetch_events(self, site_id: int, limit: int = 1000) -> list[dict[str, object]]:
        self.apply_pending()
        cur = self._cur
        try:
            with self._gate.passing():
                cur.execute(Q["fetch_events"], [site_id, limit])
                names = [d[0] for d in cur.description or []]
                rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        except duckdb.Error as exc:
            raise self._failure(exc) from exc
        for row in rows:
            row["timestamp"] = utc(row["timestamp"])
        return rows

    # parts: an in-memory store assembled from pieces of another backend's data ------
    def copy_to_parquet(self, table: str, path: Path) -> int:
        """Write every row of ``table`` (``events``, with their visits' ids, or
        ``visits``) to a Parquet file at ``path``; how many (OSError when it cannot)."""
        if table not in {"events", "visits"}:
            raise ValueError(f"no table {table!r} to copy")
        with self._cur.cursor() as cur, self._gate.passing():
            try:
                [(rows,)] = cur.execute(
                    f"COPY {table} TO $path (FORMAT parquet)", {"path": str(path)}
                ).fetchall()
            except duckdb.IOException as exc:  # a full disk, as a file write says it
                raise OSError(f"cannot write {path}: {exc}") from exc
        return int(rows)

    def load_split(self, events: Sequence[str], visits: Sequence[str]) -> None:
        """Add events that carry their visits' ids, and those visits, from Parquet files
        (snapshots of other days' stores); then ``resplit_near`` where they meet."""
        with self._write_lock, self._transaction() as cur:
            cur.execute(Q["load_split_events"], {"files": list(events)})
            cur.execute(Q["load_split_visits"], {"files": list(visits)})

    def resplit_near(self, instants: Sequence[datetime]) -> None:
        """Split again, by the rule, the visits of the visitors with events within the
        timeout of any of ``instants`` (where snapshots of separate days meet)."""
        if not instants:
            return
        t = self._visit_timeout
        spans = Table.from_pydict(
            {
                "lo": datetimes_array([i - t for i in instants]),
                "mid": datetimes_array(instants),
                "hi": datetimes_array([i + t for i in instants]),
            }
        )
        with self._write_lock, self._transaction() as cur:
            cur.register("spans", spans)
            try:
                cur.execute(Q["events_near"])
            finally:
                cur.unregister("spans")
            cur.execute("CREATE OR REPLACE TEMP VIEW incoming_batch AS SELECT * FROM near")
            try:
                _recompute_visits(cur, t, fresh=False)
            finally:
                cur.execute("DROP VIEW incoming_batch")
                cur.execute("DROP TABLE near")

    def delete_events(
        self, site_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> None:
        self.apply_pending()
        with self._write_lock, self._transaction() as cur:
            if start is None and end is None:
                cur.execute(Q["delete_site_events"], [site_id])
                cur.execute(Q["delete_site_visits"], [site_id])
                return
            bounds = {
                "site": site_id,
                "start": None if start is None else _naive(start),
                "end": None if end is None else _naive(end),
            }
            # The deleted events stand in for a batch: the visits of their visitors are
            # split again from what remains (footfall/visits.py).
            cur.execute(Q["doomed_events"], bounds)
            try:
                cur.execute(Q["delete_doomed_events"], bounds)
                cur.execute("CREATE OR REPLACE TEMP VIEW incoming_batch AS SELECT * FROM doomed")
                _recompute_visits(cur, self._visit_timeout, fresh=False)
            finally:
                cur.execute("DROP VIEW IF EXISTS incoming_batch")
                cur.execute("DROP TABLE doomed")

    # salts -------------------------------------------------------------------
    def ensure_salts(self, candidates: Mapping[date, bytes]) -> dict[date, bytes]:
        # One at a time: two DuckDB transactions inserting the same day conflict at
        # commit instead of one of them doing nothing.
        with self._write_lock, self._transaction() as cur:
            for day, salt in candidates.items():
                cur.execute(Q["insert_salt"], [day, salt])
            cur.execute(Q["delete_old_salts"], [min(candidates)])
            rows = cur.execute(Q["salts_for_days"], [list(candidates)]).fetchall()
        return {r[0]: bytes(r[1]) for r in rows}

    # stats -------------------------------------------------------------------
    def answer(self, query: StatsQuery, site: Site, goals: Sequence[Goal]) -> list[tuple[Any, ...]]:
        built = builder.plan(query, site.id, goals, self._dialect)
        return self.read(built.sql, built.params)

    def funnel(
        self, query: StatsQuery, site: Site, steps: Sequence[FunnelStep], goals: Sequence[Goal]
    ) -> list[int]:
        built = funnel_sql.plan(query, site.id, steps, goals, self._dialect)
        rows = self.read(built.sql, built.params)
        return [int(c) for c in rows[0]]

    def prop_keys(self, site: Site, start: datetime, end: datetime, limit: int) -> list[str]:
        built = builder.prop_keys(site.id, start, end, limit, self._dialect)
        return [str(r[0]) for r in self.read(built.sql, built.params)]

    def realtime(self, site: Site, now: datetime) -> list[tuple[Any, ...]]:
        built = live.realtime(site.id, now, self._dialect)
        return self.read(built.sql, built.params)

    def overview(self, site_ids: Sequence[int], now: datetime) -> list[tuple[Any, ...]]:
        if not site_ids:
            return []
        built = live.overview(site_ids, now, self._dialect)
        return self.read(built.sql, built.params)

    def read(self, sql: str, params: Mapping[str, object]) -> list[tuple[Any, ...]]:
        """Run SQL over every committed event (the stats seam's engine; tests and
        benches use it to look inside)."""
        rows: list[tuple[Any, ...]] = self._run(
            lambda cur: cur.execute(sql, dict(params)).fetchall()
        )
        return rows

    def read_arrow(self, sql: str, params: Mapping[str, object]) -> Table:
        """``read``, as an Arrow table (to hand rows to another DuckDB without copies)."""
        table: Table = self._run(
            # the relation's Arrow PyCapsule stream, read whole
            lambda cur: Table.from_arrow(cur.sql(sql, params=dict(params)))
        )
        return table

    def _run(self, fetch: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
        """``fetch`` on this thread's cursor, within its time limit, errors mapped."""
        self._activity += 1
        self.apply_pending()
        cur = self._cur
        try:
            with self._gate.passing(), self._interruptible(cur):
                return fetch(cur)
        except duckdb.InterruptException:
            raise self._timed_out() from None
        except duckdb.Error as exc:
            raise self._failure(exc) from exc

    @contextmanager
    def _interruptible(self, cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """Interrupt ``cur`` (this thread's cursor) at the thread's time limit, if any.

        The interrupt is sent only while the statement runs (a lock orders it against
        the statement's end), so it never reaches a later statement of the cursor."""
        remaining = self._remaining()
        if remaining is None:
            yield
            return
        guard = threading.Lock()
        running = True

        def interrupt() -> None:
            with guard:
                if running:
                    cur.interrupt()

        timer = threading.Timer(remaining, interrupt)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            with guard:
                running = False
            timer.cancel()

    def _idle_tick(self) -> None:
        """After each round of the apply thread (a second apart when idle): after
        IDLE_TICKS rounds without a read or an apply, ``release_idle_memory`` once per
        quiet period."""
        seen = self._activity
        if seen != self._seen_activity:
            self._seen_activity, self._quiet_ticks = seen, 0
            return
        self._quiet_ticks += 1
        if self._quiet_ticks == IDLE_TICKS:
            self.release_idle_memory()

    def release_idle_memory(self) -> bool:
        """Give an idle server's memory back: a CHECKPOINT (the rows applied since the last
        one leave memory for the file, with their index: ~25 MB after 300k events),
        then, with the statements held off at the gate for the moment, DuckDB's memory
        limit lowered to the first of EVICT_LIMITS it accepts (its cached blocks of the
        file evicted: ~45 MB after a dashboard round over 1M events) and set back to its
        own value, which also flushes its allocator's cached pages to the system. A
        statement arriving meanwhile waits, never fails. Skipped (False) while a write
        of ours is under way (a CHECKPOINT fails beside another write transaction); the
        eviction alone is skipped when the statements under way outlast EVICT_WAIT
        (docs/performance.md, "Memory")."""
        if not self._write_lock.acquire(blocking=False):
            return False
        try:
            if not self._records_lock.acquire(blocking=False):
                return False
            try:
                cur = self._db.cursor()
                try:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("CHECKPOINT")
                    limit = self._config.get("memory_limit")
                    if limit is None:
                        row = _first(cur.execute("SELECT current_setting('memory_limit')"))
                        limit = row[0] if row else None
                    if limit is not None:
                        with self._gate.closed(EVICT_WAIT) as shut:
                            if shut and _evict(cur):
                                self.evicted += 1
                            cur.execute(f"SET memory_limit = '{limit}'")
                finally:
                    cur.close()
            finally:
                self._records_lock.release()
        finally:
            self._write_lock.release()
        self.released += 1
        return True

    def rebuild_visits(self) -> None:
        """Recompute every visit from the events (after bulk loads that bypass ingest)."""
        self.apply_pending()
        with self._write_lock, self._transaction() as cur:
            _rebuild_visits(cur, self._visit_timeout)

    def first_event_at(self, site_id: int) -> datetime | None:
        self.apply_pending()
        row = self._one("first_event", [site_id])
        return utc(row[0]) if row else None

    # health ------------------------------------------------------------------
    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers and events are applying."""
        try:
            with self._gate.passing():
                _first(self._cur.execute("SELECT 1"))
        except duckdb.Error as exc:
            raise self._failure(exc) from exc
        health = self.health()
        if health.failing:
            raise StoreUnavailable(
                f"{health.unapplied_events} committed events wait in the journal: "
                f"{health.last_error}"
            )

    def close(self) -> None:
        """Stop the applier, apply what the journal holds, close the file."""
        if self._applier is not None:
            self._applier.close()
        with contextlib.suppress(duckdb.Error):
            self._db.close()


def open_backend(url: str, options: Options) -> DuckDBStore:
    """``duckdb:///path/to/file.duckdb`` (store/registry.py)."""
    return DuckDBStore(path_from_url(url), options.visit_timeout)
