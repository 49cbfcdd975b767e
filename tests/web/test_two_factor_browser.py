"""Two-factor authentication in real Chromium: enrolment from the shown secret, login
with a generated code, no replay, a recovery code used once, and a site that requires
2FA of its members sending one without it to enrolment (docs/accounts.md)."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from tests.accounts.helpers import PASSWORD, browser_login
from tests.support import Live

STEP = 30


def accounts(live: Live) -> AccountService:
    found: AccountService = live.server.config.app.state.accounts
    return found


def next_code(secret: str) -> str:
    """The code of the next 30-second step: accepted (one step of drift) and never the
    step enrolment or an earlier login used, so the test need not wait for a new one."""
    return pyotp.TOTP(secret).at(time.time() + STEP)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def password_step(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{url}/login/2fa?next=%2Fsites")


def code_step(page: Page, code: str) -> None:
    page.fill("#code", code)
    page.click("#code-form button[type=submit]")


def log_out(page: Page, url: str) -> None:
    page.click(".user-menu summary")
    page.click("#logout")
    expect(page).to_have_url(f"{url}/login")


def enrol(page: Page) -> tuple[str, list[str]]:
    """On /account/2fa: the shown secret, confirmed with its code; the recovery codes."""
    expect(page.locator("#enrol svg.qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#confirm-form button[type=submit]")
    codes = page.locator("#codes li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def test_enrol_then_log_in_with_a_code_and_a_recovery_code_once(live: Live, page: Page) -> None:
    user = accounts(live).add_user("owner@example.com", PASSWORD, Role.OWNER)
    browser_login(page, live.url, user.email)
    page.goto(f"{live.url}/account")
    page.click("#two-factor-link")
    page.fill("#code", "000000")  # a wrong code leaves it off
    page.click("#confirm-form button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("not the one the app shows")
    secret, recovery = enrol(page)
    state = live.svc.stores.accounts.get_totp(user.id)
    assert state is not None and state.enabled and secret.encode() not in state.secret
    page.click("#codes-saved")
    expect(page.locator("#codes-left")).to_have_text("10")

    log_out(page, live.url)
    password_step(page, live.url, user.email)
    assert not any(c["name"] == "footfall_session" for c in page.context.cookies())
    page.goto(f"{live.url}/sites")  # half-authenticated: no session yet
    expect(page).to_have_url(f"{live.url}/login?next=%2Fsites")
    password_step(page, live.url, user.email)
    code = next_code(secret)
    code_step(page, code)
    expect(page).to_have_url(f"{live.url}/sites")

    log_out(page, live.url)
    password_step(page, live.url, user.email)
    code_step(page, code)  # the same code again: a replay
    expect(page.locator(".alert-error")).to_have_text("that code is wrong or was used already")
    code_step(page, recovery[3].upper().replace("-", " "))  # as people type them
    expect(page).to_have_url(f"{live.url}/sites")

    log_out(page, live.url)
    password_step(page, live.url, user.email)
    code_step(page, recovery[3])
    expect(page.locator(".alert-error")).to_have_text("that code is wrong or was used already")
    code_step(page, recovery[4])
    expect(page).to_have_url(f"{live.url}/sites")
    page.goto(f"{live.url}/account/2fa")
    expect(page.locator("#codes-left")).to_have_text("8")

    page.fill("#password", PASSWORD)  # turning it off takes the password and a code
    page.fill("#disable-code", recovery[3])
    page.click("#disable-form button[type=submit]")
    expect(page.locator(".alert-error")).to_have_text("that code is wrong or was used already")
    page.fill("#password", PASSWORD)
    page.fill("#disable-code", recovery[5])
    page.click("#disable-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_have_text("Two-factor authentication is off.")
    assert not accounts(live).two_factor.enabled(user.id)  # the page offers a new set-up


def test_a_site_that_requires_2fa_sends_a_member_without_it_to_enrolment(
    live: Live, page: Page, browser: Browser
) -> None:
    acc = accounts(live)
    owner = acc.add_user("owner@example.com", PASSWORD, Role.OWNER)
    site = live.svc.stores.catalog.get_site("example.com")
    assert site is not None
    acc.add_user("viewer@example.com", PASSWORD, None, site, Role.VIEWER)

    browser_login(page, live.url, owner.email)
    page.goto(f"{live.url}/sites/example.com/settings")
    page.check("#require-2fa")
    page.click("#require-2fa-form button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("your own account first")
    page.goto(f"{live.url}/account/2fa")
    enrol(page)
    page.goto(f"{live.url}/sites/example.com/settings")
    page.check("#require-2fa")
    page.click("#require-2fa-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_have_text("Two-factor requirement saved.")
    expect(page.locator("#require-2fa")).to_be_checked()

    member = browser.new_context().new_page()
    try:
        browser_login(member, live.url, "viewer@example.com")
        member.goto(f"{live.url}/sites/example.com")
        expect(member).to_have_url(f"{live.url}/account/2fa?next=%2Fsites%2Fexample.com")
        expect(member.locator(".alert-ok")).to_contain_text("requires two-factor")
        enrol(member)
        member.click("#codes-saved")
        expect(member).to_have_url(f"{live.url}/sites/example.com")
    finally:
        member.context.close()
