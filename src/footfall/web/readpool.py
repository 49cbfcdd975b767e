"""Where stats and dashboard reads run: their own bounded thread pool, never ingest's.

A heavy stats query must not delay an ingest request: the write buffer flushes on the
ingest executor (services.py) and every stats read runs here. Each caller (an API
key, a signed-in user, a shared link's visitor by address) may have ``per_caller``
reads at once; another one waits up to ``wait`` seconds for a slot, then gets 429
with Retry-After. A read runs under the store's time limit, counted from the moment
it was asked for: one still queued behind others at its deadline answers 503, one
that runs past it is interrupted in the engine (400 query_timeout). Stats threads run
at a lower CPU priority than request handling (footfall.priority).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar, TypeVarTuple

from footfall import priority
from footfall.errors import OverloadedError, RateLimited
from footfall.store.base import StatsEngine

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
# Set by a caller that would rather wait than be refused (the dashboard's first view,
# answered inside the page: the page waits for it anyway): how long it may wait for
# its caller's slot. None: the pool's ``wait``.
PATIENCE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "footfall_read_patience", default=None
)


@dataclass
class _Caller:
    slots: asyncio.Semaphore
    users: int = 0  # reads running or waiting; the entry goes when none are left


class ReadPool:
    def __init__(
        self, store: StatsEngine, threads: int, per_caller: int, timeout: float, wait: float = 2.0
    ) -> None:
        self._store = store
        self._executor = ThreadPoolExecutor(
            threads, thread_name_prefix="footfall-stats", initializer=priority.lower_this_thread
        )
        self.per_caller = per_caller
        self.timeout = timeout
        self.wait = wait
        self._callers: dict[str, _Caller] = {}

    async def run(self, caller: str, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        """``fn(*args)`` on a stats thread, within the caller's share and time limit."""
        entry = self._callers.get(caller)
        if entry is None:
            entry = self._callers[caller] = _Caller(asyncio.Semaphore(self.per_caller))
        entry.users += 1
        try:
            await self._acquire(entry)
        except BaseException:
            self._leave(caller, entry)
            raise

        def release(_: object = None) -> None:
            entry.slots.release()
            self._leave(caller, entry)

        deadline = time.monotonic() + self.timeout
        try:
            future = self._executor.submit(self._limited, deadline, lambda: fn(*args))
        except BaseException:  # shut down: nothing runs, the slot is free again
            release()
            raise
        loop = asyncio.get_running_loop()
        # The slot is held until the thread is done, even if the request goes away.
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(release, f))
        return await asyncio.wrap_future(future)

    async def _acquire(self, entry: _Caller) -> None:
        if not entry.slots.locked():
            await entry.slots.acquire()
            return
        patience = PATIENCE.get()
        try:
            await asyncio.wait_for(
                entry.slots.acquire(), self.wait if patience is None else patience
            )
        except TimeoutError:
            raise RateLimited(
                f"more than {self.per_caller} stats queries at once from this caller;"
                " wait for the others to finish",
                retry_after=1,
            ) from None

    def _leave(self, caller: str, entry: _Caller) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._callers[caller]

    def _limited(self, deadline: float, call: Callable[[], T]) -> T:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OverloadedError("the server is busy with other stats queries; retry shortly")
        with self._store.time_limit(remaining):
            return call()

    def close(self) -> None:
        """Run nothing new; wait for the running reads (each ends by its time limit)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
