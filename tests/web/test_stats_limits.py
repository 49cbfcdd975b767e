"""What a stats query may ask, over HTTP: at most MAX_TIME_BUCKETS time buckets (v2
dimensions, v1 interval, the dashboard's chart and export) and MAX_ROWS_PER_PAGE rows
per page; beyond them a 400 that names the limit and the field. The clock is
2026-03-10 12:00 UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.sites import SiteManager, parse_scopes
from footfall.stats.query import MAX_ROWS_PER_PAGE
from footfall.stats.timeline import MAX_TIME_BUCKETS, bucket_count
from footfall.web.access import SESSION_COOKIE
from footfall.web.app import create_app
from tests.support import CHROME_UA, Clock, settings_for

LIMIT = str(MAX_TIME_BUCKETS)


class Client:
    def __init__(self, client: TestClient, key: str, csrf: str) -> None:
        self.http = client
        self.key = key
        self.csrf = csrf

    def v2(self, body: dict[str, Any]) -> Any:
        headers = {"authorization": f"Bearer {self.key}"}
        return self.http.post("/api/v2/query", headers=headers, json=body)

    def v1(self, path: str, **params: str) -> Any:
        headers = {"authorization": f"Bearer {self.key}"}
        params = {"site_id": "example.com", **params}
        return self.http.get(f"/api/v1/stats/{path}", headers=headers, params=params)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    tmp: Path = tmp_path_factory.mktemp("stats-limits")
    app = create_app(
        settings_for(tmp),
        clock=Clock(),
    )
    admin = SiteManager(app.state.services.stores, app.state.services.keys)
    admin.add_site("example.com", "Europe/Berlin")
    ingest = admin.create_key("example.com", parse_scopes("ingest")).key
    stats = admin.create_key("example.com", parse_scopes("stats")).key
    accounts: AccountService = app.state.accounts
    owner = accounts.add_user("owner@example.com", "correct horse battery staple", Role.OWNER)
    token = accounts.start_session(owner)
    signed = accounts.signed_in(token)
    assert signed is not None
    with TestClient(app) as http:
        events = [
            {
                "url": f"https://example.com/p{i % 7}",
                "user_agent": CHROME_UA,
                "ip": f"81.2.69.{i % 50}",
                "timestamp": f"2026-03-0{1 + i % 9}T{i % 24:02d}:30:00Z",
            }
            for i in range(300)
        ]
        r = http.post("/api/v1/track/batch", headers={"x-api-key": ingest}, json={"events": events})
        assert r.json()["failed"] == 0
        http.cookies.set(SESSION_COOKIE, token)
        yield Client(http, stats, signed.csrf_token)


def _refused(r: Any, field: str) -> None:
    assert r.status_code == 400, r.text[:300]
    error = r.json()
    assert error["error"] == "invalid_query" and error["field"] == field
    assert LIMIT in error["detail"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    unit=st.sampled_from(["time:hour", "time:day", "time:week", "time:month"]),
    first=st.dates(date(2000, 1, 1), date(2026, 3, 10)),
    span=st.integers(0, 11_000),
    labels=st.booleans(),
)
def test_v2_time_dimension_is_bounded(
    client: Client, unit: str, first: date, span: int, labels: bool
) -> None:
    last = min(first + timedelta(days=span), date(2026, 3, 10))
    body = {
        "site_id": "example.com",
        "metrics": ["visitors", "pageviews"],
        "date_range": [first.isoformat(), last.isoformat()],
        "dimensions": [unit],
        "include": {"time_labels": labels},
    }
    r = client.v2(body)
    if bucket_count(unit, first, last) > MAX_TIME_BUCKETS:
        _refused(r, "dimensions.0")
        return
    assert r.status_code == 200, r.text
    answer = r.json()
    assert len(answer["results"]) <= MAX_TIME_BUCKETS
    assert len(answer["meta"].get("time_labels", [])) <= MAX_TIME_BUCKETS


def test_v1_timeseries_names_the_interval(client: Client) -> None:
    long = {"period": "custom", "date": "2000-01-01,2027-12-31"}  # 10,227 days
    _refused(client.v1("timeseries", interval="hour", **long), "interval")
    _refused(client.v1("timeseries", interval="day", **long), "interval")
    assert client.v1("timeseries", interval="week", **long).status_code == 200
    r = client.v1("timeseries", interval="hour", period="12mo")
    assert r.status_code == 200, r.text
    assert 8_000 < len(r.json()["results"]) <= MAX_TIME_BUCKETS


def test_dashboard_chart_and_export_are_bounded(client: Client) -> None:
    body = {"metrics": ["visitors"], "date_range": ["2020-01-01", "2026-03-01"]}
    r = client.http.post(
        "/api/dashboard/example.com/query",
        json={**body, "dimensions": ["time:hour"], "include": {"time_labels": True}},
        headers={"x-csrf-token": client.csrf},
    )
    _refused(r, "dimensions.0")
    compared = client.http.post(
        "/api/dashboard/example.com/query",
        json={
            **body,
            "dimensions": ["time:week"],
            "include": {"time_labels": True, "comparisons": {"mode": "previous_period"}},
        },
        headers={"x-csrf-token": client.csrf},
    )
    assert compared.status_code == 200, compared.text
    assert len(compared.json()["meta"]["comparison_labels"]) <= MAX_TIME_BUCKETS
    period = {"period": "custom", "from": "2020-01-01", "to": "2026-03-01"}
    r = client.http.get("/api/dashboard/example.com/export", params={**period, "interval": "hour"})
    _refused(r, "interval")
    r = client.http.get("/api/dashboard/example.com/export", params={**period, "interval": "week"})
    assert r.status_code == 200


@pytest.mark.parametrize("limit", [MAX_ROWS_PER_PAGE + 1, 10**9])
def test_rows_per_page_are_bounded(client: Client, limit: int) -> None:
    r = client.v2(
        {
            "site_id": "example.com",
            "metrics": ["visitors"],
            "date_range": "30d",
            "dimensions": ["event:page"],
            "pagination": {"limit": limit},
        }
    )
    assert r.status_code == 400
    assert r.json()["field"] == "pagination.limit"
    assert str(MAX_ROWS_PER_PAGE) in r.json()["detail"]
    r = client.v1("breakdown", property="event:page", limit=str(limit))
    assert r.status_code == 400 and r.json()["field"] == "limit"
