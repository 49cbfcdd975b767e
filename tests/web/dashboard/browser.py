"""Steps the browser tests share: set up the owner, add a site, ingest, screenshots."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page

from tests.support import Live, watch_csp
from tests.web.dashboard import traffic

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"
TOP = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]


def set_up_owner(page: Page, base: str) -> None:
    """The one-time setup page creates the owner and signs them in."""
    page.goto(f"{base}/setup")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.click("#setup-form button[type=submit]")
    page.wait_for_url(f"{base}/sites")


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/sites")


def add_site(page: Page, base: str, domain: str) -> None:
    """The sites page's form; it lands on the new site's settings."""
    page.goto(f"{base}/sites")
    page.fill("#domain", domain)
    page.click("#add-site-form button[type=submit]")
    page.wait_for_url(f"{base}/sites/{domain}/settings**")


def add_goal(page: Page, base: str, domain: str, event: str) -> None:
    page.goto(f"{base}/sites/{domain}/settings")
    page.select_option("#goal-kind", "event")
    page.fill("#goal-value", event)
    page.click("#goal-form button[type=submit]")
    page.wait_for_selector(f"#goal-list >> text={event}")


def create_share(page: Page, base: str, domain: str) -> str:
    page.goto(f"{base}/sites/{domain}/settings")
    page.fill("#share-name", "Press")
    page.click("#share-form button[type=submit]")
    url = page.text_content("#new-share-url")
    assert url is not None
    return url.strip()


def ingest(live: Live, domain: str, events: list[dict[str, Any]]) -> None:
    """Through the real batch API with an ingest key, then wait for the commit."""
    key = live.key(domain, "ingest")
    for i in range(0, len(events), 1000):
        r = httpx.post(
            f"{live.url}/api/v1/track/batch",
            json={"events": events[i : i + 1000]},
            headers={"x-api-key": key},
        )
        assert r.status_code == 202 and r.json()["failed"] == 0, r.text
    live.flush()


def generated(live: Live, domain: str) -> list[dict[str, Any]]:
    return traffic.events(domain, live.svc.clock())


def wait_ready(page: Page) -> None:
    """The dashboard sets body[data-ready=1] once every panel has rendered."""
    page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=15_000)


def shoot(
    page: Page, tmp_path: Path, name: str, full_page: bool = True, selector: str = ""
) -> Path:
    """A screenshot in tmp_path (of the element ``selector`` when given), copied to
    $FOOTFALL_SCREENSHOTS when it is set."""
    path = tmp_path / f"{name}.png"
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)
    target = os.environ.get("FOOTFALL_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path


def top_values(page: Page) -> list[float]:
    values = page.eval_on_selector_all(
        ".dash-stat-value", "els => els.map(e => Number(e.dataset.value))"
    )
    return [float(v) for v in values]


def rows(page: Page, panel: str) -> list[tuple[str, float]]:
    """(label, first metric) of a panel's rows as drawn."""
    found = page.eval_on_selector_all(
        f"#list-{panel} button.dash-row",
        "els => els.map(e => [e.dataset.label,"
        " Number(e.querySelector('.dash-num').dataset.value)])",
    )
    return [(str(label), float(value)) for label, value in found]


@contextmanager
def owner_with_traffic(live: Live, browser: Browser, domain: str) -> Iterator[Page]:
    """The owner signed in, ``domain`` added with generated traffic; the test fails on
    any page error or CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    set_up_owner(page, live.url)
    add_site(page, live.url, domain)
    ingest(live, domain, generated(live, domain))
    try:
        yield page
    finally:
        context.close()
    assert errors == []
    assert violations == []
