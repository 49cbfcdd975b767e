"""The dashboard in Debian's headless Chromium, from the owner's first login to a shared
link opened logged out. Numbers on screen must be the stats API's numbers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.support import Live, watch_csp
from tests.web.dashboard import traffic
from tests.web.dashboard.browser import (
    TOP,
    add_goal,
    add_site,
    create_share,
    generated,
    ingest,
    rows,
    set_up_owner,
    shoot,
    top_values,
    wait_ready,
)

DOMAIN = "acme.example"
# The panels' first tabs and what they ask (the dashboard shows the top 9 rows).
PANELS = {
    "sources": "visit:channel",
    "pages": "event:page",
    "locations": "visit:country_name",
    "devices": "visit:browser",
    "goals": "event:goal",
    "props": "event:props:plan",
}


def _api(live: Live, key: str, period: str, filters: list[Any], **body: Any) -> dict[str, Any]:
    return live.query(key, {"site_id": DOMAIN, "date_range": period, "filters": filters, **body})


def _assert_matches_api(page: Page, live: Live, key: str, period: str, filters: list[Any]) -> None:
    top = _api(live, key, period, filters, metrics=TOP)["results"][0]["metrics"]
    assert top_values(page) == [float(v) for v in top]
    for panel, dimension in PANELS.items():
        expected = _api(
            live,
            key,
            period,
            filters,
            metrics=["visitors"],
            dimensions=[dimension],
            pagination={"limit": 9},
        )
        wanted = [(str(r["dimensions"][0]), float(r["metrics"][0])) for r in expected["results"]]
        assert rows(page, panel) == wanted, panel


def _refuse_dialogs(page: Page, seen: list[str]) -> None:
    """Record and dismiss any dialog (an alert() would mean injected script ran)."""

    def on_dialog(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)


def _state(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_owner_dashboard_end_to_end(live: Live, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    violations = watch_csp(context)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    _refuse_dialogs(page, dialogs)
    page.on("pageerror", lambda e: errors.append(str(e)))  # uncaught errors in the page
    try:
        set_up_owner(page, live.url)
        add_site(page, live.url, DOMAIN)
        add_goal(page, live.url, DOMAIN, "Signup")
        ingest(live, DOMAIN, generated(live, DOMAIN))
        key = live.key(DOMAIN, "stats")

        page.goto(f"{live.url}/sites/{DOMAIN}")
        wait_ready(page)
        _assert_matches_api(page, live, key, "30d", [])
        realtime = httpx.get(
            f"{live.url}/api/v1/stats/realtime/visitors?site_id={DOMAIN}",
            headers={"authorization": f"Bearer {key}"},
        ).json()
        page.wait_for_selector(f'#realtime-count[data-value="{realtime}"]')
        assert page.locator("#chart svg path.line").count() == 1
        assert page.locator("#chart svg path.prev").count() == 1  # the previous period
        page.hover("#chart svg rect.hover", position={"x": 300, "y": 100})
        assert page.locator(".dash-tip").is_visible()
        shoot(page, tmp_path, "dashboard-light")

        # A source row filters every panel, the chart and the top stats.
        page.click("#panel-sources [role=tab] >> text=Sources")
        page.wait_for_selector('#list-sources[data-dimension="visit:source"]')
        page.click('#list-sources button.dash-row[data-label="Google"]')
        wait_ready(page)
        assert page.text_content(".dash-chip > span") == "Source is Google"
        assert _state(page)["f"] == ["is,visit:source,Google"]
        google = [["is", "visit:source", ["Google"]]]
        page.click("#panel-sources [role=tab] >> text=Channels")
        page.wait_for_selector('#list-sources[data-dimension="visit:channel"]')
        _assert_matches_api(page, live, key, "30d", google)
        shoot(page, tmp_path, "dashboard-filtered")

        # Another range; back restores the previous state, then the unfiltered one.
        page.select_option("#period", "7d")
        wait_ready(page)
        assert _state(page)["period"] == ["7d"]
        _assert_matches_api(page, live, key, "7d", google)
        page.go_back()
        expect(page.locator("#period")).to_have_value("30d")
        wait_ready(page)
        _assert_matches_api(page, live, key, "30d", google)
        page.go_back()
        page.wait_for_selector(".dash-chip", state="detached")
        wait_ready(page)
        _assert_matches_api(page, live, key, "30d", [])

        # A custom range through the two date inputs.
        page.select_option("#period", "custom")
        days = _api(live, key, "30d", [], metrics=["visitors"])["query"]["date_range"]
        page.fill("#from", days[0][:10])
        page.fill("#to", days[1][:10])
        page.click("#apply-range")
        wait_ready(page)
        assert _state(page)["period"] == ["custom"]
        _assert_matches_api(page, live, key, "30d", [])

        # The comparison can be turned off; the interval changes the chart's buckets.
        page.select_option("#compare", "off")
        wait_ready(page)
        assert _state(page)["compare"] == ["0"]
        assert page.locator("#chart svg path.prev").count() == 0
        assert page.locator(".dash-change").count() == 0
        page.select_option("#interval", "week")
        wait_ready(page)
        assert _state(page)["interval"] == ["week"]
        page.select_option("#compare", "previous_period")
        wait_ready(page)

        # Clicking a top stat switches the chart's metric (kept in the URL).
        page.click('[data-metric="pageviews"]')
        wait_ready(page)
        assert _state(page)["metric"] == ["pageviews"]
        assert "Total pageviews" in (page.text_content("#chart-title") or "")

        # CSV export of the current view.
        with page.expect_download() as download:
            page.click("#export")
        archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert {"visitors.csv", "sources.csv", "pages.csv", "conversions.csv"} <= set(
            archive.namelist()
        )
        conversions = archive.read("conversions.csv").decode().splitlines()
        assert conversions[1].startswith("Signup,")

        # Dark mode and phone width, from the same session.
        page.emulate_media(color_scheme="dark")
        page.goto(f"{live.url}/sites/{DOMAIN}")
        wait_ready(page)
        shoot(page, tmp_path, "dashboard-dark")
        phone = browser.new_context(
            viewport={"width": 375, "height": 812},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            storage_state=context.storage_state(),
        )
        watch_csp(phone, violations)
        small = phone.new_page()
        small.goto(f"{live.url}/sites/{DOMAIN}")
        wait_ready(small)
        assert small.evaluate("document.documentElement.scrollWidth") <= 375
        shoot(small, tmp_path, "dashboard-phone", full_page=False)
        phone.close()

        # A shared link, created on the settings page, opened without an account.
        link = create_share(page, live.url, DOMAIN)
        assert link.startswith(f"{live.url}/share/{DOMAIN}?auth=")
        stranger = browser.new_context(viewport={"width": 1280, "height": 900})
        watch_csp(stranger, violations)
        shared = stranger.new_page()
        _refuse_dialogs(shared, dialogs)
        shared.goto(link)
        wait_ready(shared)
        _assert_matches_api(shared, live, key, "30d", [])
        assert shared.locator("text=Settings").count() == 0
        assert shared.locator("#logout").count() == 0
        shared.click("#list-pages button.dash-row >> nth=0")
        wait_ready(shared)
        assert "auth=" in shared.url and "f=" in shared.url
        assert shared.locator(".dash-chip").count() == 1
        stranger.close()
    finally:
        context.close()
    assert dialogs == []
    assert errors == []
    assert violations == []  # no script, style or frame blocked by the CSP


def test_visitor_values_are_text_and_keyboard_works(
    live: Live, browser: Browser, tmp_path: Path
) -> None:
    hostile = [
        {
            "url": f"https://example.com{traffic.HOSTILE_PATH}",
            "ip": "203.0.113.7",
            "user_agent": traffic.MAC_SAFARI_UA,
            "referrer": 'https://evil.example/"><img src=x onerror=alert(2)>',
            "props": {"<b>key</b>": "<img src=x onerror=alert(3)>"},
            "timestamp": (live.svc.clock()).isoformat(),
        }
    ]
    ingest(live, "example.com", hostile)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    dialogs: list[str] = []
    _refuse_dialogs(page, dialogs)
    try:
        set_up_owner(page, live.url)
        page.goto(f"{live.url}/sites/example.com?period=today")
        wait_ready(page)
        assert rows(page, "pages") == [(traffic.HOSTILE_PATH, 1.0)]
        label = page.locator("#list-pages .dash-label").nth(1)
        assert label.text_content() == traffic.HOSTILE_PATH
        assert page.locator("#dashboard script, #dashboard img").count() == 0
        assert page.text_content("#list-props .dash-label >> nth=1") == (
            "<img src=x onerror=alert(3)>"
        )
        assert page.locator("#prop-key option").first.text_content() == "<b>key</b>"

        # Keyboard: tab to a row, Enter filters, Escape clears; arrows move between tabs.
        page.focus("#list-pages button.dash-row")
        page.keyboard.press("Enter")
        wait_ready(page)
        assert page.text_content(".dash-chip > span") == f"Page is {traffic.HOSTILE_PATH}"
        shoot(page, tmp_path, "hostile-path-filtered")
        page.click(".dash-chip button")  # the chip's remove button
        page.wait_for_selector(".dash-chip", state="detached")
        wait_ready(page)
        page.focus("#list-pages button.dash-row")
        page.keyboard.press("Enter")
        wait_ready(page)
        assert page.locator(".dash-chip").count() == 1
        page.locator("body").focus()
        page.keyboard.press("Escape")
        page.wait_for_selector(".dash-chip", state="detached")
        wait_ready(page)
        page.focus("#tab-devices-0")
        page.keyboard.press("ArrowRight")
        page.wait_for_selector('#list-devices[data-dimension="visit:os"]')
        assert page.evaluate("document.activeElement.id") == "tab-devices-1"
    finally:
        context.close()
    assert dialogs == []
    assert violations == []
