"""Helpers for page tests: read a form's CSRF token, sign in over HTTP or in a browser."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from footfall.accounts.models import Role, SharedLink
from footfall.accounts.service import AccountService
from footfall.domain import Site

HTML = {"accept": "text/html"}
PASSWORD = "correct horse battery staple"
SECRET = "accounts-test-secret-0123456789abcdef"  # the AccountService fixture's


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def accounts_of(client: TestClient) -> AccountService:
    found: AccountService = client.app.state.accounts  # type: ignore[attr-defined]
    return found


def make_user(
    acc: AccountService,
    email: str,
    role: Role | None = Role.OWNER,
    site: Site | None = None,
    site_role: Role | None = None,
    password: str = PASSWORD,
) -> None:
    acc.add_user(email, password, role, site, site_role)


def login(client: TestClient, email: str, password: str = PASSWORD, next: str = "") -> str:
    """Sign in through the form; returns the redirect target."""
    page = client.get("/login", headers=HTML)
    r = client.post(
        "/login",
        data={"email": email, "password": password, "next": next, "csrf_token": csrf(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


def share_with_password(client: TestClient, site: Site, password: str) -> SharedLink:
    """A shared link made through the signed-in owner's settings form; returns it."""
    token = csrf(client.get(f"/sites/{site.domain}/settings", headers=HTML).text)
    client.post(
        f"/sites/{site.domain}/shares",
        data={"name": "team", "password": password, "csrf_token": token},
    )
    (share,) = accounts_of(client).shares(site)
    return share


def browser_login(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/sites")


def accept_invitation(guest: Page, link: str, domain: str, password: str) -> None:
    """Open an invitation link as a new user and accept it with a new password."""
    guest.goto(link)
    expect(guest.locator("h1")).to_have_text(f"Join {domain}")
    guest.fill("#password", password)
    guest.fill("#password2", password)
    guest.click("#invite-form button[type=submit]")
