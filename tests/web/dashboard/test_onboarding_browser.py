"""Onboarding in Debian's headless Chromium: an empty site shows its snippet, the
server's installation check reads a real page on another port (with and without the
snippet), and the page turns into the dashboard when the first pageview arrives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from footfall.config import Settings
from tests.support import CHROME_UA, Live, watch_csp
from tests.tracker.conftest import Site, _handler
from tests.web.dashboard.browser import set_up_owner, shoot


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # the test's site is on loopback, which the check refuses by default
    return settings.model_copy(update={"install_check_private": True})


@pytest.fixture
def shop(live: Live) -> Iterator[Site]:
    s = Site(live)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(s))
    s.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live.admin.add_site("shop.test")
    yield s
    server.shutdown()
    server.server_close()


def test_empty_site_onboarding_checks_and_flips(
    live: Live, shop: Site, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    try:
        set_up_owner(page, live.url)
        page.goto(f"{live.url}/sites/shop.test")
        page.wait_for_selector("#onboarding")
        assert 'data-domain="shop.test"' in page.input_value("#onboarding-snippet")
        assert page.locator("#dashboard").count() == 0
        shoot(page, tmp_path, "onboarding-light")

        # a page without the snippet, then one with it (the server fetches both)
        shop.pages["/bare"] = (200, "text/html", "<html><head></head><body>hi</body></html>")
        origin = f"http://127.0.0.1:{shop.port}"
        page.fill("#check-url", f"{origin}/bare")
        page.click("#check-install")
        page.wait_for_selector('#check-result[data-found="0"]')
        assert "no snippet" in (page.text_content("#check-result") or "")
        shop.page("/")
        page.fill("#check-url", f"{origin}/")
        page.click("#check-install")
        page.wait_for_selector('#check-result[data-found="1"]')
        page.emulate_media(color_scheme="dark")
        shoot(page, tmp_path, "onboarding-dark")

        # A visitor opens the site: its pageview turns the page into the dashboard.
        visitor = browser.new_context(user_agent=CHROME_UA)
        try:
            visitor.new_page().goto(f"{shop.url}/")
            page.wait_for_selector("#dashboard", timeout=30_000)
        finally:
            visitor.close()
        assert page.url == f"{live.url}/sites/shop.test"
        assert violations == []
    finally:
        context.close()
