"""And/or between filters in Debian's headless Chromium: the word between two chips
switches them between "and" and "or", the URL keeps the group, the numbers are the
API's for the same logical filter, and filters of different kinds cannot be "or"ed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from footfall.stats import metrics
from tests.support import Live
from tests.web.dashboard.browser import owner_with_traffic, shoot, top_values, wait_ready

DOMAIN = "acme.example"
FIREFOX = ["is", "visit:browser", ["Firefox"]]
MOBILE = ["is", "visit:device", ["Mobile"]]


@pytest.fixture
def owner(live: Live, browser: Browser) -> Iterator[Page]:
    with owner_with_traffic(live, browser, DOMAIN) as page:
        yield page


def _top(live: Live, filters: list[Any]) -> list[float]:
    r = httpx.post(
        f"{live.url}/api/v2/query",
        headers={"authorization": f"Bearer {live.key(DOMAIN, 'stats')}"},
        json={"site_id": DOMAIN, "metrics": list(metrics.TOP), "date_range": "30d",
              "filters": filters},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    return [float(v) for v in r.json()["results"][0]["metrics"]]


def _joins(page: Page) -> list[str]:
    found = page.eval_on_selector_all("#filters .dash-join", "els => els.map(e => e.dataset.join)")
    return [str(j) for j in found]


def test_switch_two_filters_between_and_and_or(live: Live, owner: Page, tmp_path: Path) -> None:
    page = owner
    page.goto(
        f"{live.url}/sites/{DOMAIN}?period=30d&f=is,visit:browser,Firefox&f=is,visit:device,Mobile"
    )
    wait_ready(page)
    assert _joins(page) == ["and"]
    assert top_values(page) == _top(live, [FIREFOX, MOBILE])
    page.click("#filters .dash-join")
    page.wait_for_url("**1%7Cis%2Cvisit%3Adevice%2CMobile**")
    wait_ready(page)
    assert _joins(page) == ["or"]
    either = _top(live, [["or", [FIREFOX, MOBILE]]])
    assert top_values(page) == either
    assert either[0] > _top(live, [FIREFOX])[0]
    shoot(page, tmp_path, "filters-or", full_page=False)
    # The URL alone gives the same view (a reload, another tab).
    page.reload()
    wait_ready(page)
    assert _joins(page) == ["or"] and top_values(page) == either
    # Back to "and"; Back in the browser returns to "or".
    page.click("#filters .dash-join")
    wait_ready(page)
    assert _joins(page) == ["and"] and top_values(page) == _top(live, [FIREFOX, MOBILE])
    page.go_back()
    wait_ready(page)
    assert _joins(page) == ["or"]
    # Saved as a segment, the group comes back when the segment is picked.
    page.click("#open-segments")
    page.fill("#sg-name", "Firefox or phones")
    page.click("#sg-save")
    page.click("#sg-list li[data-name='Firefox or phones'] .dash-segment-apply")
    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d")
    wait_ready(page)
    page.click("#open-segments")
    page.click("#sg-list li[data-name='Firefox or phones'] .dash-segment-apply")
    page.wait_for_selector("#filters .dash-join")
    wait_ready(page)
    assert _joins(page) == ["or"] and top_values(page) == either


def test_filters_of_different_kinds_stay_and(live: Live, owner: Page) -> None:
    page = owner
    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d&f=is,visit:device,Mobile&f=is,event:page,/")
    wait_ready(page)
    assert _joins(page) == ["and"]
    assert page.get_attribute("#filters .dash-join", "disabled") is not None
