"""Email in real Chromium, through a real SMTP server on loopback: password reset,
invitations, reports opted into from settings and stopped by their link."""

from __future__ import annotations

import re
from email.message import EmailMessage

import httpx
from playwright.sync_api import Browser, Page, expect

from footfall.accounts.models import Role
from tests.accounts.helpers import PASSWORD, accept_invitation, browser_login
from tests.smtp import SmtpServer, parts
from tests.support import Live
from tests.web.test_pages_browser import page

NEW_PASSWORD = "a brand new passphrase 42"


__all__ = ["page"]  # fixture: a page of the CSP-watched context (tests/conftest.py)


def link_in(msg: EmailMessage, path: str) -> str:
    """The one link to ``path`` in the text part, which the HTML part has too."""
    text, html = parts(msg)
    [link] = re.findall(rf"http://\S+{path}\S+", text)
    assert f'href="{link}"' in html
    return str(link)


def test_a_forgotten_password_is_reset_by_the_emailed_link(
    mail_live: Live, smtp_server: SmtpServer, page: Page
) -> None:
    acc = mail_live.server.config.app.state.accounts
    acc.add_user("owner@example.com", PASSWORD, Role.OWNER)
    page.goto(f"{mail_live.url}/login")
    page.click("#forgot-link")
    page.fill("#email", "owner@example.com")
    page.click("#forgot-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_contain_text("a link to choose a new password")
    [msg] = smtp_server.inbox.wait_for(1)
    assert msg["To"] == "owner@example.com"
    assert msg["Subject"] == "Reset your Footfall password"
    link = link_in(msg, "/password/reset/")
    assert link.startswith(f"{mail_live.url}/password/reset/")

    page.goto(link)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password2", NEW_PASSWORD)
    page.click("#reset-form button[type=submit]")
    expect(page).to_have_url(f"{mail_live.url}/sites")
    page.click(".user-menu summary")
    page.click("#logout")
    # the old password is gone, the new one signs in
    page.fill("#email", "owner@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator(".alert-error")).to_have_text("wrong email or password")
    browser_login(page, mail_live.url, "owner@example.com", NEW_PASSWORD)
    expect(page).to_have_url(f"{mail_live.url}/sites")
    # the link worked once
    page.goto(link)
    page.fill("#password", "yet another passphrase 7")
    page.fill("#password2", "yet another passphrase 7")
    page.click("#reset-form button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("unknown, used or expired")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    mail_live: Live, smtp_server: SmtpServer, page: Page
) -> None:
    page.goto(f"{mail_live.url}/password/forgot")
    page.fill("#email", "nobody@example.com")
    page.click("#forgot-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_contain_text("If an account has that address")
    assert mail_live.svc.stores.mailbox is not None
    assert mail_live.svc.stores.mailbox.mail_counts()["queued"] == 0
    assert smtp_server.inbox.messages == []


def test_an_invitation_is_emailed_and_accepted_from_the_mail(
    mail_live: Live, smtp_server: SmtpServer, page: Page, browser: Browser
) -> None:
    acc = mail_live.server.config.app.state.accounts
    acc.add_user("owner@example.com", PASSWORD, Role.OWNER)
    browser_login(page, mail_live.url, "owner@example.com")
    page.goto(f"{mail_live.url}/sites/example.com/settings#members")
    page.fill("#invite-email", "viewer@example.com")
    page.select_option("#invite-role", "viewer")
    page.click("#invite-form button[type=submit]")
    expect(page.locator("#invite-emailed")).to_be_visible()
    shown = page.locator("#new-invite-link").inner_text()  # still copyable
    [msg] = smtp_server.inbox.wait_for(1)
    assert msg["To"] == "viewer@example.com"
    assert msg["Subject"] == "You are invited to example.com on Footfall"
    link = link_in(msg, "/invite/")
    assert link == shown
    other = browser.new_context()
    try:
        guest = other.new_page()
        accept_invitation(guest, link, "example.com", "viewer password 1")
        expect(guest).to_have_url(f"{mail_live.url}/sites/example.com")
    finally:
        other.close()


def test_reports_opted_into_from_settings_and_stopped_by_their_link(
    mail_live: Live, smtp_server: SmtpServer, page: Page
) -> None:
    acc = mail_live.server.config.app.state.accounts
    acc.add_user("owner@example.com", PASSWORD, Role.OWNER)
    browser_login(page, mail_live.url, "owner@example.com")
    page.goto(f"{mail_live.url}/sites/example.com/settings#email")
    page.check("#email-weekly")
    page.fill("#email-spike", "0")
    page.click("#email-form button[type=submit]")
    expect(page.locator(".alert-ok")).to_have_text("Email reports and alerts saved.")
    expect(page.locator("#email-weekly")).to_be_checked()
    expect(page.locator("#email-monthly")).not_to_be_checked()
    svc = mail_live.svc
    assert svc.reports is not None and svc.mail is not None
    svc.reports.tick()  # what the replica's five-minute round does (if it has not yet)
    svc.mail.deliver_due()
    [msg] = smtp_server.inbox.wait_for(1)
    assert msg["To"] == "owner@example.com"
    link = link_in(msg, "/email/unsubscribe/")
    page.click(".user-menu summary")
    page.click("#logout")
    page.goto(link)  # no login needed; a GET changes nothing
    expect(page.locator("h1")).to_have_text("Unsubscribe")
    assert svc.stores.mailbox is not None and len(svc.stores.mailbox.subscriptions()) == 1
    page.click("#unsubscribe-form button[type=submit]")
    expect(page.locator("#unsubscribed")).to_contain_text(
        "owner@example.com gets no more weekly reports of example.com"
    )
    assert svc.stores.mailbox.subscriptions() == []
    assert msg["List-Unsubscribe"] == f"<{link}>"
    one_click = httpx.post(link, data={"List-Unsubscribe": "One-Click"})  # RFC 8058
    assert one_click.status_code == 200  # no session, no CSRF token; done already
    page.goto(link[:-3] + "xyz")
    expect(page.locator("h1")).to_have_text("Not found")


def test_without_smtp_the_pages_say_email_is_off(live: Live, page: Page) -> None:
    acc = live.server.config.app.state.accounts
    acc.add_user("owner@example.com", PASSWORD, Role.OWNER)
    page.goto(f"{live.url}/password/forgot")
    expect(page.locator("#email-off")).to_contain_text("FOOTFALL_SMTP_URL is not set")
    browser_login(page, live.url, "owner@example.com")
    page.goto(f"{live.url}/sites/example.com/settings#members")
    expect(page.locator("#email-off")).to_contain_text("FOOTFALL_SMTP_URL")
    page.fill("#invite-email", "viewer@example.com")
    page.click("#invite-form button[type=submit]")
    expect(page.locator("#new-invite-link")).to_be_visible()  # the link, to send by hand
    expect(page.locator("#invite-emailed")).to_have_count(0)
