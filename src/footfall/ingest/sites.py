"""A short-lived cache of site lookups, so ingest does not query the store per event.

Entries (including misses) live a few seconds: a site added or removed through
another replica is seen after at most ``ttl``; this process's own changes call
``invalidate``.
"""

from __future__ import annotations

from footfall.domain import Site
from footfall.store.base import Store
from footfall.ttl import TTLCache


class SiteCache:
    def __init__(self, store: Store, ttl: float = 5.0, max_entries: int = 50_000) -> None:
        self._store = store
        self._cache: TTLCache[tuple[str, object], Site | None] = TTLCache(ttl, max_entries)

    def by_domain(self, domain: str) -> Site | None:
        return self._cache.get(("domain", domain), lambda: self._store.get_site(domain))

    def by_id(self, site_id: int) -> Site | None:
        return self._cache.get(("id", site_id), lambda: self._store.get_site_by_id(site_id))

    def by_umami_id(self, website_id: str) -> Site | None:
        return self._cache.get(
            ("umami", website_id), lambda: self._store.get_site_by_umami_id(website_id)
        )

    def invalidate(self) -> None:
        self._cache.clear()
