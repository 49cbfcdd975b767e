"""Group-commit write buffer: requests wait until their events are committed.

Events from concurrent requests gather for at most ``interval`` (a few ms), until
``max_events`` are pending, or (with ``quiet``) until none has come for ``quiet``
seconds, then go to the store in one transaction on a thread of
``executor`` (the app gives ingest its own, which no stats query can take); every
waiting request is then released with success or the store's error. Up to
``concurrency`` such transactions run at once (a server store: each on its own pooled
connection); while that many are in flight, new events gather for the next.
Above ``high_water`` pending events, ``submit`` refuses at once (the HTTP layer
answers 503 with Retry-After) instead of queueing without bound. ``stop`` flushes.

Past ``max_events`` pending, a flush waits for the ingest requests already being
served (``expect``: the hot routes count each one until it submits or ends) and for
those whose bytes have come (a few turns of the event loop start their handlers), up
to the interval and ``GATHER_LIMIT`` events: a flush costs the embedded store ~1 ms
however few events it holds (an Arrow array, a record batch and an IPC message per
column, then an fsync), and every 100-event batch was a flush of its own, a quarter
of the core (docs/performance.md, "Flushes that wait for the requests on their way").
With no other request on its way it flushes at once, as before.
Modelled on Plausible's ``ingestion/write_buffer.ex``, with the request held until
the commit so that a 2xx is a promise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import chain
from typing import cast

from footfall.domain import Event, EventColumns
from footfall.errors import OverloadedError
from footfall.offload import offload

log = logging.getLogger(__name__)

# From this many pending events on, ``quiet`` no longer ends the gathering early: a
# flush costs ~0.3-0.45 ms however small (the embedded store's Arrow columns and
# journal message), ~4 us an event at 100. A server-side batch of 100 takes ~1 ms to
# enrich, so without this bound each became a flush of its own (x100 over 4
# connections: 37k events/s against 42k), while single events (a browser's) still
# flush as soon as the requests being served are in.
QUIET_UNDER_EVENTS = 100
# The most events a flush waits for requests on their way to gather (and about the
# most it holds): a bound on its latency and on the Arrow columns built at once.
GATHER_LIMIT = 1_000
# Turns of the event loop a full buffer gives requests that have arrived to start.
SETTLE_TURNS = 3

# The buffer the current request is expected to submit to (``WriteBuffer.expect``), in
# a list: a task the request starts shares it, so the request is settled only once.
_EXPECTED: ContextVar[list[WriteBuffer | None] | None] = ContextVar(
    "footfall_expected", default=None
)


@dataclass(frozen=True, slots=True)
class FlushStats:
    events: int
    seconds: float


class WriteBuffer:
    def __init__(
        self,
        write: Callable[[Sequence[Event]], None],
        interval: float = 0.005,
        max_events: int = 5_000,
        quiet: float = 0.0,
        high_water: int = 100_000,
        on_flush: Callable[[FlushStats], None] | None = None,
        executor: Executor | None = None,
        concurrency: int = 1,
        write_columns: Callable[[EventColumns], None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self._write = write
        # A flush holding a batch's columns (``Ingestor.ingest(columns=True)``) writes
        # them all as columns; without this, as events.
        self._write_columns = write_columns or (lambda columns: write(columns.events()))
        self._concurrency = concurrency
        self._executor = executor
        self._interval = interval
        self._quiet = quiet
        self._max_events = max_events
        self.high_water = high_water
        self._on_flush = on_flush
        self._pending: list[Sequence[Event] | EventColumns] = []  # as submitted
        self._count = 0  # events in ``_pending``
        self._coming = 0  # requests being served that have not submitted yet
        self._arrival = asyncio.Event()  # set when events or a request's end come
        self._waiters: list[asyncio.Future[None]] = []
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._slot = asyncio.Event()  # set when a flush ends
        self._flushes: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def depth(self) -> int:
        """Events accepted but not yet committed."""
        return self._count + self._in_flight

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="write-buffer")

    def expect(self) -> None:
        """Count the current request (task) as on its way here until it submits or
        ``settle`` is called: a full buffer waits for it (the module's docstring)."""
        if _EXPECTED.get() is None:
            _EXPECTED.set([self])
            self._coming += 1

    def settle(self) -> None:
        """The current request will submit nothing more (its end, or its submit)."""
        expected = _EXPECTED.get()
        if expected is not None and expected[0] is self:
            expected[0] = None
            self._coming -= 1
            self._arrival.set()

    def ensure_room(self, count: int) -> None:
        """Raise OverloadedError unless ``count`` more events fit under the high water."""
        if self._stopping:
            raise OverloadedError("server is shutting down", retry_after=2)
        if self.depth + count > self.high_water:
            raise OverloadedError(
                f"write buffer holds {self.depth} events (limit {self.high_water}); retry shortly"
            )

    async def submit(self, events: Sequence[Event] | EventColumns) -> None:
        """Return once ``events`` are committed; raise OverloadedError if they were not."""
        self.settle()
        if not events:
            return
        self.ensure_room(len(events))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(events)
        self._count += len(events)
        self._waiters.append(done)
        self._wake.set()
        if self._count >= self._max_events:
            self._arrival.set()
            self._full.set()
        # Not shielded: a cancelled request cancels only its own future, which the
        # flusher skips (its events are committed all the same).
        await done

    async def _run(self) -> None:
        try:
            while True:
                await self._wake.wait()
                if not self._stopping:
                    await self._gather()
                while len(self._flushes) >= self._concurrency:
                    self._slot.clear()
                    await self._slot.wait()  # events keep gathering meanwhile
                self._wake.clear()
                self._full.clear()
                self._start_flush()
                if self._stopping and not self._pending:
                    return
        finally:
            if self._flushes:
                await asyncio.gather(*self._flushes, return_exceptions=True)

    async def _gather(self) -> None:
        """Wait out the interval, or less: until ``max_events`` are pending and no
        request being served is yet to submit (or GATHER_LIMIT are), or (with
        ``quiet``) until no event has come for ``quiet`` seconds while fewer than
        QUIET_UNDER_EVENTS are pending. Every request being served then has its events
        in, and the rest wait for theirs to commit before they send more: under
        single-event load over 64 connections the 5 ms interval alone left a third of
        the core idle. A busy server keeps getting events and waits the whole
        interval, so its flushes stay large."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._interval
        while True:
            left = deadline - loop.time()
            if left <= 0 or self._count >= GATHER_LIMIT or self._stopping:
                return
            if self._count >= self._max_events:
                if self._coming:
                    self._arrival.clear()  # a request on its way submits, or ends
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._arrival.wait(), left)
                    continue
                # Requests whose bytes have come but whose handlers have not started
                # yet: a few turns of the loop start them (and they are counted).
                seen = self._count
                for _ in range(SETTLE_TURNS):
                    await asyncio.sleep(0)
                if self._count == seen and not self._coming:
                    return
                continue
            before = self._count
            wait = min(self._quiet, left) if self._quiet else left
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), wait)
                continue  # max_events pending
            if self._quiet and self._count == before < QUIET_UNDER_EVENTS:
                return

    def _start_flush(self) -> None:
        parts, count, waiters = self._pending, self._count, self._waiters
        self._pending, self._count, self._waiters = [], 0, []
        if not waiters:
            return
        task = asyncio.get_running_loop().create_task(self._flush(parts, count, waiters))
        self._flushes.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._flushes.discard(finished)
            self._slot.set()

        task.add_done_callback(done)

    def _write_parts(self, parts: list[Sequence[Event] | EventColumns]) -> None:
        """One write of every part (on the flush's thread): events, or all as columns
        when a batch's columns are among them."""
        if any(isinstance(part, EventColumns) for part in parts):
            self._write_columns(EventColumns.join(parts))
        else:
            self._write(list(chain.from_iterable(cast(list[Sequence[Event]], parts))))

    async def _flush(
        self,
        parts: list[Sequence[Event] | EventColumns],
        count: int,
        waiters: list[asyncio.Future[None]],
    ) -> None:
        self._in_flight += count
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            await offload(self._write_parts, parts, executor=self._executor)
        except Exception as exc:  # the flusher must outlive any failed batch
            log.exception("flush of %d events failed", count)
            error = exc
        finally:
            self._in_flight -= count
        if self._on_flush is not None:
            self._on_flush(FlushStats(count, time.perf_counter() - started))
        for waiter in waiters:
            if waiter.done():
                continue
            if error is None:
                waiter.set_result(None)
            else:
                wait = error.retry_after if isinstance(error, OverloadedError) else 1
                waiter.set_exception(
                    OverloadedError(f"events were not stored ({error}); retry", retry_after=wait)
                )

    async def stop(self) -> None:
        """Refuse new events, commit what is pending, end the flusher."""
        self._stopping = True
        self._wake.set()
        self._full.set()  # no waiting out the interval
        self._arrival.set()
        if self._task is not None:
            await self._task
            self._task = None
