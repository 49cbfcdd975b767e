"""A short-lived cache of site lookups, so ingest does not query the store per event.

Each site comes with its traffic shields, compiled (footfall/shields.py), so every
replica drops what they exclude. Entries (including misses) live a few seconds: a site
(or its shields) added, changed or removed through another replica is seen after at
most ``ttl``, or at once with Redis (footfall/shared.py: ``invalidate`` calls
``announce``, and every replica's news ``forget``s).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any, cast

from footfall.domain import Site
from footfall.offload import offload
from footfall.shields import OPEN, Guard
from footfall.store.base import Catalog

_MISS = object()


class SiteCache:
    """Sync lookups (``by_*``) for worker threads; on the event loop, ``prepare`` the
    requests' sites first (off the loop when any is missing), then ``cached`` reads."""

    def __init__(
        self,
        store: Catalog,
        ttl: float = 5.0,
        max_entries: int = 50_000,
        executor: Executor | None = None,
    ) -> None:
        self._store = store
        # Misses are loaded here (None: asyncio's default pool): the app gives the hot
        # path threads of its own, which no stats query or page can take.
        self.executor = executor
        self._ttl = ttl
        self._max = max_entries
        self.announce: Callable[[], None] = lambda: None  # Shared.announce with Redis
        self._entries: dict[tuple[str, object], tuple[float, Site | None, Guard]] = {}
        self._loaders: dict[str, Callable[[Any], Site | None]] = {
            "domain": store.get_site,
            "id": store.get_site_by_id,
            "umami": store.get_site_by_umami_id,
        }

    def peek(self, kind: str, key: object) -> Site | object | None:
        """The cached answer (a Site or None), or ``_MISS``; never the store."""
        hit = self._entries.get((kind, key))
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return _MISS

    def get(self, kind: str, key: object) -> Site | None:
        """The site, from the cache or the store (blocking: worker threads only)."""
        hit = self.peek(kind, key)
        if hit is not _MISS:
            return cast(Site | None, hit)
        site = self._loaders[kind](key)
        guard = OPEN
        if site is not None:
            shields = self._store.shields(site.id)
            guard = OPEN if shields == OPEN.shields else Guard(shields)
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[(kind, key)] = (time.monotonic() + self._ttl, site, guard)
        return site

    async def prepare(self, wanted: Iterable[tuple[str, object]]) -> None:
        """Load every (kind, key) not cached, in one trip off the event loop."""
        missing = [w for w in wanted if self.peek(*w) is _MISS]
        if missing:
            await offload(self._load_all, missing, executor=self.executor)

    def _load_all(self, wanted: list[tuple[str, object]]) -> None:
        for kind, key in wanted:
            self.get(kind, key)

    def cached(self, kind: str, key: object) -> Site | None:
        """After ``prepare``: the prepared answer even if it expired since (no store)."""
        hit = self._entries.get((kind, key))
        return hit[1] if hit is not None else None

    def cached_entry(self, kind: str, key: object) -> tuple[Site | None, Guard]:
        """After ``prepare``: the site ``cached`` answers and its shields, in one lookup."""
        hit = self._entries.get((kind, key))
        return (hit[1], hit[2]) if hit is not None else (None, OPEN)

    async def by_id(self, site_id: int) -> Site | None:
        await self.prepare([("id", site_id)])
        return self.cached("id", site_id)

    async def by_domain(self, domain: str) -> Site | None:
        await self.prepare([("domain", domain)])
        return self.cached("domain", domain)

    def invalidate(self) -> None:
        """After this process changed a site: forget, and tell the other replicas."""
        self.forget()
        self.announce()

    def forget(self) -> None:
        self._entries.clear()
