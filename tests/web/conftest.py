"""Browser fixtures of the page tests: a fresh Chromium context per test, every page
of which must run under its Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.support import watch_csp


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context()
    violations = watch_csp(ctx)
    yield ctx
    ctx.close()
    assert violations == []  # every page ran under its Content-Security-Policy
