"""One visit journey three ways, the same numbers: Footfall's tracker in Chromium, and
the exact requests the Plausible and Umami trackers send for it (their documented
payloads, content types and headers)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from playwright.sync_api import Browser

from tests.support import CHROME_UA, IPHONE_UA, Live
from tests.tracker.conftest import Site, eventually
from tests.tracker.test_browser import Stats

HN = "https://news.ycombinator.com/item?id=1"
UTM = "?utm_source=newsletter&utm_medium=email"
UMAMI_ID = "6d9c3b1e-27a4-4f3e-9c1a-0b5e8d7f2a41"


def _by_footfall_tracker(site: Site, browser: Browser) -> None:
    desk = browser.new_context(user_agent=CHROME_UA, viewport={"width": 1280, "height": 720})
    page = desk.new_page()
    page.goto(site.page("/"), referer=HN)
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.evaluate("history.pushState({}, '', '/pricing')")
    page.evaluate("footfall('Signup', {props: {plan: 'pro'}})")
    phone = browser.new_context(user_agent=IPHONE_UA, viewport={"width": 390, "height": 844})
    phone.new_page().goto(site.page("/blog/hello") + UTM)
    eventually(lambda: Stats(site.live).totals("events"), [4])
    desk.close()
    phone.close()


def _by_plausible_requests(live: Live, domain: str) -> None:
    def send(ua: str, body: dict[str, Any]) -> None:
        # Plausible's tracker posts JSON as text/plain (no preflight); props as a string.
        r = httpx.post(
            f"{live.url}/api/event",
            content=json.dumps({"d": domain, **body}),
            headers={"content-type": "text/plain", "user-agent": ua},
        )
        assert r.status_code == 202

    base = f"https://{domain}"
    send(CHROME_UA, {"n": "pageview", "u": f"{base}/", "r": HN, "w": 1280})
    send(CHROME_UA, {"n": "pageview", "u": f"{base}/pricing", "r": HN, "w": 1280})
    props = json.dumps({"plan": "pro"})
    send(CHROME_UA, {"n": "Signup", "u": f"{base}/pricing", "r": HN, "w": 1280, "p": props})
    send(IPHONE_UA, {"n": "pageview", "u": f"{base}/blog/hello{UTM}", "r": None, "w": 390})


def _by_umami_requests(live: Live, domain: str) -> None:
    def send(ua: str, screen: str, payload: dict[str, Any]) -> None:
        body = {
            "type": "event",
            "payload": {
                "website": UMAMI_ID,
                "hostname": domain,
                "screen": screen,
                "language": "en-US",
                "title": "Page",
                **payload,
            },
        }
        r = httpx.post(
            f"{live.url}/api/send",
            json=body,
            headers={"user-agent": ua, "content-type": "application/json"},
        )
        assert r.status_code == 200
        assert "sessionId" in r.json()

    send(CHROME_UA, "1280x720", {"url": "/", "referrer": HN})
    # On a route change Umami's tracker sends the previous URL as the referrer.
    send(CHROME_UA, "1280x720", {"url": "/pricing", "referrer": f"https://{domain}/"})
    event = {"url": "/pricing", "referrer": f"https://{domain}/", "name": "Signup"}
    send(CHROME_UA, "1280x720", {**event, "data": {"plan": "pro"}})
    send(IPHONE_UA, "390x844", {"url": f"/blog/hello{UTM}", "referrer": ""})


def _report(stats: Stats) -> dict[str, Any]:
    return {
        "totals": stats.totals("visitors", "visits", "pageviews", "bounce_rate", "events"),
        "pages": stats.by("event:page", "pageviews"),
        "entry": stats.by("visit:entry_page", "visits"),
        "sources": stats.by("visit:source", "visitors"),
        "utm": stats.by("visit:utm_medium", "visitors"),
        "devices": stats.by("visit:device", "visitors"),
        "browsers": stats.by("visit:browser", "visitors"),
        "events": stats.by("event:name"),
        "plan": stats.props("Signup", "plan"),
    }


def test_plausible_and_umami_requests_count_as_footfalls_tracker(
    site: Site, live: Live, browser: Browser
) -> None:
    live.admin.add_site("plausible.test")
    live.admin.add_site("umami.test", "UTC", UMAMI_ID)
    _by_footfall_tracker(site, browser)
    _by_plausible_requests(live, "plausible.test")
    _by_umami_requests(live, "umami.test")
    ours = _report(Stats(live, "shop.test"))
    assert ours["totals"] == [2, 2, 3, 50, 4]
    assert ours["sources"] == {"Hacker News": 1, "newsletter": 1}
    assert ours["plan"] == {"pro": 1}
    assert _report(Stats(live, "plausible.test")) == ours
    assert _report(Stats(live, "umami.test")) == ours
