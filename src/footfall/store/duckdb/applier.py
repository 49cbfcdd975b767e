"""Moves journaled event batches into the store's table, and never loses one.

The write buffer commits to the journal (store/duckdb/journal.py); an ``Applier`` keeps the
batches not yet in the table in memory, in sequence order, and moves them in with one
``insert(tables, last_seq)`` call that must record ``last_seq`` in the same transaction.
A batch leaves memory only once the store says it is applied (after a failure, the
store is asked which sequence number it really holds: a commit can succeed and still
raise, as a DuckDB checkpoint failing after the commit does), and a journal segment is
deleted only once every batch in it is applied.

A background thread applies every second (each apply re-reads the visits window of the
events it touches, so its cost is mostly per apply, not per event: at a quarter second
it took a third of the one core under single-event load; a reader waits for no interval,
it applies first). When ingest keeps it busy, it applies more at a time, less often:
it waits ten times its last apply's wall time, up to 4 s (``APPLY_AT_ROWS`` pending
rows still wake it at once). At 1M stored events an apply of the bench's batches cost
~70 ms plus ~8 us per event of CPU (docs/performance.md, 2026-11-30 18:30), and on a
busy core its wall time is longer still. It backs off (to 5 s) while applying fails (a
full disk, an invalidated database) and is restarted if it ever dies; ``health`` tells
/ready and /metrics how it fares.

While the batches wait, a second thread merges them, a few thousand rows at a time,
into the chunks the apply hands DuckDB (``_merge_loop``): arro3 concatenates, and frees,
holding the GIL, and done at once for a busy apply's 150,000 rows it held the GIL for
50-130 ms, the event loop waiting (docs/performance.md, "Batch ingest without the
concatenation"). The merge is in memory only; the journal is what it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable

from footfall.errors import StoreUnavailable
from footfall.store import arrow
from footfall.store.base import ApplyHealth
from footfall.store.duckdb.journal import Journal

log = logging.getLogger(__name__)

APPLY_EVERY_SECONDS = 1.0
BUSY_APPLY_EVERY_SECONDS = 4.0  # the longest wait while the applies are long
APPLY_SPACING = 10  # the wait: this many times the last apply's wall time, at least
# Below this much free space the journal reports a full disk before an append fails:
# /ready fails while nothing is being written too (a batch of 1,000 events is ~100 KiB).
MIN_FREE_BYTES = 1 << 20
APPLY_AT_ROWS = 50_000
# Back-pressure. Ingest on one core outran the apply (niced, it gets what the requests
# leave), and the backlog, held in memory, grew without bound: 2.7 GB of RSS after 40 s
# of 100-event batches at 53k events/s (docs/performance.md, "Back-pressure"). Past half
# of MAX_UNAPPLIED_ROWS not yet applied, each append first pauses, longer as the backlog
# nears the limit and as the batch is larger (PAUSE_PER_ROW at the limit, up to
# MAX_PAUSE): the requests wait that much longer, the core is left to the apply, and
# ingest slows to the rate the apply keeps up with. At the limit an append waits for
# an apply (up to APPEND_WAIT_SECONDS, then StoreUnavailable: a 503 to retry). The rows
# an apply under way holds do not count: an append waiting for the whole of a long
# apply stalled its requests for a second and more. 200,000 rows are ~40 MB of Arrow
# columns (twice that with an apply's) and an apply of 1-2 s here.
MAX_UNAPPLIED_ROWS = 200_000
PAUSE_PER_ROW = 0.0002  # 20 ms for a flush of 100 events at the limit
MAX_PAUSE = 0.25
APPEND_WAIT_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 5.0  # a freed disk is used within seconds


def next_delay(last_apply_seconds: float) -> float:
    """The wait before the next apply: a second, longer while applies take long."""
    return min(
        max(APPLY_SPACING * last_apply_seconds, APPLY_EVERY_SECONDS), BUSY_APPLY_EVERY_SECONDS
    )


class Applier:
    def __init__(
        self,
        journal: Journal,
        applied_seq: int,
        insert: Callable[[list[arrow.Rows], int], None],
        read_applied: Callable[[], int],
        tick: Callable[[], None] | None = None,
    ) -> None:
        self._journal = journal
        self._tick = tick  # after each round of the thread (the store's idle release)
        self._insert = insert
        self._read_applied = read_applied
        self._unapplied: list[tuple[int, arrow.Rows]] = list(journal.recover(applied_seq))
        self._rows = sum(t.num_rows for _, t in self._unapplied)
        self._mutex = threading.Lock()  # the unapplied list against concurrent appends
        self._room = threading.Condition(self._mutex)  # notified when an apply frees rows
        self.max_rows = MAX_UNAPPLIED_ROWS
        self.append_wait = APPEND_WAIT_SECONDS
        self.waits = 0  # appends that waited for room at the limit (/metrics, tests)
        # The last sequence number an apply has taken: the merge thread leaves the
        # batches up to it alone (an apply under way holds them).
        self._taken = 0
        self._taken_rows = 0  # the rows of the apply under way, if any
        self._loose = 0  # rows of the small batches not merged yet (about)
        self._merge_wake = threading.Event()
        self._merger: threading.Thread | None = None
        self._apply_lock = threading.Lock()  # one apply at a time
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._failing = False  # the last apply failed
        self._journal_error = ""  # the last append failed: ingest answers 503
        self._last_error = ""
        self._failures = 0
        self._crashes = 0

    @property
    def health(self) -> ApplyHealth:
        error = self._journal_error or self._last_error
        free = self._journal.free_bytes()
        if not error and free < MIN_FREE_BYTES:
            error = f"the journal's disk is full ({free} bytes free)"
        failing = self._failing or bool(error)
        return ApplyHealth(failing, error, self._failures, self._crashes, self._rows, self.waits)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._supervise, daemon=True, name="apply")
        self._thread.start()
        self._merger = threading.Thread(target=self._merge_loop, daemon=True, name="merge")
        self._merger.start()

    def append(self, table: arrow.Rows) -> None:
        """Journal ``table`` durably (fsynced) or raise StoreUnavailable: when the apply
        is ``max_rows`` behind, once it has caught up, or after ``append_wait`` seconds
        without (nothing journaled then)."""
        soft = self.max_rows // 2
        waiting = self._waiting  # read without the lock: a pause needs no exact count
        if waiting > soft:
            self._wake.set()
            near = min(1.0, (waiting - soft) / (self.max_rows - soft))
            time.sleep(min(MAX_PAUSE, PAUSE_PER_ROW * table.num_rows * near))
        try:
            with self._mutex:
                if self._waiting >= self.max_rows:
                    self._wait_for_room()
                seq = self._journal.append(table)
                self._unapplied.append((seq, table))
                self._rows += table.num_rows
                self._loose += table.num_rows
        except OSError as exc:
            self._journal_error = f"cannot write the event journal: {exc}"
            raise StoreUnavailable(self._journal_error) from exc
        self._journal_error = ""
        if self._rows >= APPLY_AT_ROWS:
            self._wake.set()
        if self._loose >= arrow.CHUNK_ROWS:
            self._merge_wake.set()

    @property
    def _waiting(self) -> int:
        """Journaled rows no apply has taken yet: what back-pressure bounds."""
        return self._rows - self._taken_rows

    def _wait_for_room(self) -> None:
        """With ``_mutex`` held: wait until an apply has brought the backlog under
        ``max_rows``, or raise StoreUnavailable."""
        self.waits += 1
        self._wake.set()  # the apply thread may be between applies: now
        deadline = time.monotonic() + self.append_wait
        while self._waiting >= self.max_rows:
            left = deadline - time.monotonic()
            if left <= 0 or self._closing:
                raise StoreUnavailable(
                    f"{self._rows} committed events are waiting to be moved into the store; "
                    "retry shortly",
                    retry_after=2,
                )
            self._room.wait(left)

    def apply(self) -> None:
        """Move every journaled batch into the table, or raise StoreUnavailable."""
        with self._apply_lock:
            if self._journal_error and self._journal.has_room():
                self._journal_error = ""
            with self._mutex:
                pending = list(self._unapplied)
                closed = self._journal.rotate()
                if pending:
                    self._taken = pending[-1][0]
                    self._taken_rows = sum(t.num_rows for _, t in pending)
            if pending:
                try:
                    self._insert([t for _, t in pending], pending[-1][0])
                except Exception as exc:
                    self._failed(exc)
                    with contextlib.suppress(Exception):
                        self._forget(self._read_applied())
                    with self._mutex:  # if that failed too: the rows wait again
                        self._taken_rows = 0
                        self._room.notify_all()
                    raise StoreUnavailable(
                        f"{self._rows} committed events cannot be moved into the store yet "
                        f"({exc}); they are safe in the journal",
                        retry_after=5,
                    ) from exc
                self._forget(pending[-1][0])
                _release(pending)
            for segment in closed:  # every batch in them is applied now
                with contextlib.suppress(OSError):
                    segment.unlink(missing_ok=True)
            self._failing, self._last_error = False, ""

    def _merge_loop(self) -> None:
        """Merge the journaled batches, as they come, into chunks of about CHUNK_ROWS
        rows while they wait for their apply: the apply's one Arrow table is then made
        of few chunks, not concatenated from hundreds of small batches at once. arro3
        concatenates holding the GIL (~1.3 us a row, ~200 ms for the 150,000 rows of a
        busy apply), and frees a table's arrays holding it too (~35 us a 100-row batch):
        done here, a chunk at a time, no step holds it more than a few milliseconds
        (docs/performance.md, "Batch ingest without the concatenation"). Merging is in
        memory only: the journal is the same, so a crash loses or repeats nothing."""
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while not self._closing:
            self._merge_wake.wait()
            self._merge_wake.clear()
            try:
                while self._merge_one():
                    pass
            except Exception:  # the apply works without merged chunks: log, carry on
                log.exception("merging journaled batches failed")

    def _merge_one(self) -> bool:
        """Merge the earliest run of small batches past the apply's that holds
        CHUNK_ROWS rows into one chunk; whether there was one."""
        with self._mutex:
            start = len(self._unapplied)
            while start > 0:
                seq, t = self._unapplied[start - 1]
                if seq <= self._taken or t.num_rows >= arrow.CHUNK_ROWS:
                    break
                start -= 1
            run: list[tuple[int, arrow.Rows]] = []
            rows = 0
            for entry in self._unapplied[start:]:
                run.append(entry)
                rows += entry[1].num_rows
                if rows >= arrow.CHUNK_ROWS:
                    break
            if rows < arrow.CHUNK_ROWS:
                self._loose = rows  # every small batch past the apply's: wait for more
                return False
        merged = (run[-1][0], arrow.concat([t for _, t in run]))
        with self._mutex:
            # An apply may have applied the run meanwhile: then the merged chunk is
            # dropped. One under way holds its own list of the batches, and forgets
            # the merged chunk with them (its sequence number is the run's last).
            at = next((i for i, e in enumerate(self._unapplied) if e is run[0]), None)
            if at is not None:
                self._unapplied[at : at + len(run)] = [merged]
        _release(run)
        return True

    def _forget(self, applied: int) -> None:
        with self._mutex:
            done = 0
            while done < len(self._unapplied) and self._unapplied[done][0] <= applied:
                done += 1
            self._rows -= sum(t.num_rows for _, t in self._unapplied[:done])
            del self._unapplied[:done]
            self._taken_rows = 0  # the apply is over, done or failed
            self._room.notify_all()

    def _failed(self, exc: Exception) -> None:
        self._failures += 1
        self._last_error = str(exc)
        if not self._failing:
            log.error("moving journaled events into the store failed; retrying: %s", exc)
        self._failing = True

    def _supervise(self) -> None:
        # Linux niceness is per thread: let request handling win the CPU over the
        # applier, which only needs to keep up over seconds, not milliseconds.
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while not self._closing:
            try:
                self._loop()
            except BaseException:  # a bug must not stop the applying for good
                self._crashes += 1
                log.exception("the apply thread crashed; restarting it")
                time.sleep(1.0)

    def _loop(self) -> None:
        delay = APPLY_EVERY_SECONDS
        failing = False
        while not self._closing:
            self._wake.wait(delay)
            self._wake.clear()
            started = time.monotonic()
            try:
                self.apply()
            except StoreUnavailable:
                failing = True
                delay = min(max(delay, APPLY_EVERY_SECONDS) * 2, MAX_BACKOFF_SECONDS)
            else:
                if failing:
                    log.warning("journaled events are moving into the store again")
                failing = False
                delay = next_delay(time.monotonic() - started)
                if self._tick is not None:
                    self._tick()

    def close(self) -> None:
        """Stop the thread and apply what is left; what cannot be applied stays journaled
        for the next start."""
        self._closing = True
        self._wake.set()
        self._merge_wake.set()
        if self._thread is not None:
            self._thread.join()
        if self._merger is not None:
            self._merger.join()
        try:
            self.apply()
        except StoreUnavailable as exc:
            log.error("shutting down with events still in the journal: %s", exc.detail)
        self._journal.close()


def _release(entries: list[tuple[int, arrow.Rows]]) -> None:
    """Drop the list's tables one at a time: arro3 frees a table's arrays holding the
    GIL (~35 us a 100-row batch), and a list of 1,500 batches let go at once held it
    ~50 ms (the event loop waiting: docs/performance.md)."""
    while entries:
        entries.pop()
