"""Ingest rate limits: events per minute per ingest key, and per client address on the
browser routes (which carry no key). Off unless set (``FOOTFALL_INGEST_LIMIT_PER_KEY``,
``FOOTFALL_INGEST_LIMIT_PER_IP``).

Fixed one-minute windows (UTC minutes): a request whose events would take the window's
count past the limit is refused whole with 429 and ``Retry-After`` the seconds to the
next minute; its events still count, so a client that ignores the answer stays refused.
With Redis (footfall/shared.py) the counts are one ``INCRBY`` per request on a key that
expires with the window, shared by every replica; without it, or while Redis does not
answer, each process counts on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from footfall.errors import RateLimited
from footfall.offload import offload
from footfall.shared import PREFIX, Shared

if TYPE_CHECKING:  # only the annotations: Redis is imported when configured (shared.py)
    import redis


@dataclass
class IngestLimits:
    per_key: int  # events per minute per ingest key; 0: no limit
    per_ip: int  # events per minute per client address on keyless routes; 0: no limit
    clock: Callable[[], datetime]
    shared: Shared | None = None
    _minute: int = field(default=-1, init=False)
    _counts: dict[str, int] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def limit(self, kind: str) -> int:
        return self.per_key if kind == "key" else self.per_ip

    async def check(self, kind: str, who: str, events: int) -> None:
        """Count ``events`` for ``who`` (a key prefix, or an address) this minute; raise
        IngestLimited past the limit. Redis is asked off the event loop."""
        if not self.limit(kind) or not events:
            return
        if self.shared is None:
            self.count(kind, who, events)
        else:
            await offload(self.count, kind, who, events)

    def count(self, kind: str, who: str, events: int) -> None:
        now = self.clock()
        minute = int(now.timestamp()) // 60
        name = f"{kind}:{who}"
        with self._lock:
            if minute != self._minute:  # a new window: the old counts go (bounded memory)
                self._minute, self._counts = minute, {}
            self._counts[name] = local = self._counts.get(name, 0) + events
        total = local
        if self.shared is not None:
            key = f"{PREFIX}ingest:{minute}:{name}"

            def add(client: redis.Redis) -> int:
                pipe = client.pipeline()
                pipe.incrby(key, events)
                pipe.expire(key, 120)
                return int(pipe.execute()[0])

            total = self.shared.call(add, lambda: local)
        limit = self.limit(kind)
        if total > limit:
            wait = 60 - int(now.timestamp()) % 60
            per = "ingest key" if kind == "key" else "client address"
            raise RateLimited(
                f"more than {limit} events a minute from this {per}; retry in {wait} s",
                retry_after=wait,
            )
