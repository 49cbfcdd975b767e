"""The realtime view in Debian's headless Chromium: it shows the stats API's current
visitors, then an event sent meanwhile appears without a reload (the page polls)."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page

from tests.support import CHROME_UA, Live, watch_csp
from tests.web.dashboard.browser import add_site, generated, ingest, set_up_owner, shoot

DOMAIN = "live.example"
POLL_WAIT_MS = 30_000  # a poll every 10 s: room for two and a slow start


def _value(page: Page, selector: str) -> int:
    return int(page.get_attribute(selector, "data-value") or "-1")


def _realtime_api(live: Live, key: str) -> int:
    r = httpx.get(
        f"{live.url}/api/v1/stats/realtime/visitors?site_id={DOMAIN}",
        headers={"authorization": f"Bearer {key}"},
    )
    assert r.status_code == 200, r.text
    return int(r.json())


def test_realtime_view_updates_after_an_event(live: Live, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        set_up_owner(page, live.url)
        add_site(page, live.url, DOMAIN)
        ingest(live, DOMAIN, generated(live, DOMAIN))
        key = live.key(DOMAIN, "stats")

        # The dashboard's live badge leads to the realtime view.
        page.goto(f"{live.url}/sites/{DOMAIN}")
        page.click("#realtime")
        page.wait_for_url(f"{live.url}/sites/{DOMAIN}/realtime")
        page.wait_for_selector('#realtime-view:not([data-updated=""])')
        before = _realtime_api(live, key)
        assert _value(page, "#live-5m") == before
        assert page.locator("#live-chart svg rect.bar").count() == 30
        updated = page.get_attribute("#realtime-view", "data-updated")

        # A visitor arrives from Hacker News on a page nobody saw in 30 minutes.
        r = httpx.post(
            f"{live.url}/api/event",
            json={
                "n": "pageview",
                "u": f"https://{DOMAIN}/just-now",
                "d": DOMAIN,
                "r": "https://news.ycombinator.com/item?id=2",
            },
            headers={"user-agent": CHROME_UA, "x-forwarded-for": "203.0.113.77"},
        )
        assert r.status_code == 202 and "x-footfall-dropped" not in r.headers, r.headers
        page.wait_for_selector('#live-pages li[data-label="/just-now"]', timeout=POLL_WAIT_MS)
        assert page.get_attribute("#realtime-view", "data-updated") != updated  # no reload
        assert _value(page, "#live-5m") == _realtime_api(live, key) == before + 1
        assert page.locator('#live-sources li[data-label="Hacker News"]').count() == 1
        shoot(page, tmp_path, "realtime-light")
        page.emulate_media(color_scheme="dark")
        page.reload()
        page.wait_for_selector('#live-pages li[data-label="/just-now"]')
        shoot(page, tmp_path, "realtime-dark")
        assert errors == [] and violations == []
    finally:
        context.close()
