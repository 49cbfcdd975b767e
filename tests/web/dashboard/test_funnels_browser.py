"""Funnels in Debian's headless Chromium: created in the site's settings, read back
from the list, drawn on the dashboard's Funnels panel with the API's numbers, and
following the filters on screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.support import Live
from tests.web.dashboard.browser import owner_with_traffic, shoot, wait_ready

DOMAIN = "acme.example"
STEPS = [("page", "/"), ("page", "/blog/**"), ("event", "Signup")]


@pytest.fixture
def owner(live: Live, browser: Browser) -> Iterator[Page]:
    with owner_with_traffic(live, browser, DOMAIN) as page:
        yield page


def _create(page: Page, live: Live, name: str, steps: list[tuple[str, str]]) -> None:
    page.goto(f"{live.url}/sites/{DOMAIN}/settings#funnels")
    page.fill("#funnel-name", name)
    for i, (kind, value) in enumerate(steps, start=1):
        if i > 4:
            page.click("#funnel-form summary")
        page.select_option(f"#funnel-kind-{i}", kind)
        page.fill(f"#funnel-value-{i}", value)
    page.click("#funnel-form button[type=submit]")
    page.wait_for_selector(f"#funnel-list >> text={name}")


def _funnel_api(live: Live, name: str, **body: Any) -> dict[str, Any]:
    r = httpx.post(
        f"{live.url}/api/v2/funnel",
        headers={"authorization": f"Bearer {live.key(DOMAIN, 'stats')}"},
        json={"site_id": DOMAIN, "funnel": name, "date_range": "30d", **body},
    )
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def _drawn(page: Page) -> list[tuple[str, int]]:
    page.wait_for_selector("#panel-funnels[data-ready='1']")
    found = page.eval_on_selector_all(
        ".dash-funnel-step",
        "els => els.map(e => [e.querySelector('.dash-funnel-label').lastChild.textContent,"
        " Number(e.dataset.visitors)])",
    )
    return [(str(label), int(n)) for label, n in found]


def test_create_a_funnel_and_read_its_steps(live: Live, owner: Page, tmp_path: Path) -> None:
    page = owner
    _create(page, live, "Blog to signup", STEPS)
    listed = page.text_content("#funnel-list .funnel-steps") or ""
    assert listed.split(" → ") == ["Visit /", "Visit /blog/**", "Signup"]
    # A bad funnel shows the reason on the settings page, nothing stored.
    page.fill("#funnel-name", "Bad")
    page.fill("#funnel-value-1", "/")
    page.fill("#funnel-value-2", "pricing")
    page.click("#funnel-form button[type=submit]")
    page.wait_for_selector("text=a page step's path starts with /")
    assert page.locator("#funnel-list tr").count() == 1

    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d")
    wait_ready(page)
    expected = _funnel_api(live, "Blog to signup")
    assert _drawn(page) == [(s["label"], s["visitors"]) for s in expected["steps"]]
    assert expected["steps"][0]["visitors"] > expected["steps"][1]["visitors"] > 0
    summary = page.text_content(".dash-funnel-summary") or ""
    assert f"{expected['all_visitors']:,} visitors entered".split()[-3] in summary
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.reload()
        wait_ready(page)
        _drawn(page)
        shoot(page, tmp_path, f"funnel-{scheme}", selector="#panel-funnels")
    page.emulate_media(color_scheme="light")

    # The panel follows the dashboard's filters and period.
    page.goto(f"{live.url}/sites/{DOMAIN}?period=7d&f=is,visit:browser,Chrome")
    wait_ready(page)
    chrome = [["is", "visit:browser", ["Chrome"]]]
    narrowed = _funnel_api(live, "Blog to signup", date_range="7d", filters=chrome)
    assert _drawn(page) == [(s["label"], s["visitors"]) for s in narrowed["steps"]]

    # A second funnel is picked from the panel's menu.
    _create(page, live, "Pricing", [("page", "/pricing"), ("page", "/docs/*")])
    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d")
    wait_ready(page)
    page.wait_for_selector("#panel-funnels[data-ready='1']")
    page.select_option("#funnel-pick", "Pricing")
    page.wait_for_selector("#panel-funnels[data-ready='1'][data-funnel='Pricing']")
    pricing = _funnel_api(live, "Pricing")
    assert _drawn(page) == [(s["label"], s["visitors"]) for s in pricing["steps"]]


def test_no_funnels_says_where_to_add_one(live: Live, owner: Page) -> None:
    page = owner
    page.goto(f"{live.url}/sites/{DOMAIN}")
    wait_ready(page)
    page.wait_for_selector("#panel-funnels[data-ready='1']")
    assert "No funnels yet" in (page.text_content("#panel-funnels") or "")
    assert page.get_attribute("#panel-funnels a", "href") == f"/sites/{DOMAIN}/settings#funnels"
