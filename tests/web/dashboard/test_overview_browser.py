"""The sites list in Debian's headless Chromium: every site with its visitors in the
last 24 hours, the change against the 24 before and an hourly sparkline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from tests.support import CHROME_UA, Live, watch_csp
from tests.web.dashboard.browser import add_site, ingest, set_up_owner, shoot


def _visits(live: Live, domain: str, hours_ago: list[float], first_ip: int) -> list[dict[str, Any]]:
    """One pageview per visitor (each its own address), ``hours_ago`` before now."""
    now = live.svc.clock()
    return [
        {
            "url": f"https://{domain}/",
            "ip": f"81.2.69.{first_ip + i}",
            "user_agent": CHROME_UA,
            "timestamp": (now - timedelta(hours=h)).isoformat(),
        }
        for i, h in enumerate(hours_ago)
    ]


def test_sites_list_shows_each_site_s_last_24_hours(
    live: Live, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    violations = watch_csp(context)
    page = context.new_page()
    try:
        set_up_owner(page, live.url)
        for domain in ("busy.example", "quiet.example", "new.example"):
            add_site(page, live.url, domain)
        # busy: 6 visitors today (3 in the last hour), 4 the day before -> +50%
        ingest(live, "busy.example", _visits(live, "busy.example", [0.1, 0.2, 0.5, 3, 7, 20], 1)
               + _visits(live, "busy.example", [26, 30, 40, 47], 100))  # fmt: skip
        # quiet: 1 visitor today, 2 the day before -> -50%
        ingest(live, "quiet.example", _visits(live, "quiet.example", [5], 1)
               + _visits(live, "quiet.example", [25, 28], 100))  # fmt: skip

        page.goto(f"{live.url}/sites")
        card = '.site-card[data-domain="{}"] .site-numbers'
        busy = page.locator(card.format("busy.example"))
        assert busy.get_attribute("data-visitors") == "6"
        assert busy.get_attribute("data-change") == "50"
        assert busy.locator(".site-change").text_content() == "↑50%"
        hours = [int(h) for h in (busy.locator("svg").get_attribute("data-hours") or "").split(",")]
        assert len(hours) == 24 and sum(hours) == 6
        now = live.svc.clock()
        this_hour = now.replace(minute=0, second=0, microsecond=0)
        recent = [h for h in (0.1, 0.2, 0.5) if now - timedelta(hours=h) >= this_hour]
        assert hours[-1] == len(recent)
        quiet = page.locator(card.format("quiet.example"))
        assert quiet.get_attribute("data-visitors") == "1"
        assert quiet.locator(".site-change").text_content() == "↓50%"
        fresh = page.locator(card.format("new.example"))
        assert fresh.get_attribute("data-visitors") == "0"
        assert fresh.locator(".site-change").count() == 0  # no change against nobody
        assert page.locator(".site-card polyline").count() == 4  # example.com too
        shoot(page, tmp_path, "sites-light")
        page.emulate_media(color_scheme="dark")
        page.reload()
        shoot(page, tmp_path, "sites-dark")
        assert violations == []
    finally:
        context.close()
