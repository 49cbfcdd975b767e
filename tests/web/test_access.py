"""What an anonymous caller can learn: nothing about which sites exist (web/access.py)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.accounts.models import Role
from footfall.domain import Scope
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

domains = st.from_regex(r"[a-z][a-z0-9]{0,12}\.(com|org|net|io)", fullmatch=True)
PROBES = [
    ("GET", "/sites/{d}", HTML),
    ("GET", "/sites/{d}", {}),
    ("GET", "/share/{d}?auth=not-a-link", HTML),
    ("GET", "/share/{d}?auth=not-a-link", {}),
    ("GET", "/api/dashboard/{d}/realtime", {}),
    ("GET", "/api/dashboard/{d}/live", {}),
    ("GET", "/sites/{d}/realtime", HTML),
    ("GET", "/share/{d}/realtime?auth=not-a-link", {}),
    ("POST", "/api/dashboard/{d}/query", {}),
]


def answer(running: Running, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    r = running.client.request(method, path, headers=headers, follow_redirects=False)
    return r.status_code, r.text.replace(path.split("/")[2].split("?")[0], "DOMAIN")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(domains, st.sampled_from(PROBES))
def test_an_unknown_site_answers_like_an_existing_one(
    running: Running, domain: str, probe: tuple[str, str, dict[str, str]]
) -> None:
    method, path, headers = probe
    if domain in ("example.com", "other.org"):
        return
    existing = answer(running, method, path.format(d="example.com"), headers)
    unknown = answer(running, method, path.format(d=domain), headers)
    assert existing == unknown
    assert existing[0] in (303, 401, 404)


def test_a_share_unlock_answers_alike_for_unknown_sites_and_links(running: Running) -> None:
    c = running.client
    token = csrf(c.get("/login", headers=HTML).text)
    form = {"auth": "not-a-link", "password": "x", "csrf_token": token}
    known = c.post("/share/example.com/unlock", data=form)
    unknown = c.post("/share/nowhere.net/unlock", data=form)
    assert known.status_code == unknown.status_code == 404
    assert known.json() == unknown.json()


def test_a_removed_sites_keys_fail_at_once(running: Running) -> None:
    """The key ring cached a verified key for 30 s; removing the site forgets it."""
    key = running.key("other.org", "ingest,stats")
    assert asyncio.run(running.svc.keys.verify(key, Scope.STATS)).site_id is not None  # now cached
    token = {"authorization": f"Bearer {running.svc.admin_token}"}
    assert running.client.delete("/api/v1/sites/other.org", headers=token).status_code == 200
    r = running.client.get(
        "/api/v1/stats/aggregate",
        params={"site_id": "other.org"},
        headers={"authorization": f"Bearer {key}"},
    )
    assert r.status_code == 401


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=" \t\u00a0\u2000\u3000", min_size=1, max_size=6))
def test_a_blank_credential_never_reaches_the_operator_routes(running: Running, blank: str) -> None:
    """`X-API-Key: \\xa0` once stripped to "" and matched an empty admin token: an
    anonymous caller created an owner."""
    body = {"email": "intruder@example.com", "password": PASSWORD, "role": "owner"}
    for header in ({"x-api-key": blank}, {"authorization": f"Bearer {blank}"}):
        raw = {k.encode(): v.encode() for k, v in header.items()}  # the bytes a client sends
        assert running.client.post("/api/v1/users", json=body, headers=raw).status_code == 401
    assert running.svc.stores.accounts.get_user("intruder@example.com") is None


@pytest.mark.parametrize("path", ["/metrics", "/openapi.json", "/docs", "/redoc"])
def test_operations_views_need_the_operator(running: Running, path: str) -> None:
    c = running.client
    assert c.get(path).status_code == 401
    assert c.get(path, headers={"authorization": "Bearer " + "x" * 41}).status_code == 401
    assert running.operator_get(path).status_code == 200
    make_user(accounts_of(c), "viewer@example.com", None)
    login(c, "viewer@example.com")
    assert c.get(path).status_code == 401  # a signed-in user without the owner role
    c.cookies.clear()
    make_user(accounts_of(c), "boss@example.com", Role.OWNER)
    login(c, "boss@example.com")
    assert c.get(path).status_code == 200


def test_every_429_says_when_to_come_back(running: Running) -> None:
    c = running.client
    make_user(accounts_of(c), "owner@example.com")
    login(c, "owner@example.com")
    site = running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    share = share_with_password(c, site, "share password")
    token = csrf(c.get("/account", headers=HTML).text)
    answers = []
    for _ in range(7):
        wrong = {"current": "wrong guess 1", "password": "a new passphrase 9", "csrf_token": token}
        answers.append(c.post("/account/password", data={**wrong, "password2": wrong["password"]}))
    c.cookies.clear()
    pre = csrf(c.get("/login", headers=HTML).text)
    for _ in range(7):
        form = {"auth": share.token, "password": "wrong guess", "csrf_token": pre}
        answers.append(c.post("/share/example.com/unlock", data=form, headers=HTML))
        form = {"email": "owner@example.com", "password": "wrong guess", "csrf_token": pre}
        answers.append(c.post("/login", data=form, headers=HTML))
    limited = [r for r in answers if r.status_code == 429]
    assert len(limited) >= 6
    for r in limited:
        assert int(r.headers["retry-after"]) >= 1
        assert "too many failed attempts" in r.text
