"""Funnels over HTTP: the management API (operator token, admin keys), and
``POST /api/v2/funnel`` over events ingested through the real endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import CHROME_UA, IPHONE_UA, Running
from tests.web.test_stats_api import EVENTS

STEPS = [{"page_path": "/"}, "page:/pricing", "event:Signup"]


def operator(running: Running) -> dict[str, str]:
    return {"authorization": f"Bearer {running.svc.admin_token}"}


@pytest.fixture
def stats(running: Running) -> tuple[Running, str]:
    ingest = running.key("example.com")
    more = [  # visitor C: / then /pricing on the 10th, no signup
        {"url": "https://example.com/", "ip": "81.2.69.3", "user_agent": IPHONE_UA,
         "timestamp": "2026-03-10T08:00:00Z"},
        {"url": "https://example.com/pricing", "ip": "81.2.69.3", "user_agent": IPHONE_UA,
         "timestamp": "2026-03-10T08:05:00Z"},
        # visitor D: /pricing, then /, then a Signup: only the first step, in order
        {"url": "https://example.com/pricing", "ip": "81.2.69.4", "user_agent": CHROME_UA,
         "timestamp": "2026-03-10T07:00:00Z"},
        {"url": "https://example.com/?utm_source=ads", "ip": "81.2.69.4",
         "user_agent": CHROME_UA, "timestamp": "2026-03-10T07:01:00Z"},
        {"url": "https://example.com/pricing", "ip": "81.2.69.4", "user_agent": CHROME_UA,
         "name": "Signup", "timestamp": "2026-03-10T07:02:00Z"},
    ]  # fmt: skip
    r = running.client.post(
        "/api/v1/track/batch", headers={"x-api-key": ingest}, json={"events": EVENTS + more}
    )
    assert r.json()["failed"] == 0
    made = running.client.post(
        "/api/v1/funnels",
        headers=operator(running),
        json={"site": "example.com", "name": "Signup path", "steps": STEPS},
    )
    assert made.status_code == 201, made.text
    return running, running.key("example.com", "stats")


def funnel(stats: tuple[Running, str], **body: Any) -> Any:
    running, key = stats
    return running.client.post(
        "/api/v2/funnel",
        headers={"authorization": f"Bearer {key}"},
        json={"site_id": "example.com", "funnel": "Signup path", "date_range": "7d", **body},
    )


def test_funnel_answers_visitors_conversion_and_dropoff(stats: tuple[Running, str]) -> None:
    r = funnel(stats)
    assert r.status_code == 200, r.text
    answer = r.json()
    # A: / -> /pricing (9th), /pricing -> Signup (10th: no /, so not entered). B: /blog.
    # C: / -> /pricing. D: /pricing, / -> Signup (no /pricing after /): step 1 only.
    assert [s["visitors"] for s in answer["steps"]] == [3, 2, 0]
    assert [s["label"] for s in answer["steps"]] == ["Visit /", "Visit /pricing", "Signup"]
    assert answer["steps"][1] == {
        "label": "Visit /pricing",
        "event_name": None,
        "page_path": "/pricing",
        "visitors": 2,
        "conversion_rate": 66.67,
        "conversion_rate_step": 66.67,
        "dropoff": 1,
        "dropoff_percentage": 33.33,
    }
    assert answer["all_visitors"] == 5  # A twice (one per day), B, C, D
    assert answer["entering_visitors"] == 3 and answer["never_entering_visitors"] == 2
    assert answer["query"]["funnel"] == "Signup path"
    ads = funnel(stats, filters=[["is", "visit:source", ["ads"]]]).json()
    assert [s["visitors"] for s in ads["steps"]] == [0, 0, 0]  # D's visit entered on /pricing
    today = funnel(stats, date_range="day").json()
    assert [s["visitors"] for s in today["steps"]] == [2, 1, 0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"funnel": "Nope"}, "funnel"),
        ({"funnel": ""}, "funnel"),
        ({"funnel": 3}, "funnel"),
        ({"metrics": ["visitors"]}, "metrics"),
        ({"date_range": "forever"}, "date_range"),
        ({"filters": [["is", "visit:nope", ["x"]]]}, "filters.0"),
    ],
)
def test_funnel_query_errors_are_4xx(
    stats: tuple[Running, str], body: dict[str, Any], field: str
) -> None:
    r = funnel(stats, **body)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["field"].startswith(field)


def test_funnel_needs_the_sites_stats_key(stats: tuple[Running, str]) -> None:
    running, _ = stats
    other = running.key("other.org", "stats")
    r = running.client.post(
        "/api/v2/funnel",
        headers={"authorization": f"Bearer {other}"},
        json={"site_id": "example.com", "funnel": "Signup path", "date_range": "7d"},
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    "steps",
    [
        ["/only-one"],
        ["/a"] * 9,
        ["/a", "nope"],
        ["/a", {"page_path": "no-slash"}],
        ["/a", {"event_name": "x", "page_path": "/y"}],
        ["/a", {}],
        ["/a", 7],
        "/a,/b",
    ],
)
def test_bad_funnels_are_refused_with_the_field(running: Running, steps: Any) -> None:
    r = running.client.post(
        "/api/v1/funnels",
        headers=operator(running),
        json={"site": "example.com", "name": "F", "steps": steps},
    )
    assert r.status_code in (400, 422), r.text
    assert r.json()["error"]


def test_management_lists_and_removes_and_admin_keys_see_their_own(running: Running) -> None:
    c, op = running.client, operator(running)
    for site in ("example.com", "other.org"):
        body = {"site": site, "name": "A/B", "steps": ["/", "event:Signup"]}
        assert c.post("/api/v1/funnels", headers=op, json=body).status_code == 201
    again = c.post("/api/v1/funnels", headers=op, json=body)
    assert again.status_code == 409
    listed = c.get("/api/v1/funnels", headers=op).json()
    assert [(f["site"], f["name"]) for f in listed] == [
        ("example.com", "A/B"),
        ("other.org", "A/B"),
    ]
    admin = {"authorization": f"Bearer {running.key('other.org', 'admin')}"}
    assert [f["site"] for f in c.get("/api/v1/funnels", headers=admin).json()] == ["other.org"]
    foreign = c.delete("/api/v1/sites/example.com/funnels/A/B", headers=admin)
    assert foreign.status_code == 403
    assert c.delete("/api/v1/sites/other.org/funnels/A/B", headers=admin).status_code == 200
    assert c.delete("/api/v1/sites/other.org/funnels/A/B", headers=admin).status_code == 404
    assert [f["site"] for f in c.get("/api/v1/funnels", headers=op).json()] == ["example.com"]
