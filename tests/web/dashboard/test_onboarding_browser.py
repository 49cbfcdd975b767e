"""Onboarding in Debian's headless Chromium: an empty site shows its snippet, the
server's installation check reads a real page on another port (with and without the
snippet), and the page turns into the dashboard when the first pageview arrives."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from footfall.config import Settings
from tests.support import CHROME_UA, Live, watch_csp
from tests.tracker.conftest import Site, site  # noqa: F401 (the shop on loopback)
from tests.web.dashboard.browser import set_up_owner, shoot


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # the test's site is on loopback, which the check refuses by default
    return settings.model_copy(update={"install_check_private": True})


def test_empty_site_onboarding_checks_and_flips(
    live: Live,
    site: Site,  # noqa: F811 (the fixture imported above)
    browser: Browser,
    tmp_path: Path,
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
        site.pages["/bare"] = (200, "text/html", "<html><head></head><body>hi</body></html>")
        origin = f"http://127.0.0.1:{site.port}"
        page.fill("#check-url", f"{origin}/bare")
        page.click("#check-install")
        page.wait_for_selector('#check-result[data-found="0"]')
        assert "no snippet" in (page.text_content("#check-result") or "")
        site.page("/")
        page.fill("#check-url", f"{origin}/")
        page.click("#check-install")
        page.wait_for_selector('#check-result[data-found="1"]')
        page.emulate_media(color_scheme="dark")
        shoot(page, tmp_path, "onboarding-dark")

        # A visitor opens the site: its pageview turns the page into the dashboard.
        visitor = browser.new_context(user_agent=CHROME_UA)
        try:
            visitor.new_page().goto(f"{site.url}/")
            page.wait_for_selector("#dashboard", timeout=30_000)
        finally:
            visitor.close()
        assert page.url == f"{live.url}/sites/shop.test"
        assert violations == []
    finally:
        context.close()
