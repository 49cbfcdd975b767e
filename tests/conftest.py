"""Shared fixtures: a fresh store per test, an app wired to it, a settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from footfall.config import Settings, load_settings
from footfall.sites_admin import Admin
from footfall.store.duckdb import DuckDBStore
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.support import Clock, Running


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        database_url=f"duckdb:///{tmp_path}/data/footfall.duckdb",
        secret_key="test-secret-key-that-is-long-enough-0123",
        admin_token="test-admin-token-that-is-long-enough-0123",
        flush_interval_ms=2,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    s = DuckDBStore(str(tmp_path / "store.duckdb"))
    yield s
    s.close()


@pytest.fixture
def running(settings: Settings, clock: Clock) -> Iterator[Running]:
    app = create_app(settings, clock=clock)
    svc: Services = app.state.services
    admin = Admin(svc.store, svc.keys)
    admin.add_site("example.com")
    admin.add_site("other.org", "Europe/Berlin", "2f5c3a9e-6a47-4c1b-9d8e-1f2a3b4c5d6e")
    with TestClient(app, client=("203.0.113.9", 50000)) as client:
        yield Running(client, svc, admin)
