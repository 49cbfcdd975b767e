"""The dashboard's views beyond the first one, in Debian's headless Chromium: the goal
view, comparisons against nothing, details, the filter editor and the map. Numbers on
screen must be the stats API's numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from footfall.stats import metrics
from tests.support import Live, watch_csp
from tests.web.dashboard.browser import (
    add_goal,
    add_site,
    generated,
    ingest,
    set_up_owner,
    top_values,
    wait_ready,
)

DOMAIN = "acme.example"


@pytest.fixture
def owner(live: Live, browser: Browser) -> Iterator[tuple[Page, str]]:
    """The owner signed in on a site with a Signup goal and 60 days of traffic, and a
    stats key; the test fails on any page error or CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    set_up_owner(page, live.url)
    add_site(page, live.url, DOMAIN)
    add_goal(page, live.url, DOMAIN, "Signup")
    ingest(live, DOMAIN, generated(live, DOMAIN))
    yield page, live.key(DOMAIN, "stats")
    context.close()
    assert errors == []
    assert violations == []


def _api(live: Live, key: str, **body: Any) -> dict[str, Any]:
    return live.query(key, {"site_id": DOMAIN, **body})


def test_goal_filter_shows_conversions(live: Live, owner: tuple[Page, str]) -> None:
    page, key = owner
    page.goto(f"{live.url}/sites/{DOMAIN}?period=30d&f=is,event:goal,Signup")
    wait_ready(page)
    labels = page.eval_on_selector_all(".dash-stat-label", "els => els.map(e => e.textContent)")
    assert labels == ["Unique conversions", "Total conversions", "Conversion rate"]
    goal = [["is", "event:goal", ["Signup"]]]
    expected = _api(live, key, metrics=list(metrics.GOAL_TOP), date_range="30d", filters=goal)
    assert top_values(page) == [float(v) for v in expected["results"][0]["metrics"]]
    assert expected["results"][0]["metrics"][0] > 0
    # The chart follows a conversion metric; the URL keeps it.
    page.click('[data-metric="conversion_rate"]')
    wait_ready(page)
    assert "Conversion rate" in (page.text_content("#chart-title") or "")
    assert "metric=conversion_rate" in page.url


def test_no_change_figure_against_an_empty_period(live: Live, owner: tuple[Page, str]) -> None:
    """The traffic spans 60 days: twelve months against the twelve before show no
    change; the last 7 days against the 7 before do."""
    page, _ = owner
    page.goto(f"{live.url}/sites/{DOMAIN}?period=12mo")
    wait_ready(page)
    assert page.locator(".dash-stat-value").count() == len(metrics.TOP)
    assert page.locator(".dash-change").count() == 0
    page.goto(f"{live.url}/sites/{DOMAIN}?period=7d")
    wait_ready(page)
    assert page.locator(".dash-change").count() == len(metrics.TOP)
