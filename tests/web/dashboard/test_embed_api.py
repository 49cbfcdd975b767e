"""Embedding over the real app: who may frame what (headers), the settings form's
origins, and the embed parameters' 400s."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footfall.errors import InputError
from footfall.web import embed
from tests.accounts.helpers import HTML
from tests.web.dashboard.conftest import Dash


def _share(dash: Dash) -> str:
    site = dash.running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    return dash.accounts.create_share(site, "press", None).token


def test_only_an_embedded_share_may_be_framed_and_only_by_its_origins(dash: Dash) -> None:
    client = dash.running.client
    token = _share(dash)
    r = client.post(
        "/sites/example.com/embed",
        data={"origins": "https://blog.example.com/\nhttp://localhost:8080, https://*.ex.org",
              "csrf_token": dash.csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    stored = dash.running.svc.stores.catalog.embed_origins(1)
    assert stored == ("https://blog.example.com", "http://localhost:8080", "https://*.ex.org")
    client.cookies.clear()
    framed = client.get(f"/share/example.com?auth={token}&embed=true", headers=HTML)
    assert framed.status_code == 200
    csp = framed.headers["content-security-policy"]
    assert "frame-ancestors https://blog.example.com http://localhost:8080 https://*.ex.org" in csp
    assert "x-frame-options" not in framed.headers
    assert "script-src 'self'" in csp  # the rest of the policy is the usual one
    for path in (f"/share/example.com?auth={token}", "/login", "/api/dashboard/example.com/live"):
        plain = client.get(path, headers={**HTML, "x-share-token": token})
        assert plain.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in plain.headers["content-security-policy"], path


def test_no_origins_listed_still_refuses_framing(dash: Dash) -> None:
    token = _share(dash)
    dash.running.client.cookies.clear()
    r = dash.running.client.get(f"/share/example.com?auth={token}&embed=true", headers=HTML)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("theme=pink", "theme"), ("background=red;x:1", "background"),
     ("background=%23ggg", "background")],
)  # fmt: skip
def test_bad_embed_parameters_are_400(dash: Dash, query: str, field: str) -> None:
    token = _share(dash)
    dash.running.client.cookies.clear()
    r = dash.running.client.get(f"/share/example.com?auth={token}&embed=true&{query}")
    assert r.status_code == 400 and r.json()["field"] == field


@pytest.mark.parametrize(
    "bad",
    ["javascript:alert(1)", "https://a.com/path", "https://a.com?x=1", "ftp://a.com",
     "https://u:p@a.com", "'none'", "https://a.com:99999", "https://*", "data:text/html,x"],
)  # fmt: skip
def test_only_origins_are_accepted(bad: str) -> None:
    with pytest.raises(InputError):
        embed.parse_origins(bad)


def test_a_bad_origin_redisplays_the_settings_with_the_reason(dash: Dash) -> None:
    r = dash.running.client.post(
        "/sites/example.com/embed",
        data={"origins": "https://ok.com\nhttps://a.com/path", "csrf_token": dash.csrf},
    )
    assert r.status_code == 400 and "is not an origin" in r.text
    assert dash.running.svc.stores.catalog.embed_origins(1) == ()


@given(st.text(max_size=300))
def test_parse_origins_answers_or_refuses_any_text(text: str) -> None:
    try:
        found = embed.parse_origins(text)
    except InputError:
        return
    for o in found:
        assert o == embed.origin(o) and " " not in o and ";" not in o and "'" not in o
