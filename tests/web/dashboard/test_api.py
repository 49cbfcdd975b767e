"""The dashboard's routes through TestClient: access, CSRF, answers equal to the stats
API, the CSV export and its defusing of formulas. The clock is 2026-03-10 12:00 UTC."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest

from footfall.accounts.models import Role
from footfall.web import details
from footfall.web.access import SESSION_COOKIE
from footfall.web.export import REPORTS, cell
from tests.web.dashboard import traffic
from tests.web.dashboard.conftest import Dash

TOP = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]
HTML = {"accept": "text/html"}


def _csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode())))


def _sign_in_as(dash: Dash, email: str, role: Role | None, site_role: Role | None) -> str:
    site = dash.running.svc.stores.catalog.get_site("example.com")
    user = dash.accounts.add_user(email, "another long passphrase", role, site, site_role)
    token = dash.accounts.start_session(user)
    dash.running.client.cookies.set(SESSION_COOKIE, token)
    signed = dash.accounts.signed_in(token)
    assert signed is not None
    return signed.csrf_token


def test_page_is_served_to_the_owner_with_its_assets(dash: Dash) -> None:
    r = dash.running.client.get("/sites/example.com", headers=HTML)
    assert r.status_code == 200
    assert 'data-domain="example.com"' in r.text
    assert 'data-api="/api/dashboard/example.com"' in r.text
    assert "/static/dashboard.js?v=" in r.text and "/static/dashboard.css?v=" in r.text
    assert "/sites/example.com/settings" in r.text
    js = dash.running.client.get("/static/dashboard.js")
    assert js.status_code == 200 and "innerHTML" not in js.text


def test_logged_out_page_redirects_to_login_and_api_answers_401(dash: Dash) -> None:
    client = dash.running.client
    client.cookies.clear()
    r = client.get("/sites/example.com", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")
    r = client.post("/api/dashboard/example.com/query", json={"metrics": ["visitors"]})
    assert r.status_code == 401
    assert r.json()["error"] == "login_required"
    assert client.get("/api/dashboard/example.com/export").status_code == 401


def test_query_needs_the_sessions_csrf_token(dash: Dash) -> None:
    body = {"metrics": ["visitors"], "date_range": "30d"}
    client = dash.running.client
    for headers in ({}, {"x-csrf-token": "forged"}):
        r = client.post("/api/dashboard/example.com/query", json=body, headers=headers)
        assert r.status_code == 403
        assert r.json()["error"] == "csrf_failed"
    assert dash.query(body)["results"]


def test_top_stats_and_breakdowns_equal_the_stats_api(dash: Dash) -> None:
    compare = {"comparisons": {"mode": "previous_period"}}
    for body in (
        {"metrics": TOP, "date_range": "30d", "include": compare},
        {"metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:source"]},
        {"metrics": ["visitors"], "date_range": "30d", "dimensions": ["event:page"],
         "filters": [["is", "visit:source", ["Google"]]]},
        {"metrics": ["visitors", "events", "conversion_rate"], "date_range": "all",
         "dimensions": ["event:goal"]},
    ):  # fmt: skip
        mine, theirs = dash.query(body), dash.v2(body)
        assert mine["results"] == theirs["results"]
    top = dash.query({"metrics": TOP, "date_range": "30d", "include": compare})
    assert top["results"][0]["metrics"][0] > 0
    assert len(top["results"][0]["comparison"]["change"]) == len(TOP)


def test_timeseries_comparison_has_every_bucket_on_both_sides(dash: Dash) -> None:
    answer: Any = dash.query(
        {
            "metrics": ["pageviews"],
            "date_range": "7d",
            "dimensions": ["time:day"],
            "include": {"time_labels": True, "comparisons": {"mode": "previous_period"}},
        }
    )
    labels = answer["meta"]["time_labels"]
    assert labels[0] == "2026-03-04" and labels[-1] == "2026-03-10"
    assert [r["dimensions"][0] for r in answer["results"]] == labels
    before = [r["comparison"]["dimensions"][0] for r in answer["results"]]
    assert before == answer["meta"]["comparison_labels"]
    assert before[0] == "2026-02-25" and before[-1] == "2026-03-03"
    previous: Any = dash.v2({"metrics": ["pageviews"], "date_range": [before[0], before[-1]]})
    total = sum(r["comparison"]["metrics"][0] for r in answer["results"])
    assert total == previous["results"][0]["metrics"][0]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("today", ["2026-03-10", "2026-03-10"]),
        ("yesterday", ["2026-03-09", "2026-03-09"]),
        ("last_month", ["2026-02-01", "2026-02-28"]),
        ("month", ["2026-03-01", "2026-03-10"]),
        (["2026-02-02", "2026-02-05"], ["2026-02-02", "2026-02-05"]),
    ],
)
def test_dashboard_periods(dash: Dash, period: Any, expected: list[str]) -> None:
    answer = dash.query({"metrics": ["visitors"], "date_range": period})
    assert answer["query"]["date_range"] == expected


def test_all_time_starts_at_the_first_event(dash: Dash) -> None:
    answer = dash.query({"metrics": ["visitors"], "date_range": "all"})
    first, last = answer["query"]["date_range"]
    assert "2026-01-09" <= first <= "2026-01-10" and last == "2026-03-10"
    assert answer["results"] == dash.v2({"metrics": ["visitors"], "date_range": "all"})["results"]


def test_bad_queries_are_400_with_the_error_shape(dash: Dash) -> None:
    client = dash.running.client
    headers = {"x-csrf-token": dash.csrf}
    bodies: list[Any] = [[], {"metrics": ["visitors"]}, {"metrics": ["x"], "date_range": "7d"}]
    for body in bodies:
        r = client.post("/api/dashboard/example.com/query", json=body, headers=headers)
        assert r.status_code == 400, body
        assert set(r.json()) == {"error", "detail", "field"}
    for params in ("period=fortnight", "f=is,visit:source", "interval=year", "period=custom"):
        r = client.get(f"/api/dashboard/example.com/export?{params}")
        assert r.status_code == 400, params
        assert r.json()["error"] == "invalid_query"


def test_a_viewer_sees_only_their_site_and_no_settings(dash: Dash) -> None:
    csrf = _sign_in_as(dash, "viewer@example.com", None, Role.VIEWER)
    client = dash.running.client
    r = client.get("/sites/example.com", headers=HTML)
    assert r.status_code == 200 and "/settings" not in r.text
    body = {"metrics": ["visitors"], "date_range": "7d"}
    ok = client.post("/api/dashboard/example.com/query", json=body, headers={"x-csrf-token": csrf})
    assert ok.status_code == 200
    for domain in ("other.org", "missing.example"):
        page = client.get(f"/sites/{domain}", headers=HTML)
        api = client.post(
            f"/api/dashboard/{domain}/query", json=body, headers={"x-csrf-token": csrf}
        )
        assert page.status_code == 404 and api.status_code == 404, domain
        assert api.json()["error"] == "not_found"
        assert client.get(f"/api/dashboard/{domain}/export").status_code == 404


def test_shared_link_is_read_only_and_needs_no_session_or_csrf(dash: Dash) -> None:
    site = dash.running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    link = dash.accounts.create_share(site, "press", None)
    client = dash.running.client
    client.cookies.clear()
    page = client.get(f"/share/example.com?auth={link.token}", headers=HTML)
    assert page.status_code == 200
    assert f'data-share="{link.token}"' in page.text and "/settings" not in page.text
    token = {"x-share-token": link.token}
    r = client.post(
        "/api/dashboard/example.com/query",
        json={"metrics": ["visitors"], "date_range": "30d"},
        headers=token,
    )
    assert r.status_code == 200 and r.json()["results"][0]["metrics"][0] > 0
    assert client.get("/api/dashboard/example.com/realtime", headers=token).status_code == 200
    export = client.get(f"/api/dashboard/example.com/export?auth={link.token}")
    assert export.status_code == 200
    # The link opens its own site only, and stops working when revoked.
    other = client.post(
        "/api/dashboard/other.org/query", json={"metrics": ["visitors"]}, headers=token
    )
    assert other.status_code in (401, 404)
    dash.accounts.revoke_share(site, link.id)
    gone = client.post(
        "/api/dashboard/example.com/query",
        json={"metrics": ["visitors"], "date_range": "30d"},
        headers=token,
    )
    assert gone.status_code in (401, 404)


def test_realtime_counts_the_last_five_minutes_like_the_v1_endpoint(dash: Dash) -> None:
    client = dash.running.client
    mine = client.get("/api/dashboard/example.com/realtime").json()["visitors"]
    theirs = client.get(
        "/api/v1/stats/realtime/visitors?site_id=example.com",
        headers={"authorization": f"Bearer {dash.stats_key}"},
    ).json()
    assert mine == theirs >= 1


def test_properties_lists_the_keys_seen(dash: Dash) -> None:
    r = dash.running.client.get("/api/dashboard/example.com/properties?period=all")
    assert r.json() == {"keys": ["plan"]}


def test_export_is_a_zip_of_plausibles_csvs_for_the_view(dash: Dash) -> None:
    r = dash.running.client.get("/api/dashboard/example.com/export?period=30d")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    assert (
        'filename="footfall-example.com-2026-02-09-2026-03-10.zip"'
        in (r.headers["content-disposition"])
    )
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(archive.namelist())
    assert names == {"visitors.csv", "custom_props.csv", *(x.filename for x in REPORTS)}
    visitors = _csv(archive, "visitors.csv")
    assert visitors[0] == ["date", *traffic_metrics()]
    assert len(visitors) == 31 and visitors[1][0] == "2026-02-09"
    total: Any = dash.v2({"metrics": ["pageviews"], "date_range": "30d"})
    assert sum(int(row[2]) for row in visitors[1:]) == total["results"][0]["metrics"][0]
    sources: Any = dash.v2(
        {"metrics": ["visitors", "bounce_rate", "visit_duration"], "date_range": "30d",
         "dimensions": ["visit:source"]}
    )  # fmt: skip
    assert _csv(archive, "sources.csv")[1:] == [
        [*map(str, row["dimensions"]), *map(str, row["metrics"])] for row in sources["results"]
    ]
    assert _csv(archive, "pages.csv")[0] == [
        "name", "visitors", "pageviews", "bounce_rate", "time_on_page"
    ]  # fmt: skip
    pages = [row[0] for row in _csv(archive, "pages.csv")[1:]]
    assert traffic.HOSTILE_PATH in pages
    assert _csv(archive, "conversions.csv") == [
        ["name", "unique_conversions", "total_conversions", "conversion_rate"]
    ]


def traffic_metrics() -> list[str]:
    return ["visitors", "pageviews", "visits", "views_per_visit", "bounce_rate", "visit_duration"]


def test_export_defuses_formulas_and_applies_filters(dash: Dash) -> None:
    r = dash.running.client.get(
        "/api/dashboard/example.com/export?period=all&f=is,visit:source,Google&interval=month"
    )
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert [row[0] for row in _csv(archive, "sources.csv")[1:]] == ["Google"]
    assert _csv(archive, "visitors.csv")[1][0].endswith("-01")  # months
    props = _csv(archive, "custom_props.csv")
    assert props[0] == ["property", "value", "visitors", "events", "percentage"]
    unfiltered = dash.running.client.get("/api/dashboard/example.com/export?period=all")
    everything = zipfile.ZipFile(io.BytesIO(unfiltered.content))
    values = [row[1] for row in _csv(everything, "custom_props.csv")[1:]]
    assert "'" + traffic.FORMULA in values and traffic.FORMULA not in values
    campaigns = [row[0] for row in _csv(everything, "utm_campaigns.csv")[1:]]
    assert "'=1+1" in campaigns and "=1+1" not in campaigns


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("/pricing", "/pricing"),
        (-3, -3),
        (4.5, 4.5),
    ],
)
def test_cells_that_spreadsheets_would_evaluate_are_prefixed(
    value: object, expected: object
) -> None:
    assert cell(value) == expected


def test_export_under_a_goal_filter_counts_conversions(dash: Dash) -> None:
    """Reports whose metrics are of visits give conversions instead, as Plausible's."""
    stores = dash.running.svc.stores
    site = stores.catalog.get_site("example.com")
    assert site is not None
    stores.catalog.add_goal(site.id, "Signup", "", "Signup")
    goal = [["is", "event:goal", ["Signup"]]]
    r = dash.running.client.get(
        "/api/dashboard/example.com/export?period=30d&f=is,event:goal,Signup"
    )
    assert r.status_code == 200, r.text
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert _csv(archive, "visitors.csv")[0] == [
        "date",
        "visitors",
        "events",
        "conversion_rate",
        "total_revenue",
    ]
    sources = _csv(archive, "sources.csv")
    assert sources[0] == ["name", "conversions", "conversion_rate"]
    expected: Any = dash.v2(
        {"metrics": ["visitors", "group_conversion_rate"], "date_range": "30d",
         "dimensions": ["visit:source"], "filters": goal}
    )  # fmt: skip
    assert sources[1:] == [
        [*map(str, row["dimensions"]), *map(str, row["metrics"])] for row in expected["results"]
    ]
    assert len(sources) > 1
    assert _csv(archive, "countries.csv")[0] == ["name", "visitors"]


def test_every_details_view_is_a_query_the_api_answers(dash: Dash) -> None:
    """Each dimension's details columns (web/details.py), with a search and a sort, and
    under a goal filter, are accepted and answer rows that contain the search."""
    stores = dash.running.svc.stores
    site = stores.catalog.get_site("example.com")
    assert site is not None
    stores.catalog.add_goal(site.id, "Signup", "", "Signup")
    keys = [*details.COLUMNS, "event:props:plan", "visit:browser_version", "visit:os_version"]
    for key in keys:
        for filters in ([], [["is", "event:goal", ["Signup"]]]):
            columns = details.columns(key, bool(filters))
            body = details.body(key, filters, "o", f"{columns[-1]},asc", "30d")
            answer = dash.query(body)
            assert [len(r["metrics"]) for r in answer["results"]] == [len(columns)] * len(
                answer["results"]
            ), key
            for row in answer["results"]:
                assert any("o" in str(v).lower() for v in row["dimensions"]), (key, row)
