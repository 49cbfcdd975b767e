"""Segments in Debian's headless Chromium: save the filters on screen as a segment,
share one, pick it from the filter menu (the URL, chips and numbers follow), and a
viewer sees the shared one without being able to change it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from footfall.accounts.models import Role
from footfall.accounts.passwords import hash_password
from tests.support import Live
from tests.web.dashboard.browser import owner_with_traffic, shoot, top_values, wait_ready

DOMAIN = "acme.example"
VIEWER, PASSWORD = "vera@example.com", "correct horse battery staple"


@pytest.fixture
def owner(live: Live, browser: Browser) -> Iterator[Page]:
    with owner_with_traffic(live, browser, DOMAIN) as page:
        yield page


def _save(page: Page, name: str, shared: bool) -> None:
    page.click("#open-segments")
    page.wait_for_selector("#sg-form")
    page.fill("#sg-name", name)
    if shared:
        page.check("#sg-shared")
    page.click("#sg-save")
    page.wait_for_selector(f"#sg-list li[data-name='{name}']")


def test_save_share_and_pick_a_segment(
    live: Live, owner: Page, browser: Browser, tmp_path: Path
) -> None:
    page = owner
    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d&f=is,visit:browser,Chrome")
    wait_ready(page)
    chrome = top_values(page)
    _save(page, "Chrome users", shared=True)
    page.click("#segments .dash-close")
    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d&f=is,visit:device,Mobile")
    wait_ready(page)
    _save(page, "Phones", shared=False)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.reload()
        wait_ready(page)
        page.click("#open-segments")
        page.wait_for_selector("#sg-list")
        shoot(page, tmp_path, f"segments-{scheme}", selector="#segments")
        page.click("#segments .dash-close")
    page.emulate_media(color_scheme="light")

    # Picking a segment replaces the filters: the URL, the chips and the numbers follow.
    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d")
    wait_ready(page)
    page.click("#open-segments")
    page.click("#sg-list li[data-name='Chrome users'] .dash-segment-apply")
    page.wait_for_url("**f=is%2Cvisit%3Abrowser%2CChrome**")
    wait_ready(page)
    assert top_values(page) == chrome
    assert "Chrome" in (page.text_content("#filters") or "")

    # A viewer sees the shared segment, not the owner's own, and cannot change it.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    viewer = context.new_page()
    site = live.svc.stores.catalog.get_site(DOMAIN)
    assert site is not None
    stored = live.svc.stores.accounts
    vera = stored.add_user(VIEWER, hash_password(PASSWORD, [VIEWER]), None)
    stored.set_membership(vera.id, site.id, Role.VIEWER)
    viewer.goto(f"{live.url}/login")
    viewer.fill("#email", VIEWER)
    viewer.fill("#password", PASSWORD)
    viewer.click("#login-form button[type=submit]")
    viewer.wait_for_url(f"{live.url}/sites")
    viewer.goto(f"{live.url}/sites/{DOMAIN}?period=30d")
    wait_ready(viewer)
    viewer.click("#open-segments")
    viewer.wait_for_selector("#sg-list")
    names = viewer.eval_on_selector_all("#sg-list li", "els => els.map(e => e.dataset.name)")
    assert names == ["Chrome users"]
    assert viewer.locator("#sg-list .dash-segment-remove").count() == 0
    assert viewer.locator("#sg-shared").count() == 0
    context.close()
