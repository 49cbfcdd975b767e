"""A readers/writer gate for the embedded store's statements: they pass side by side,
and the idle release (backend.py ``release_idle_memory``) closes it for the moment it
lowers DuckDB's memory limit to evict its cached blocks, which a statement running
meanwhile could fail on (docs/performance.md, "Memory"). A statement that arrives then
waits, never fails; the release waits for the statements under way, within a bound,
and is skipped past it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Gate:
    """Closing holds new statements off at once (else a steady stream of readers would
    starve it); a thread already inside passes again without waiting (nested statements
    of one thread), and the bound on closing undoes any wait that still forms a cycle."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._inside = 0
        self._closing = False
        self._depth = threading.local()

    @contextmanager
    def passing(self) -> Iterator[None]:
        depth: int = getattr(self._depth, "n", 0)
        with self._cond:
            if not depth:
                self._cond.wait_for(lambda: not self._closing)
            self._inside += 1
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            with self._cond:
                self._inside -= 1
                if not self._inside:
                    self._cond.notify_all()

    @contextmanager
    def closed(self, timeout: float) -> Iterator[bool]:
        """Closed once no statement is inside (True), or not within ``timeout`` (False);
        open again after."""
        with self._cond:
            if self._closing:  # closed by another thread: not twice
                shut = False
            else:
                self._closing = True
                shut = self._cond.wait_for(lambda: not self._inside, timeout)
                if not shut:
                    self._closing = False
                    self._cond.notify_all()
        try:
            yield shut
        finally:
            if shut:
                with self._cond:
                    self._closing = False
                    self._cond.notify_all()
