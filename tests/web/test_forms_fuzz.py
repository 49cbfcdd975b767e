"""Property tests: whatever a browser posts to the form routes (/setup, /login, the
account and settings forms), with or without their CSRF token, the answer is < 500; a
browser gets an HTML page, a script a JSON error of the usual shape."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.web.access import SESSION_COOKIE
from footfall.web.app import create_app
from tests.accounts.helpers import csrf
from tests.support import Clock, settings_for

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHAPE = {"error", "detail", "field"}
# Each form and the fields it reads; the fuzzer adds others and leaves some out.
FORMS: dict[str, list[str]] = {
    "/setup": ["email", "password", "password2"],
    "/login": ["email", "password", "next"],
    "/account/password": ["current", "password", "password2"],
    "/sites": ["domain", "timezone"],
    "/sites/example.com/timezone": ["timezone"],
    "/sites/example.com/delete": ["confirm"],
    "/sites/example.com/keys": ["name", "scopes"],
    "/sites/example.com/keys/nope/revoke": [],
    "/sites/example.com/goals": ["kind", "value"],
    "/sites/example.com/goals/remove": ["name"],
    "/sites/example.com/shares": ["name", "password"],
    "/sites/example.com/shares/1/revoke": [],
    "/sites/example.com/members": ["email", "role"],
    "/sites/example.com/members/remove": ["email"],
    "/sites/example.com/invitations/1/cancel": [],
    "/sites/nope.example/goals": ["kind", "value"],
    "/share/example.com/unlock": ["auth", "password"],
    "/invite/nope": ["password", "password2"],
    "/login/2fa": ["code", "next"],
    "/account/2fa/confirm": ["code", "next"],
    "/account/2fa/disable": ["password", "code"],
    "/sites/example.com/two-factor": ["required"],
    "/sites/example.com/retention": ["retention_days"],
    "/sites/example.com/delete-range": ["start", "end", "confirm"],
    "/sites/example.com/reset": ["confirm"],
}
text = st.one_of(
    st.text(max_size=40),
    st.text(max_size=3000),  # past the fields' max_length
    st.sampled_from(
        [
            "",
            " ",
            "owner@example.com",
            "UTC",
            "Mars/Olympus",
            "event",
            "page",
            "/**",
            "ingest",
            "stats",
            "admin",
            "owner",
            "viewer",
            "//evil.example",
            "\x00",
            "\ufeff",
            "12345678",
        ]
    ),
)
form = st.dictionaries(
    st.one_of(
        st.sampled_from(sorted({f for fs in FORMS.values() for f in fs})), st.text(max_size=8)
    ),
    st.one_of(text, st.lists(text, max_size=3)),
    max_size=6,
)
# what no form writes: bodies that are not the content type they claim
raw_bodies = st.tuples(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain",
        ]
    ),
    st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            [b"--xyz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--xyz--", b"%zz=%ff"]
        ),
    ),
)


@dataclass
class Clients:
    signed: TestClient  # the owner's session
    session_token: str
    anonymous: TestClient  # no session; its pre-login token
    anonymous_token: str


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    tmp: Path = tmp_path_factory.mktemp("forms-fuzz")
    app = create_app(
        settings_for(tmp),
        clock=Clock(),
    )
    with TestClient(app) as client:
        accounts: AccountService = app.state.accounts
        owner = accounts.add_user("owner@example.com", "correct horse battery staple", Role.OWNER)
        token = accounts.start_session(owner)
        signed = accounts.signed_in(token)
        assert signed is not None
        client.cookies.set(SESSION_COOKIE, token)
        added = client.post(
            "/sites",
            data={"domain": "example.com", "csrf_token": signed.csrf_token},
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text
        anonymous = TestClient(app)  # the same running app (its lifespan is the one above)
        page = anonymous.get("/login", headers={"accept": "text/html"})
        yield Clients(client, signed.csrf_token, anonymous, csrf(page.text))


def _check(r: Any, browser: bool) -> None:
    assert r.status_code < 500, r.text
    if r.status_code < 400:
        return
    if r.headers["content-type"].startswith("application/json"):
        assert not browser, r.text
        assert set(r.json()) == SHAPE, r.text
    else:
        assert r.headers["content-type"].startswith("text/html"), r.headers


@FUZZ
@given(
    path=st.sampled_from(sorted(FORMS)),
    data=form,
    token=st.sampled_from(["session", "anonymous", "none", "wrong"]),
    browser=st.booleans(),
    signed=st.booleans(),
)
def test_form_routes_never_5xx(
    clients: Clients, path: str, data: dict[str, Any], token: str, browser: bool, signed: bool
) -> None:
    value = {
        "session": clients.session_token,
        "anonymous": clients.anonymous_token,
        "wrong": "x" * 64,
    }.get(token)
    if value is not None:
        data = {**data, "csrf_token": value}
    headers = {"accept": "text/html"} if browser else {}
    client = clients.signed if signed else clients.anonymous
    _check(client.post(path, data=data, headers=headers, follow_redirects=False), browser)


@FUZZ
@given(path=st.sampled_from(sorted(FORMS)), raw=raw_bodies, browser=st.booleans())
def test_form_routes_take_any_body(
    clients: Clients, path: str, raw: tuple[str, bytes], browser: bool
) -> None:
    content_type, body = raw
    headers = {"content-type": content_type, **({"accept": "text/html"} if browser else {})}
    r = clients.signed.post(path, content=body, headers=headers, follow_redirects=False)
    _check(r, browser)
