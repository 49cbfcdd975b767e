"""The dashboard's funnel routes: the site's funnels and a funnel's answer, for a
signed-in user (with the session's CSRF token) and for a shared link's visitor; the
numbers are /api/v2/funnel's."""

from __future__ import annotations

from footfall.domain import FunnelStep
from tests.web.dashboard.conftest import Dash

BODY = {"funnel": "Pricing", "date_range": "30d", "filters": [["is", "visit:browser", ["Chrome"]]]}


def _v2(dash: Dash) -> dict[str, object]:
    r = dash.running.client.post(
        "/api/v2/funnel",
        json={"site_id": "example.com", **BODY},
        headers={"authorization": f"Bearer {dash.stats_key}"},
    )
    assert r.status_code == 200, r.text
    answer: dict[str, object] = r.json()
    return answer


def _pricing(dash: Dash) -> None:
    site = dash.running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    steps = (FunnelStep("", "/"), FunnelStep("", "/pricing"))
    dash.running.svc.stores.catalog.add_funnel(site.id, "Pricing", steps)


def _drop_query(answer: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in answer.items() if k != "query"}


def test_signed_in_user_reads_funnels_with_the_apis_numbers(dash: Dash) -> None:
    _pricing(dash)
    c = dash.running.client
    listed = c.get("/api/dashboard/example.com/funnels").json()
    assert [(f["name"], [s["label"] for s in f["steps"]]) for f in listed] == [
        ("Pricing", ["Visit /", "Visit /pricing"])
    ]
    refused = c.post("/api/dashboard/example.com/funnel", json=BODY)
    assert refused.status_code == 403  # no CSRF token
    r = c.post("/api/dashboard/example.com/funnel", json=BODY, headers={"x-csrf-token": dash.csrf})
    assert r.status_code == 200, r.text
    assert _drop_query(r.json()) == _drop_query(_v2(dash))
    assert r.json()["steps"][0]["visitors"] > 0
    missing = c.post(
        "/api/dashboard/example.com/funnel",
        json={**BODY, "funnel": "Nope"},
        headers={"x-csrf-token": dash.csrf},
    )
    assert missing.status_code == 404 and missing.json()["field"] == "funnel"


def test_shared_link_reads_funnels(dash: Dash) -> None:
    _pricing(dash)
    site = dash.running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    link = dash.accounts.create_share(site, "press", None)
    c = dash.running.client
    c.cookies.clear()
    token = {"x-share-token": link.token}
    assert [
        f["name"] for f in c.get("/api/dashboard/example.com/funnels", headers=token).json()
    ] == ["Pricing"]
    r = c.post("/api/dashboard/example.com/funnel", json=BODY, headers=token)
    assert r.status_code == 200 and _drop_query(r.json()) == _drop_query(_v2(dash))
    other = c.get("/api/dashboard/other.org/funnels", headers=token)
    assert other.status_code in (401, 404)
