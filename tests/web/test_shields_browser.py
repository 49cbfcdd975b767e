"""The Traffic shields section of a site's settings in real Chromium: rules saved as
typed (normalized), bad ones refused with the page's error, drops shown by reason
after real ingest, and the CLI's changes (through the running server) shown there."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.config import Settings
from footfall.sites import parse_scopes
from tests.accounts.helpers import PASSWORD, browser_login
from tests.support import CHROME_UA, Live, watch_csp

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def page(browser: Browser, live: Live) -> Iterator[Page]:
    ctx = browser.new_context()
    violations = watch_csp(ctx)
    found: AccountService = live.server.config.app.state.accounts
    found.add_user("owner@example.com", PASSWORD, Role.OWNER)
    p = ctx.new_page()
    browser_login(p, live.url, "owner@example.com")
    yield p
    ctx.close()
    assert violations == []


def textarea(page: Page, kind: str) -> str:
    return page.locator(f"#shield-{kind}").input_value()


def drops(page: Page) -> dict[str, str]:
    rows = page.locator("#drop-list tr")
    return {
        str(rows.nth(i).get_attribute("data-reason")): rows.nth(i).locator("td.num").inner_text()
        for i in range(rows.count())
    }


def test_shields_in_settings(live: Live, page: Page, settings: Settings) -> None:
    settings_url = f"{live.url}/sites/example.com/settings"
    page.goto(f"{settings_url}#shields")
    page.fill("#shield-hostnames", "example.com\n*.Example.com")
    page.fill("#shield-ips", "203.0.113.0/24, 2001:db8::/32")
    page.fill("#shield-countries", "de")
    page.fill("#shield-pages", "/admin/**")
    page.click("#shields-form button[type=submit]")
    expect(page.locator(".flash, .message, [role=status]").first).to_contain_text(
        "Traffic shields saved"
    )
    assert textarea(page, "hostnames") == "example.com\n*.example.com"
    assert textarea(page, "ips") == "203.0.113.0/24\n2001:db8::/32"
    assert textarea(page, "countries") == "DE"

    # Each shield drops one event; one more is a bot; one is kept.
    key = live.admin.create_key("example.com", parse_scopes("ingest")).key
    sent = [
        ("https://example.com/", "203.0.113.5", CHROME_UA),
        ("https://example.com/admin/users", "198.51.100.1", CHROME_UA),
        ("https://elsewhere.net/", "198.51.100.1", CHROME_UA),
        ("https://blog.example.com/", "5.9.0.1", CHROME_UA),  # DE
        ("https://example.com/", "198.51.100.1", GOOGLEBOT),
        ("https://example.com/ok", "198.51.100.1", CHROME_UA),
    ]
    for url, ip, agent in sent:
        r = httpx.post(
            f"{live.url}/api/v1/track/event",
            json={"url": url, "ip": ip, "user_agent": agent},
            headers={"x-api-key": key},
        )
        assert r.status_code == 202, r.text
    page.goto(f"{settings_url}#shields")
    assert drops(page) == {
        "hostname_not_allowed": "1",
        "ip_excluded": "1",
        "country_excluded": "1",
        "page_excluded": "1",
        "bot_user_agent": "1",
        "headless_browser": "0",
        "empty_user_agent": "0",
        "referrer_spam": "0",
    }
    site = live.svc.stores.catalog.get_site("example.com")
    assert site is not None
    assert [e["pathname"] for e in live.svc.stores.events.fetch_events(site.id)] == ["/ok"]

    # A bad rule is refused on the page, naming it; the stored rules stay.
    page.fill("#shield-ips", "203.0.113.0/24\nnot-an-address")
    page.click("#shields-form button[type=submit]")
    expect(page.locator("body")).to_contain_text("'not-an-address' is not an IP address")
    page.goto(f"{settings_url}#shields")
    assert textarea(page, "ips") == "203.0.113.0/24\n2001:db8::/32"

    # The CLI, through the running server's management API.
    live.cli(settings, "shield", "add", "--site", "example.com", "page", "/blog/*")
    live.cli(settings, "shield", "remove", "--site", "example.com", "page", "/admin/**")
    page.reload()  # (a goto to the same URL and #fragment would not load the page again)
    assert textarea(page, "pages") == "/blog/*"
