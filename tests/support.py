"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from footfall.sites_admin import Admin
from footfall.web.services import Services

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 10, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Running:
    """A started app with its services and an HTTP client (lifespan included)."""

    client: TestClient
    svc: Services
    admin: Admin

    def key(self, domain: str, scopes: str = "ingest") -> str:
        from footfall.sites_admin import parse_scopes

        return self.admin.create_key(domain, parse_scopes(scopes)).key

    def events(self, domain: str) -> list[dict[str, object]]:
        site = self.svc.store.get_site(domain)
        assert site is not None
        return self.svc.store.fetch_events(site.id)
