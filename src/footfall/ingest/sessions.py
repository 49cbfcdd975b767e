"""Session (visit) assignment: events of one visitor on one site with gaps under the
timeout (30 minutes) share a session id.

``SessionStore`` is the seam for sharing state between replicas: this module has the
in-process store for a single replica; a Redis store implements the same two methods.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from footfall.store.base import RecentSession


@dataclass(frozen=True, slots=True)
class SessionKey:
    site_id: int
    visitor_id: int  # under today's salt
    # under yesterday's salt, to carry visits over midnight; computed only when needed
    previous_visitor_id: Callable[[], int]


@dataclass(slots=True)
class SessionState:
    session_id: int
    visitor_id: int
    started_at: datetime
    last_seen_at: datetime
    entry_page: str


class SessionStore(Protocol):
    def assign(self, key: SessionKey, at: datetime, page: str) -> SessionState:
        """Return the visitor's open session (extended to ``at``) or a new one."""

    def prune(self) -> int:
        """Forget sessions no event has touched for longer than the timeout (wall clock:
        a visit imported from history must survive until its last batch arrives)."""


def new_session_id() -> int:
    return secrets.randbits(63)


class MemorySessionStore:
    """Sessions of one process, seeded at start-up from the store's recent events."""

    def __init__(
        self,
        timeout: timedelta = timedelta(minutes=30),
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timeout = timeout
        self._wall = wall
        self._open: dict[tuple[int, int], SessionState] = {}
        self._touched: dict[tuple[int, int], float] = {}
        self._lock = threading.Lock()

    def seed(self, sessions: list[RecentSession]) -> None:
        with self._lock:
            for s in sessions:
                state = SessionState(
                    s.session_id, s.visitor_id, s.started_at, s.last_seen_at, s.entry_page
                )
                current = self._open.get((s.site_id, s.visitor_id))
                if current is None or current.last_seen_at < state.last_seen_at:
                    self._open[(s.site_id, s.visitor_id)] = state
                    self._touched[(s.site_id, s.visitor_id)] = self._wall()

    def _live(self, state: SessionState | None, at: datetime) -> bool:
        # Out-of-order events (server-side batches) join a session they fall inside of.
        return (
            state is not None
            and state.started_at - self._timeout < at < state.last_seen_at + self._timeout
        )

    def assign(self, key: SessionKey, at: datetime, page: str) -> SessionState:
        with self._lock:
            state = self._assign(key, at, page)
            for k in {(key.site_id, key.visitor_id), (key.site_id, state.visitor_id)}:
                self._touched[k] = self._wall()
            return state

    def _assign(self, key: SessionKey, at: datetime, page: str) -> SessionState:
        state = self._open.get((key.site_id, key.visitor_id))
        if not self._live(state, at):
            previous = key.previous_visitor_id()
            carried = self._open.get((key.site_id, previous))
            if previous != key.visitor_id and self._live(carried, at):
                state = carried
        if state is None or not self._live(state, at):
            state = SessionState(new_session_id(), key.visitor_id, at, at, page)
            self._open[(key.site_id, key.visitor_id)] = state
            return state
        if at > state.last_seen_at:
            state.last_seen_at = at
        if at < state.started_at:
            state.started_at, state.entry_page = at, page or state.entry_page
        elif not state.entry_page:
            state.entry_page = page  # the visit began with a custom event
        return state

    def prune(self) -> int:
        horizon = self._wall() - self._timeout.total_seconds()
        with self._lock:
            stale = [k for k, touched in self._touched.items() if touched < horizon]
            for k in stale:
                del self._touched[k]
                self._open.pop(k, None)
            return len(stale)

    def __len__(self) -> int:
        return len(self._open)
