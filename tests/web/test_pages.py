"""Account and site-management pages over HTTP (the browser tests are in test_pages_browser)."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from footfall.accounts.models import Role
from footfall.domain import Scope
from footfall.web.access import SESSION_COOKIE
from tests.accounts.helpers import (
    HTML,
    PASSWORD,
    accounts_of,
    csrf,
    login,
    make_user,
    share_with_password,
)
from tests.support import Running


def owner(running: Running) -> None:
    make_user(accounts_of(running.client), "owner@example.com")
    login(running.client, "owner@example.com")


def test_root_leads_to_setup_then_login_then_sites(running: Running) -> None:
    c = running.client
    assert c.get("/", follow_redirects=False).headers["location"] == "/setup"
    assert c.get("/login", follow_redirects=False).headers["location"] == "/setup"
    make_user(accounts_of(c), "owner@example.com")
    assert c.get("/", follow_redirects=False).headers["location"] == "/login"
    login(c, "owner@example.com")
    assert c.get("/", follow_redirects=False).headers["location"] == "/sites"


def test_setup_creates_the_owner_once(running: Running) -> None:
    c = running.client
    page = c.get("/setup", headers=HTML)
    form = {"email": "me@example.com", "password": PASSWORD, "password2": PASSWORD}
    refused = c.post("/setup", data=form, headers=HTML)  # no CSRF token
    assert refused.status_code == 403
    r = c.post("/setup", data={**form, "csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/sites"
    user = accounts_of(c).users.get_user("me@example.com")
    assert user is not None
    assert user.user.role is Role.OWNER
    assert user.password_hash.startswith("$argon2id$")
    assert c.get("/setup", follow_redirects=False).headers["location"] == "/login"
    again = c.post("/setup", data={**form, "email": "x@example.com", "csrf_token": "x"})
    assert again.status_code in (403, 404)
    assert accounts_of(c).users.count_users() == 1


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("12345678", "at least 10 characters"),
        ("          ", "only spaces"),
        ("password1234", "too easy to guess"),
        ("me@example.com", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason_on_the_forms(
    running: Running, weak: str, reason: str
) -> None:
    c = running.client
    token = csrf(c.get("/setup", headers=HTML).text)
    form = {"email": "me@example.com", "password": weak, "password2": weak, "csrf_token": token}
    r = c.post("/setup", data=form, headers=HTML)
    assert r.status_code == 400 and reason in r.text
    assert accounts_of(c).users.count_users() == 0
    make_user(accounts_of(c), "me@example.com")
    login(c, "me@example.com")
    token = csrf(c.get("/account", headers=HTML).text)
    change = {"current": PASSWORD, "password": weak, "password2": weak, "csrf_token": token}
    r = c.post("/account/password", data=change, headers=HTML)
    assert r.status_code == 400 and reason in r.text


def test_setup_reports_mismatched_passwords(running: Running) -> None:
    c = running.client
    token = csrf(c.get("/setup", headers=HTML).text)
    form = {
        "email": "me@example.com",
        "password": PASSWORD,
        "password2": "other",
        "csrf_token": token,
    }
    r = c.post("/setup", data=form, headers=HTML)
    assert r.status_code == 400
    assert "the two passwords differ" in r.text
    assert not accounts_of(c).has_users()


def test_wrong_email_and_wrong_password_get_the_same_answer(running: Running) -> None:
    c = running.client
    make_user(accounts_of(c), "owner@example.com")
    token = csrf(c.get("/login", headers=HTML).text)
    answers = []
    for email, password in (("owner@example.com", "nope nope"), ("who@example.com", PASSWORD)):
        data = {"email": email, "password": password, "csrf_token": token}
        r = c.post("/login", data=data, headers=HTML)
        answers.append((r.status_code, "wrong email or password" in r.text))
        assert SESSION_COOKIE not in c.cookies
    assert answers == [(401, True), (401, True)]


def test_login_cookie_flags_and_rotation(running: Running) -> None:
    c = running.client
    make_user(accounts_of(c), "owner@example.com")
    token = csrf(c.get("/login", headers=HTML).text)
    data = {"email": "owner@example.com", "password": PASSWORD, "csrf_token": token}
    r = c.post("/login", data=data, follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    first = c.cookies[SESSION_COOKIE]
    token = csrf(c.get("/sites", headers=HTML).text)
    r = c.post(  # X-Forwarded-Proto counts only from a trusted proxy (test_proxies.py)
        "https://testserver/login", data={**data, "csrf_token": token}, follow_redirects=False
    )
    assert "Secure" in r.headers["set-cookie"]
    assert accounts_of(c).signed_in(first) is None  # the old session ended at login


def test_next_is_followed_only_when_local(running: Running) -> None:
    c = running.client
    make_user(accounts_of(c), "owner@example.com")
    assert login(c, "owner@example.com", next="/sites/example.com/settings").endswith(
        "/sites/example.com/settings"
    )
    for hostile in ("https://evil.test/", "//evil.test/x", "/\\evil.test", "javascript:alert(1)"):
        c.cookies.clear()
        assert login(c, "owner@example.com", next=hostile) == "/sites"


def test_pages_need_a_session(running: Running) -> None:
    r = running.client.get("/sites/example.com/settings", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fsites%2Fexample.com%2Fsettings"
    api = running.client.post("/sites/example.com/keys", data={"name": "x"})
    assert api.status_code == 401
    assert api.json()["error"] == "login_required"


def test_logout_ends_the_session_on_the_server(running: Running) -> None:
    c = running.client
    owner(running)
    token = c.cookies[SESSION_COOKIE]
    page = c.get("/sites", headers=HTML)
    r = c.post("/logout", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.headers["location"] == "/login"
    assert accounts_of(c).signed_in(token) is None


def test_rate_limit_answers_429_with_retry_after(running: Running) -> None:
    c = running.client
    make_user(accounts_of(c), "owner@example.com")
    token = csrf(c.get("/login", headers=HTML).text)
    for _ in range(5):
        data = {"email": "owner@example.com", "password": "wrong password", "csrf_token": token}
        assert c.post("/login", data=data).status_code == 401
    data = {"email": "owner@example.com", "password": PASSWORD, "csrf_token": token}
    r = c.post("/login", data=data, headers=HTML)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "too many failed attempts" in r.text


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_unsafe_requests_without_the_session_csrf_token_are_refused(
    running: Running, token: str | None
) -> None:
    owner(running)
    data = {"name": "k", "scopes": ["stats"]} | ({"csrf_token": token} if token else {})
    r = running.client.post("/sites/example.com/keys", data=data)
    assert r.status_code == 403
    assert r.json()["error"] == "csrf_failed"
    assert running.svc.stores.catalog.list_keys() == []


def test_csrf_token_in_a_header_is_accepted(running: Running) -> None:
    owner(running)
    token = csrf(running.client.get("/sites", headers=HTML).text)
    r = running.client.post(
        "/sites/example.com/goals",
        data={"kind": "event", "value": "Signup"},
        headers={"x-csrf-token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert [g.display_name for g in running.svc.stores.catalog.list_goals()] == ["Signup"]


def test_key_is_shown_once_then_revoked(running: Running) -> None:
    c = running.client
    owner(running)
    token = csrf(c.get("/sites/example.com/settings", headers=HTML).text)
    r = c.post(
        "/sites/example.com/keys",
        data={"name": "grafana", "scopes": ["stats", "ingest"], "csrf_token": token},
    )
    assert r.status_code == 200
    (key,) = running.svc.stores.catalog.list_keys()
    assert key.scopes == {"stats", "ingest"}
    shown = r.text.split('id="new-key-value">')[1].split("<")[0]
    assert shown.startswith(f"ff_{key.prefix}_")
    assert asyncio.run(running.svc.keys.verify(shown, Scope.STATS)).prefix == key.prefix
    later = c.get("/sites/example.com/settings", headers=HTML).text
    assert shown not in later
    assert key.prefix in later
    r = c.post(f"/sites/example.com/keys/{key.prefix}/revoke", data={"csrf_token": token})
    assert r.status_code == 200
    assert running.svc.stores.catalog.list_keys()[0].revoked_at is not None


def test_timezone_goals_and_site_removal(running: Running) -> None:
    c = running.client
    owner(running)
    token = csrf(c.get("/sites/example.com/settings", headers=HTML).text)
    c.post("/sites/example.com/timezone", data={"timezone": "Europe/Paris", "csrf_token": token})
    site = running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    assert site.timezone == "Europe/Paris"
    bad = c.post("/sites/example.com/timezone", data={"timezone": "Mars/Base", "csrf_token": token})
    assert bad.status_code == 400
    c.post(
        "/sites/example.com/goals", data={"kind": "page", "value": "/thanks", "csrf_token": token}
    )
    c.post("/sites/example.com/goals/remove", data={"name": "Visit /thanks", "csrf_token": token})
    assert running.svc.stores.catalog.list_goals() == []
    kept = c.post("/sites/example.com/delete", data={"confirm": "nope", "csrf_token": token})
    assert kept.status_code == 400
    r = c.post(
        "/sites/example.com/delete",
        data={"confirm": "example.com", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/sites?msg=site_removed"
    assert running.svc.stores.catalog.get_site("example.com") is None


def test_adding_a_site_makes_the_creator_its_owner(running: Running) -> None:
    c = running.client
    owner(running)
    token = csrf(c.get("/sites", headers=HTML).text)
    r = c.post(
        "/sites",
        data={"domain": "https://New.Example.net/", "timezone": "UTC", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/sites/new.example.net/settings?msg=site_added"
    assert c.get("/sites/new.example.net/settings", headers=HTML).status_code == 200
    assert 'data-domain="new.example.net"' in c.get("/sites", headers=HTML).text
    # the creator, an instance owner and the site's owner, is listed once under Members
    members = c.get("/sites/new.example.net/settings", headers=HTML).text
    listed = members.split('id="member-list"', 1)[1].split("</table>", 1)[0]
    assert listed.count("owner@example.com") == 1
    bad = c.post("/sites", data={"domain": "not a domain!", "csrf_token": token}, headers=HTML)
    assert bad.status_code == 400


def test_viewer_sees_dashboard_sites_but_not_settings(running: Running) -> None:
    c = running.client
    acc = accounts_of(c)
    site = running.svc.stores.catalog.get_site("example.com")
    make_user(acc, "viewer@example.com", None, site, Role.VIEWER)
    login(c, "viewer@example.com")
    listing = c.get("/sites", headers=HTML).text
    assert "example.com" in listing
    assert "other.org" not in listing
    assert "/sites/example.com/settings" not in listing
    assert c.get("/sites/example.com/settings", headers=HTML).status_code == 403
    # no role on other.org: the same 404 as a site that does not exist
    assert c.get("/sites/other.org/settings").status_code == 404
    assert c.get("/sites/nowhere.test/settings").status_code == 404
    token = csrf(listing)
    r = c.post("/sites", data={"domain": "mine.test", "csrf_token": token})
    assert r.status_code == 403


def test_invitation_creates_an_account_with_the_role(running: Running) -> None:
    c = running.client
    owner(running)
    token = csrf(c.get("/sites/example.com/settings", headers=HTML).text)
    r = c.post(
        "/sites/example.com/members",
        data={"email": "new@example.com", "role": "viewer", "csrf_token": token},
    )
    link = r.text.split('id="new-invite-link">')[1].split("<")[0]
    path = link.removeprefix("http://testserver")
    c.cookies.clear()
    page = c.get(path, headers=HTML)
    assert "new@example.com" in page.text
    form = {"password": PASSWORD, "password2": PASSWORD, "csrf_token": csrf(page.text)}
    r = c.post(path, data=form, follow_redirects=False)
    assert r.headers["location"] == "/sites/example.com"
    members = accounts_of(c).members(running.svc.stores.catalog.get_site("example.com"))  # type: ignore[arg-type]
    assert {(m.user.email, m.role) for m in members} >= {("new@example.com", Role.VIEWER)}
    assert c.get(path, headers=HTML).status_code == 404  # used


def test_static_files_are_gzipped_and_versioned_urls_cached(running: Running) -> None:
    c = running.client
    page = c.get("/setup", headers=HTML).text
    css = page.split('href="/static/app.css?v=')[1].split('"')[0]
    r = c.get(f"/static/app.css?v={css}", headers={"accept-encoding": "gzip"})
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-encoding"] == "gzip"
    assert "--accent" in r.text
    plain = c.get("/static/app.css")
    assert "immutable" not in plain.headers.get("cache-control", "")
    assert len(gzip.compress(plain.content)) < 10_000


def test_share_password_unlocks_only_with_the_password(running: Running) -> None:
    c = running.client
    owner(running)
    site = running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    share = share_with_password(c, site, "share password")
    c.cookies.clear()
    locked = c.get(f"/share/example.com?auth={share.token}", headers=HTML)
    assert locked.status_code == 401
    assert "protected by a password" in locked.text
    unlock = {"auth": share.token, "password": "wrong password", "csrf_token": csrf(locked.text)}
    assert c.post("/share/example.com/unlock", data=unlock).status_code == 401
    r = c.post(
        "/share/example.com/unlock",
        data={**unlock, "password": "share password"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert c.get(f"/share/example.com?auth={share.token}", headers=HTML).status_code == 200
    assert c.get(f"/share/other.org?auth={share.token}", headers=HTML).status_code == 404
    accounts_of(c).revoke_share(site, share.id)
    gone = c.get(f"/share/example.com?auth={share.token}", headers=HTML)
    assert gone.status_code == 404
    assert "revoked" in gone.text


def test_users_api_needs_the_admin_token(running: Running) -> None:
    c = running.client
    body = {"email": "cli@example.com", "password": PASSWORD, "role": "owner"}
    assert c.post("/api/v1/users", json=body).status_code == 401
    key = running.key("example.com", "admin")
    assert c.post("/api/v1/users", json=body, headers={"x-api-key": key}).status_code == 401
    admin = {"authorization": f"Bearer {running.svc.admin_token}"}
    r = c.post("/api/v1/users", json=body, headers=admin)
    assert r.status_code == 201
    assert r.json()["role"] == "owner"
    viewer = {**body, "email": "v@example.com", "role": "viewer", "site": "example.com"}
    c.post("/api/v1/users", json=viewer, headers=admin)
    users = {u["email"]: u for u in c.get("/api/v1/users", headers=admin).json()}
    assert users["v@example.com"]["sites"] == {"example.com": "viewer"}
    assert c.delete("/api/v1/users/v@example.com", headers=admin).status_code == 200
    assert login(c, "cli@example.com") == "/sites"


def test_changing_the_password_signs_out_other_browsers(running: Running) -> None:
    c = running.client
    acc = accounts_of(c)
    make_user(acc, "owner@example.com")
    user = acc.authenticate("owner@example.com", PASSWORD, "ip")
    elsewhere = acc.start_session(user)
    login(c, "owner@example.com")
    token = csrf(c.get("/account", headers=HTML).text)
    form = {"current": "not it at all", "password": "new password 1", "password2": "new password 1"}
    wrong = c.post("/account/password", data={**form, "csrf_token": token}, headers=HTML)
    assert wrong.status_code == 401
    assert "the current password is wrong" in wrong.text
    r = c.post(
        "/account/password",
        data={**form, "current": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/account?changed=1"
    assert acc.signed_in(elsewhere) is None
    assert "Password changed" in c.get("/account?changed=1", headers=HTML).text  # signed in
    assert acc.authenticate("owner@example.com", "new password 1", "ip").id == user.id


def test_pages_answer_errors_as_html_and_apis_keep_json(running: Running) -> None:
    owner(running)
    page = running.client.get("/sites/nowhere.test/settings", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = running.client.get("/api/v1/sites", headers=HTML)
    assert api.status_code == 401
    assert api.json()["error"] == "unauthorized"
