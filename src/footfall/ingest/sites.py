"""A short-lived cache of site lookups, so ingest does not query the store per event.

Entries (including misses) live a few seconds: a site added or removed through
another replica is seen after at most ``ttl``; this process's own changes call
``invalidate``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from footfall.domain import Site
from footfall.store.base import Store


class SiteCache:
    def __init__(self, store: Store, ttl: float = 5.0, max_entries: int = 50_000) -> None:
        self._store = store
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[tuple[str, object], tuple[float, Site | None]] = {}

    def _get(self, kind: str, key: object, load: Callable[[], Site | None]) -> Site | None:
        now = time.monotonic()
        hit = self._entries.get((kind, key))
        if hit is not None and hit[0] > now:
            return hit[1]
        site = load()
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[(kind, key)] = (now + self._ttl, site)
        return site

    def by_domain(self, domain: str) -> Site | None:
        return self._get("domain", domain, lambda: self._store.get_site(domain))

    def by_id(self, site_id: int) -> Site | None:
        return self._get("id", site_id, lambda: self._store.get_site_by_id(site_id))

    def by_umami_id(self, website_id: str) -> Site | None:
        return self._get("umami", website_id, lambda: self._store.get_site_by_umami_id(website_id))

    def invalidate(self) -> None:
        self._entries.clear()
