"""A site's data from its settings page in real Chromium: retention, deleting some days
and resetting the stats, each destructive form confirmed by typing the domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import BrowserContext, expect

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.domain import Event
from tests.accounts.helpers import PASSWORD, browser_login
from tests.support import Live


def days_left(live: Live, site_id: int) -> list[date]:
    far = datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
    return [
        e.timestamp.date() for c in live.svc.stores.events.export_events(site_id, *far) for e in c
    ]


def test_retention_delete_range_and_reset_from_the_settings_page(
    live: Live, context: BrowserContext
) -> None:
    acc: AccountService = live.server.config.app.state.accounts
    acc.add_user("owner@example.com", PASSWORD, Role.OWNER)
    site = live.svc.stores.catalog.get_site("example.com")
    assert site is not None
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    times = [noon - timedelta(days=d) for d in (1, 2, 3)]
    live.svc.stores.events.write_events(
        [Event(site.id, t, "pageview", "example.com", "/", i, 0) for i, t in enumerate(times)]
    )
    page = context.new_page()
    browser_login(page, live.url, "owner@example.com")
    page.goto(f"{live.url}/sites/example.com/settings#data")

    expect(page.locator("#retention")).to_have_value("365")  # new sites keep 12 months
    page.select_option("#retention", "730")
    page.click("#retention-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_have_text("Retention saved.")
    changed = live.svc.stores.catalog.get_site("example.com")
    assert changed is not None and changed.retention_days == 730

    two_days_ago = times[1].date().isoformat()
    page.fill("#range-from", two_days_ago)
    page.fill("#range-to", two_days_ago)
    page.fill("#range-confirm", "other.example")
    page.click("#delete-range-form button[type=submit]")
    expect(page.locator(".alert-error")).to_have_text("type the site's domain to confirm")
    assert len(days_left(live, site.id)) == 3
    page.fill("#range-from", two_days_ago)
    page.fill("#range-to", two_days_ago)
    page.fill("#range-confirm", "example.com")
    page.click("#delete-range-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_have_text("The events of those days were deleted.")
    assert days_left(live, site.id) == [times[2].date(), times[0].date()]

    page.fill("#reset-confirm", "example.com")
    page.click("#reset-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_contain_text("Stats reset")
    assert days_left(live, site.id) == []
    assert live.svc.stores.catalog.get_site("example.com") is not None
