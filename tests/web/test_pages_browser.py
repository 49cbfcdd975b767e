"""AccountService and site settings in real Chromium: setup, login, CSRF, keys, invitations, CLI."""

from __future__ import annotations

import sys

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.config import Settings
from tests.accounts.helpers import PASSWORD, accept_invitation, browser_login
from tests.support import Live, watch_csp

FOOTFALL = (sys.executable, "-m", "footfall")


def accounts(live: Live) -> AccountService:
    found: AccountService = live.server.config.app.state.accounts
    return found


@pytest.fixture
def page(context: BrowserContext) -> Page:
    p = context.new_page()
    p.on("dialog", lambda dialog: dialog.accept())
    return p


def owner_page(live: Live, page: Page) -> Page:
    accounts(live).add_user("owner@example.com", PASSWORD, Role.OWNER)
    browser_login(page, live.url, "owner@example.com")
    return page


def test_the_csp_blocks_an_injected_inline_script(live: Live, browser: Browser) -> None:
    """The page's own inline script runs (the theme is set), an injected one does not,
    and the violation is reported: what the other browser tests assert never happens."""
    ctx = browser.new_context()
    try:
        violations = watch_csp(ctx)
        page = ctx.new_page()
        page.goto(f"{live.url}/setup")
        assert page.evaluate("document.documentElement.dataset.theme") in ("light", "dark")
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.injected = 1"; document.head.appendChild(s); }"""
        )
        page.wait_for_timeout(100)  # let the console event arrive
        assert page.evaluate("window.injected") is None
        assert any("script-src" in v for v in violations), violations
    finally:
        ctx.close()


def test_setup_page_creates_the_owner(live: Live, page: Page) -> None:
    page.goto(live.url)
    expect(page).to_have_url(f"{live.url}/setup")
    page.fill("#email", "me@example.com")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.click("#setup-form button[type=submit]")
    expect(page).to_have_url(f"{live.url}/sites")
    expect(page.locator("#site-list")).to_contain_text("example.com")
    page.goto(f"{live.url}/setup")
    expect(page).to_have_url(f"{live.url}/sites")  # signed in: /setup -> /login -> /sites


def test_login_logout_and_wrong_password(live: Live, page: Page) -> None:
    accounts(live).add_user("owner@example.com", PASSWORD, Role.OWNER)
    page.goto(f"{live.url}/sites/example.com/settings")
    expect(page).to_have_url(f"{live.url}/login?next=%2Fsites%2Fexample.com%2Fsettings")
    page.fill("#email", "owner@example.com")
    page.fill("#password", "not the password")
    page.click("#login-form button[type=submit]")
    expect(page.locator(".alert-error")).to_have_text("wrong email or password")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{live.url}/sites/example.com/settings")
    cookie = next(c for c in page.context.cookies() if c["name"] == "footfall_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    page.click(".user-menu summary")
    page.click("#logout")
    expect(page).to_have_url(f"{live.url}/login")
    page.goto(f"{live.url}/sites")
    expect(page).to_have_url(f"{live.url}/login?next=%2Fsites")


def test_rate_limit_kicks_in(live: Live, page: Page) -> None:
    accounts(live).add_user("owner@example.com", PASSWORD, Role.OWNER)
    page.goto(f"{live.url}/login")
    for _ in range(5):
        page.fill("#email", "owner@example.com")
        page.fill("#password", "guess guess")
        page.click("#login-form button[type=submit]")
        expect(page.locator(".alert-error")).to_have_text("wrong email or password")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("too many failed attempts")
    expect(page).to_have_url(f"{live.url}/login")


def test_post_without_csrf_token_is_refused(live: Live, page: Page) -> None:
    owner_page(live, page)
    page.goto(f"{live.url}/sites/example.com/settings")
    page.eval_on_selector("#key-form input[name=csrf_token]", "el => el.remove()")
    page.click("#key-form button[type=submit]")
    expect(page.locator("#error-detail")).to_contain_text("security token")
    assert live.svc.stores.catalog.list_keys() == []
    # a cross-site style request with the cookie but no token fails too
    answer = page.request.post(
        f"{live.url}/sites/example.com/goals", form={"kind": "event", "value": "x"}
    )
    assert answer.status == 403


def test_add_a_site_through_the_form(live: Live, page: Page) -> None:
    owner_page(live, page)
    page.fill("#domain", "https://blog.example.org/")
    page.select_option("#timezone", "Europe/Berlin")
    page.click("#add-site-form button[type=submit]")
    expect(page).to_have_url(f"{live.url}/sites/blog.example.org/settings?msg=site_added")
    expect(page.locator(".alert-ok")).to_contain_text("Site added")
    expect(page.locator("#snippet-code")).to_have_value(
        f'<script defer data-domain="blog.example.org" src="{live.url}/js/script.js"></script>\n'
        "<script>window.footfall=window.footfall||function(){"
        "(window.footfall.q=window.footfall.q||[]).push(arguments)}</script>\n"
    )
    site = live.svc.stores.catalog.get_site("blog.example.org")
    assert site is not None
    assert site.timezone == "Europe/Berlin"


def test_create_a_key_shown_once_then_revoke_it(live: Live, page: Page) -> None:
    owner_page(live, page)
    page.goto(f"{live.url}/sites/example.com/settings")
    page.fill("#key-name", "grafana")
    page.check("#key-form input[value=ingest]")
    page.click("#key-form button[type=submit]")
    key = page.locator("#new-key-value").inner_text()
    assert key.startswith("ff_")
    live.query(key, {"site_id": "example.com", "metrics": ["visitors"], "date_range": "day"})
    page.goto(f"{live.url}/sites/example.com/settings")
    expect(page.locator("#new-key")).to_have_count(0)
    assert key not in page.content()
    expect(page.locator("#key-list")).to_contain_text("grafana")
    page.click("#key-list button:has-text('Revoke')")
    expect(page.locator(".alert-ok")).to_have_text("API key revoked.")
    expect(page.locator("#no-keys")).to_be_visible()
    answer = httpx.post(
        f"{live.url}/api/v2/query",
        json={"site_id": "example.com", "metrics": ["visitors"], "date_range": "day"},
        headers={"authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 401


def test_invite_a_viewer_who_accepts_in_another_browser(
    live: Live, page: Page, browser: Browser
) -> None:
    owner_page(live, page)
    page.goto(f"{live.url}/sites/example.com/settings#members")
    page.fill("#invite-email", "viewer@example.com")
    page.select_option("#invite-role", "viewer")
    page.click("#invite-form button[type=submit]")
    link = page.locator("#new-invite-link").inner_text()
    assert link.startswith(f"{live.url}/invite/")
    other = browser.new_context()
    try:
        guest = other.new_page()
        accept_invitation(guest, link, "example.com", "viewer password 1")
        expect(guest).to_have_url(f"{live.url}/sites/example.com")
        guest.goto(f"{live.url}/sites")
        expect(guest.locator("#site-list")).to_contain_text("example.com")
        expect(guest.locator("#site-list a:has-text('Settings')")).to_have_count(0)
        answer = guest.goto(f"{live.url}/sites/example.com/settings")
        assert answer is not None
        assert answer.status == 403
        expect(guest.locator("h1")).to_have_text("Not allowed")
        guest.goto(link)
        expect(guest.locator("h1")).to_have_text("Not found")  # the link worked once
    finally:
        other.close()
    page.reload()
    expect(page.locator("#member-list")).to_contain_text("viewer@example.com")


def test_cli_user_add_with_password_stdin_then_login(
    live: Live, page: Page, settings: Settings
) -> None:
    args = ("user", "add", "cli@example.com", "--role", "owner", "--password-stdin")
    out = live.cli(settings, *args, stdin="cli password 123\n")
    assert "cli@example.com: owner on every site" in out
    browser_login(page, live.url, "cli@example.com", "cli password 123")
    expect(page.locator("#site-list")).to_contain_text("example.com")


def test_phone_width_and_dark_mode(live: Live, browser: Browser) -> None:
    accounts(live).add_user("owner@example.com", PASSWORD, Role.OWNER)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="light")
    try:
        page = ctx.new_page()
        browser_login(page, live.url, "owner@example.com")
        page.goto(f"{live.url}/sites/example.com/settings")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        bg = "getComputedStyle(document.body).backgroundColor"
        light = page.evaluate(bg)
        page.click("#theme-toggle")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        page.reload()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        assert page.evaluate(bg) != light
    finally:
        ctx.close()
