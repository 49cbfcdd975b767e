"""Shared fixtures: fresh stores per test, an app wired to it, a settable clock."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import psycopg_pool.base
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from footfall.config import Settings, load_settings
from footfall.sites import SiteManager
from footfall.store.registry import Stores, open_stores
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.support import CHROMIUM, CHROMIUM_ARGS, Clock, Live, Running, serving, watch_csp

# `make test` runs the suite on two pytest-xdist workers. Each worker takes a Redis
# database of its own (the server has 16), so one worker's FLUSHDB never clears the
# counters another worker's test is reading. Set before any test module reads it.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS = os.environ.get("FOOTFALL_TEST_REDIS_URL", "")
if _WORKER and _REDIS:
    _index = int(_WORKER.removeprefix("gw")) + 1
    os.environ["FOOTFALL_TEST_REDIS_URL"] = f"{_REDIS.rsplit('/', 1)[0]}/{_index}"

# psycopg_pool jitters each new connection's lifetime with the module-level `random`,
# from its worker thread. Hypothesis fails a test whose global random state changes
# while it draws an example, so a pool growing in the background made the PostgreSQL
# property tests flaky. The pool gets a generator of its own (the same numbers).
psycopg_pool.base.random = random.Random().random  # type: ignore[attr-defined]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        database_url=f"duckdb:///{tmp_path}/data/footfall.duckdb",
        secret_key="test-signing-Xq7vR2mK9pLz4wT8nBc3HsY6dF",
        admin_token="test-admin-Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5f",
        flush_interval_ms=2,
    )


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Stores]:
    """Fresh stores on the embedded backend (the contract suite covers every backend)."""
    opened = open_stores(f"duckdb:///{tmp_path}/store.duckdb")
    yield opened
    opened.close()


@pytest.fixture
def running(settings: Settings, clock: Clock) -> Iterator[Running]:
    app = create_app(settings, clock=clock)
    svc: Services = app.state.services
    admin = SiteManager(svc.stores, svc.keys)
    admin.add_site("example.com")
    admin.add_site("other.org", "Europe/Berlin", "2f5c3a9e-6a47-4c1b-9d8e-1f2a3b4c5d6e")
    with TestClient(app, client=("203.0.113.9", 50000)) as client:
        yield Running(client, svc, admin)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium per test module; each test opens its own context.
    (Per module, not per session: Playwright's sync API keeps an event loop running in
    this thread, which pytest-asyncio tests collected after it could not use.)"""
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live(settings: Settings) -> Iterator[Live]:
    """The app on a real loopback port (for the browser), with example.com registered."""
    app = create_app(settings)
    svc: Services = app.state.services
    admin = SiteManager(svc.stores, svc.keys)
    admin.add_site("example.com")
    with serving(app) as (url, server):
        yield Live(url, svc, admin, server)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context whose every page must run under its CSP."""
    ctx = browser.new_context()
    violations = watch_csp(ctx)
    yield ctx
    ctx.close()
    assert violations == []  # every page ran under its Content-Security-Policy
