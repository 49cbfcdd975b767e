"""Segments through the dashboard's API: each user's own, shared ones that only owners
and admins change, read-only for a shared link's visitors; bad input is a 4xx."""

from __future__ import annotations

from typing import Any

import pytest

from footfall.accounts.models import Role
from footfall.web.access import SESSION_COOKIE
from tests.web.dashboard.conftest import Dash

API = "/api/dashboard/example.com/segments"
MOBILE = [["is", "visit:device", ["Mobile"]]]
GOOGLE = [["is", "visit:source", ["Google"]], ["contains", "event:page", ["/blog"]]]


def _as(dash: Dash, email: str, role: Role | None, site_role: Role | None = None) -> str:
    """Signed in as a new user; their CSRF token."""
    site = dash.running.svc.stores.catalog.get_site("example.com")
    user = dash.accounts.add_user(email, "correct horse battery staple", role, site, site_role)
    token = dash.accounts.start_session(user)
    signed = dash.accounts.signed_in(token)
    assert signed is not None
    dash.running.client.cookies.set(SESSION_COOKIE, token)
    return signed.csrf_token


def _post(dash: Dash, csrf: str, **body: Any) -> Any:
    return dash.running.client.post(API, json=body, headers={"x-csrf-token": csrf})


def test_own_and_shared_segments(dash: Dash) -> None:
    c = dash.running.client
    shared = _post(dash, dash.csrf, name="Mobile", filters=MOBILE, shared=True)
    assert shared.status_code == 201, shared.text
    either = [["or", [MOBILE[0], GOOGLE[0]]]]
    assert _post(dash, dash.csrf, name="Either", filters=either).json()["filters"] == either
    mine = _post(dash, dash.csrf, name="Google blog", filters=GOOGLE)
    assert mine.status_code == 201
    assert mine.json() == {
        "id": mine.json()["id"], "name": "Google blog", "filters": GOOGLE,
        "shared": False, "editable": True,
    }  # fmt: skip
    listed = c.get(API).json()
    assert [s["name"] for s in listed["segments"]] == ["Mobile", "Either", "Google blog"]
    assert listed["can_save"] and listed["can_share"]

    viewer = _as(dash, "vera@example.com", None, Role.VIEWER)
    seen = c.get(API).json()
    assert [(s["name"], s["editable"]) for s in seen["segments"]] == [("Mobile", False)]
    assert seen["can_save"] and not seen["can_share"]
    assert _post(dash, viewer, name="Shared?", filters=MOBILE, shared=True).status_code == 403
    own = _post(dash, viewer, name="Mobile", filters=GOOGLE)  # her own name space
    assert own.status_code == 201
    sid, own_id = shared.json()["id"], own.json()["id"]
    headers = {"x-csrf-token": viewer}
    assert c.put(f"{API}/{sid}", json={"filters": GOOGLE}, headers=headers).status_code == 403
    assert c.delete(f"{API}/{sid}", headers=headers).status_code == 403
    hidden = mine.json()["id"]  # the owner's own: not even there for her
    assert c.delete(f"{API}/{hidden}", headers=headers).status_code == 404
    changed = c.put(f"{API}/{own_id}", json={"filters": MOBILE}, headers=headers)
    assert changed.status_code == 200 and changed.json()["filters"] == MOBILE
    assert c.delete(f"{API}/{own_id}", headers=headers).status_code == 200

    admin = _as(dash, "adam@example.com", None, Role.ADMIN)
    headers = {"x-csrf-token": admin}
    assert c.put(f"{API}/{sid}", json={"filters": GOOGLE}, headers=headers).status_code == 200
    assert c.get(API).json()["segments"][0]["filters"] == GOOGLE
    assert c.delete(f"{API}/{sid}", headers=headers).status_code == 200
    assert [s["name"] for s in c.get(API).json()["segments"]] == []


def test_shared_link_reads_the_shared_segments_only(dash: Dash) -> None:
    _post(dash, dash.csrf, name="Mobile", filters=MOBILE, shared=True)
    _post(dash, dash.csrf, name="Mine", filters=MOBILE)
    site = dash.running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    link = dash.accounts.create_share(site, "press", None)
    c = dash.running.client
    c.cookies.clear()
    token = {"x-share-token": link.token}
    seen = c.get(API, headers=token).json()
    assert [s["name"] for s in seen["segments"]] == ["Mobile"]
    assert not seen["can_save"] and not seen["can_share"]
    refused = c.post(API, json={"name": "x", "filters": MOBILE}, headers=token)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "filters": MOBILE}, "name"),
        ({"name": "x" * 121, "filters": MOBILE}, "name"),
        ({"name": 3, "filters": MOBILE}, "name"),
        ({"name": "x", "filters": []}, "filters"),
        ({"name": "x", "filters": "visit:device"}, "filters"),
        ({"name": "x", "filters": [["is", "visit:nope", ["a"]]]}, "filters.0"),
        ({"name": "x", "filters": [["between", "visit:device", ["a"]]]}, "filters.0"),
        ({"name": "x", "filters": [["not", MOBILE[0]]]}, "filters.0"),
        ({"name": "x", "filters": [MOBILE[0], ["or", [["and", GOOGLE]]]]}, "filters.1"),
    ],
)
def test_bad_segments_are_4xx_with_the_field(dash: Dash, body: dict[str, Any], field: str) -> None:
    r = _post(dash, dash.csrf, **body)
    assert 400 <= r.status_code < 500, r.text
    assert str(r.json()["field"]).startswith(field)


def test_needs_csrf_and_names_are_unique(dash: Dash) -> None:
    c = dash.running.client
    assert c.post(API, json={"name": "x", "filters": MOBILE}).status_code == 403
    assert _post(dash, dash.csrf, name="x", filters=MOBILE).status_code == 201
    assert _post(dash, dash.csrf, name="x", filters=GOOGLE).status_code == 409
    assert (
        c.put(
            f"{API}/999999", json={"filters": MOBILE}, headers={"x-csrf-token": dash.csrf}
        ).status_code
        == 404
    )
