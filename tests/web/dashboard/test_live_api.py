"""The realtime view's JSON and pages over the real app: the same numbers as the v1
realtime endpoint and the dashboard's queries, for a session or a shared link."""

from __future__ import annotations

from datetime import timedelta

from tests.accounts.helpers import HTML
from tests.web.dashboard.conftest import Dash


def test_live_agrees_with_realtime_and_the_dashboard(dash: Dash) -> None:
    client = dash.running.client
    live = client.get("/api/dashboard/example.com/live").json()
    realtime = client.get("/api/dashboard/example.com/realtime").json()["visitors"]
    assert live["visitors_5m"] == realtime >= 1
    assert len(live["minutes"]) == 30
    now = dash.running.svc.clock()
    window = [(now - timedelta(minutes=30)).isoformat(), now.isoformat()]
    pages = dash.v2(
        {"metrics": ["visitors"], "date_range": window, "dimensions": ["event:page"],
         "filters": [["is", "event:name", ["pageview"]]]}
    )  # fmt: skip
    expected = sorted((r["dimensions"][0], r["metrics"][0]) for r in pages["results"])
    assert sorted((p["label"], p["visitors"]) for p in live["pages"]) == expected


def test_live_through_a_shared_link(dash: Dash) -> None:
    site = dash.running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    link = dash.accounts.create_share(site, "press", None)
    client = dash.running.client
    client.cookies.clear()
    page = client.get(f"/share/example.com/realtime?auth={link.token}", headers=HTML)
    assert page.status_code == 200 and f'data-share="{link.token}"' in page.text
    r = client.get("/api/dashboard/example.com/live", headers={"x-share-token": link.token})
    assert r.status_code == 200 and r.json()["visitors_5m"] >= 1
    assert client.get("/api/dashboard/example.com/live").status_code == 401


def test_install_check_is_for_admins_and_refuses_loopback_by_default(dash: Dash) -> None:
    client = dash.running.client
    url = "/api/dashboard/example.com/check-install"
    body = {"url": "http://127.0.0.1:9/"}
    assert client.post(url, json=body).status_code == 403  # no CSRF token
    r = client.post(url, json=body, headers={"x-csrf-token": dash.csrf})
    assert r.status_code == 400 and r.json()["field"] == "url", r.text
    bad_bodies: list[object] = [{}, {"url": ""}, {"url": 3}, []]
    for bad in bad_bodies:
        r = client.post(url, json=bad, headers={"x-csrf-token": dash.csrf})
        assert r.status_code == 400, bad
    status = client.get("/api/dashboard/example.com/status").json()
    assert status == {"has_events": True}
