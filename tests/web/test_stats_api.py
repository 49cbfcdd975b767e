"""POST /api/v2/query and GET /stats over events ingested through the real endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import CHROME_UA, IPHONE_UA, Running

# The clock in tests is 2026-03-10 12:00 UTC.
EVENTS = [
    # visitor A (Chrome): google -> /, then /pricing 2 min later: one visit, not a bounce
    {
        "url": "https://example.com/?utm_source=newsletter",
        "ip": "81.2.69.1",
        "user_agent": CHROME_UA,
        "timestamp": "2026-03-09T10:00:00Z",
    },
    {
        "url": "https://example.com/pricing",
        "ip": "81.2.69.1",
        "user_agent": CHROME_UA,
        "timestamp": "2026-03-09T10:02:00Z",
    },
    # visitor B (iPhone): one pageview from Hacker News: a bounce
    {
        "url": "https://example.com/blog",
        "ip": "81.2.69.2",
        "user_agent": IPHONE_UA,
        "referrer": "https://news.ycombinator.com/item?id=1",
        "timestamp": "2026-03-09T11:00:00Z",
    },
    # visitor A again next day: /pricing then a Signup (interactive): not a bounce, 60 s
    {
        "url": "https://example.com/pricing",
        "ip": "81.2.69.1",
        "user_agent": CHROME_UA,
        "timestamp": "2026-03-10T09:00:00Z",
    },
    {
        "url": "https://example.com/pricing",
        "ip": "81.2.69.1",
        "user_agent": CHROME_UA,
        "name": "Signup",
        "props": {"plan": "pro"},
        "timestamp": "2026-03-10T09:01:00Z",
    },
]


@pytest.fixture
def stats(running: Running) -> tuple[Running, str]:
    ingest = running.key("example.com")
    r = running.client.post(
        "/api/v1/track/batch", headers={"x-api-key": ingest}, json={"events": EVENTS}
    )
    assert r.json()["failed"] == 0
    return running, running.key("example.com", "stats")


def query(stats: tuple[Running, str], **body: Any) -> dict[str, Any]:
    running, key = stats
    r = running.client.post(
        "/api/v2/query",
        headers={"authorization": f"Bearer {key}"},
        json={"site_id": "example.com", "date_range": "7d", **body},
    )
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_aggregate(stats: tuple[Running, str]) -> None:
    answer = query(
        stats,
        metrics=[
            "visitors",
            "visits",
            "pageviews",
            "events",
            "bounce_rate",
            "visit_duration",
            "views_per_visit",
        ],
    )
    # visitors: A on the 9th, B on the 9th, A on the 10th (a new daily id) = 3
    assert answer["results"] == [{"metrics": [3, 3, 4, 5, 33, 60, 1.33], "dimensions": []}]


def test_daily_timeseries_with_labels(stats: tuple[Running, str]) -> None:
    answer = query(
        stats,
        metrics=["visitors", "pageviews"],
        dimensions=["time:day"],
        include={"time_labels": True},
    )
    assert answer["results"] == [
        {"metrics": [2, 3], "dimensions": ["2026-03-09"]},
        {"metrics": [1, 1], "dimensions": ["2026-03-10"]},
    ]
    assert answer["meta"]["time_labels"][-2:] == ["2026-03-09", "2026-03-10"]
    assert len(answer["meta"]["time_labels"]) == 7


def test_breakdowns(stats: tuple[Running, str]) -> None:
    pages = query(stats, metrics=["visitors", "pageviews"], dimensions=["event:page"])
    assert pages["results"] == [
        {"metrics": [2, 2], "dimensions": ["/pricing"]},
        {"metrics": [1, 1], "dimensions": ["/"]},
        {"metrics": [1, 1], "dimensions": ["/blog"]},
    ]
    sources = query(stats, metrics=["visitors", "bounce_rate"], dimensions=["visit:source"])
    assert sources["results"] == [
        {"metrics": [1, 0], "dimensions": ["Direct / None"]},
        {"metrics": [1, 100], "dimensions": ["Hacker News"]},
        {"metrics": [1, 0], "dimensions": ["newsletter"]},
    ]
    props = query(
        stats,
        metrics=["events"],
        dimensions=["event:props:plan"],
        filters=[["is", "event:name", ["Signup"]]],
    )
    assert props["results"] == [{"metrics": [1], "dimensions": ["pro"]}]


def test_filters(stats: tuple[Running, str]) -> None:
    on_pricing = query(
        stats,
        metrics=["visitors", "visits", "pageviews"],
        filters=[["is", "event:page", ["/pricing"]]],
    )
    assert on_pricing["results"][0]["metrics"] == [2, 2, 2]
    mobile = query(stats, metrics=["visitors"], filters=[["is", "visit:device", ["Mobile"]]])
    assert mobile["results"][0]["metrics"] == [1]
    regex = query(stats, metrics=["pageviews"], filters=[["matches", "event:page", ["^/b"]]])
    assert regex["results"][0]["metrics"] == [1]
    either = query(
        stats,
        metrics=["visitors"],
        filters=[
            [
                "or",
                [["is", "visit:source", ["Hacker News"]], ["contains", "visit:source", ["letter"]]],
            ]
        ],
    )
    assert either["results"][0]["metrics"] == [2]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metrics": ["nope"]}, "metrics.0"),
        ({"metrics": ["visitors"], "date_range": "9d"}, "date_range"),
        ({"metrics": ["visitors"], "dimensions": ["visit:nope"]}, "dimensions.0"),
        ({"metrics": ["visitors"], "filters": [["equals", "event:page", ["/"]]]}, "filters.0"),
        (
            {
                "metrics": ["visitors"],
                "filters": [["or", [["is", "event:page", ["/"]], ["is", "visit:source", ["x"]]]]],
            },
            "filters",
        ),
    ],
)
def test_bad_queries_answer_400(
    stats: tuple[Running, str], body: dict[str, Any], field: str
) -> None:
    running, key = stats
    r = running.client.post(
        "/api/v2/query",
        headers={"authorization": f"Bearer {key}"},
        json={"site_id": "example.com", "date_range": "7d", **body},
    )
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field


def test_keys_see_only_their_site(stats: tuple[Running, str]) -> None:
    running, key = stats
    for site in ("other.org", "missing.example"):
        r = running.client.post(
            "/api/v2/query",
            headers={"authorization": f"Bearer {key}"},
            json={"site_id": site, "metrics": ["visitors"], "date_range": "7d"},
        )
        assert r.status_code == 404
        assert r.json()["detail"] == f"Site '{site}' not found for this API key"
    ingest_only = running.key("example.com", "ingest")
    r = running.client.post(
        "/api/v2/query",
        headers={"authorization": f"Bearer {ingest_only}"},
        json={"site_id": "example.com", "metrics": ["visitors"], "date_range": "7d"},
    )
    assert r.status_code == 403


def test_original_stats_summary(stats: tuple[Running, str]) -> None:
    running, key = stats
    r = running.client.get(
        "/stats", params={"site": "example.com"}, headers={"authorization": f"Bearer {key}"}
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["visitors"], body["pageviews"], body["bounce_rate"]) == (3, 4, 33)
    assert body["top_pages"][0] == {"page": "/pricing", "visitors": 2, "pageviews": 2}


def v1(stats: tuple[Running, str], path: str, **params: str) -> Any:
    running, key = stats
    r = running.client.get(
        f"/api/v1/stats/{path}",
        headers={"authorization": f"Bearer {key}"},
        params={"site_id": "example.com", **params},
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_v1_aggregate_with_comparison(stats: tuple[Running, str]) -> None:
    answer = v1(
        stats,
        "aggregate",
        period="7d",
        metrics="visitors,pageviews,bounce_rate",
        compare="previous_period",
    )
    assert answer == {
        "results": {
            # the previous 7 days have no data: Plausible's 100 (points: 33 - 0)
            "visitors": {"value": 3, "change": 100},
            "pageviews": {"value": 4, "change": 100},
            "bounce_rate": {"value": 33, "change": 33},
        }
    }


def test_v1_timeseries_fills_every_day(stats: tuple[Running, str]) -> None:
    answer = v1(stats, "timeseries", period="7d", metrics="visitors,pageviews")
    assert len(answer["results"]) == 7
    assert answer["results"][-2:] == [
        {"date": "2026-03-09", "visitors": 2, "pageviews": 3},
        {"date": "2026-03-10", "visitors": 1, "pageviews": 1},
    ]
    assert answer["results"][0] == {"date": "2026-03-04", "visitors": 0, "pageviews": 0}


def test_v1_breakdown_and_filter_string(stats: tuple[Running, str]) -> None:
    answer = v1(stats, "breakdown", property="event:page", period="7d", metrics="visitors")
    assert answer["results"][0] == {"page": "/pricing", "visitors": 2}
    filtered = v1(
        stats,
        "breakdown",
        property="visit:source",
        period="7d",
        filters="event:page==/pri*|/blog;visit:device!=Desktop",
    )
    assert filtered == {"results": [{"source": "Hacker News", "visitors": 1}]}
    paged = v1(stats, "breakdown", property="event:page", period="7d", limit="1", page="2")
    assert len(paged["results"]) == 1


def test_realtime_counts_the_last_five_minutes(stats: tuple[Running, str]) -> None:
    running, _ = stats
    assert v1(stats, "realtime/visitors") == 0
    running.client.post(
        "/api/event",
        content=b'{"n":"pageview","u":"https://example.com/"}',
        headers={"user-agent": CHROME_UA},
    )
    assert v1(stats, "realtime/visitors") == 1


def test_v2_comparison_rows(stats: tuple[Running, str]) -> None:
    answer = query(
        stats,
        metrics=["visitors"],
        dimensions=["event:page"],
        include={"comparisons": {"mode": "previous_period"}},
    )
    first = answer["results"][0]
    assert first["comparison"] == {"dimensions": ["/pricing"], "metrics": [0], "change": [100]}


def test_v1_bad_parameters(stats: tuple[Running, str]) -> None:
    running, key = stats
    for params in (
        {"period": "9d"},
        {"period": "custom", "date": "2026-01-01"},
        {"filters": "event:page=/x"},
    ):
        r = running.client.get(
            "/api/v1/stats/aggregate",
            headers={"authorization": f"Bearer {key}"},
            params={"site_id": "example.com", **params},
        )
        assert r.status_code == 400, (params, r.text)


def test_goals_conversion_rates(stats: tuple[Running, str]) -> None:
    running, _ = stats
    running.admin.add_goal("example.com", event="Signup")
    running.admin.add_goal("example.com", page="/pri*")
    goals = query(
        stats, metrics=["visitors", "events", "conversion_rate"], dimensions=["event:goal"]
    )
    # 3 visitors in all; A converted on the 10th (Signup); A (9th and 10th) saw /pricing.
    assert goals["results"] == [
        {"metrics": [2, 2, 66.67], "dimensions": ["Visit /pri*"]},
        {"metrics": [1, 1, 33.33], "dimensions": ["Signup"]},
    ]
    signup = query(
        stats, metrics=["visitors", "conversion_rate"], filters=[["is", "event:goal", ["Signup"]]]
    )
    assert signup["results"][0]["metrics"] == [1, 33.33]
    by_device = query(
        stats,
        metrics=["visitors", "group_conversion_rate"],
        dimensions=["visit:device"],
        filters=[["is", "event:goal", ["Visit /pri*"]]],
    )
    assert by_device["results"] == [{"metrics": [2, 100.0], "dimensions": ["Desktop"]}]


def test_goal_errors(stats: tuple[Running, str]) -> None:
    running, key = stats
    post = running.client.post
    headers = {"authorization": f"Bearer {key}"}
    r = post(
        "/api/v2/query",
        headers=headers,
        json={
            "site_id": "example.com",
            "date_range": "7d",
            "metrics": ["visitors"],
            "filters": [["is", "event:goal", ["Nope"]]],
        },
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "The goal `Nope` is not configured for this site"
    r = post(
        "/api/v2/query",
        headers=headers,
        json={"site_id": "example.com", "date_range": "7d", "metrics": ["conversion_rate"]},
    )
    assert r.status_code == 400


def test_country_names(running: Running) -> None:
    key = running.key("example.com")
    events = [
        {
            "url": "https://example.com/",
            "ip": ip,
            "user_agent": CHROME_UA,
            "timestamp": "2026-03-09T10:00:00Z",
        }
        for ip in ("8.8.8.8", "81.2.69.160")
    ]
    running.client.post("/api/v1/track/batch", headers={"x-api-key": key}, json={"events": events})
    stats = (running, running.key("example.com", "stats"))
    got = query(stats, metrics=["visitors"], dimensions=["visit:country_name"])
    assert got["results"] == [
        {"metrics": [1], "dimensions": ["United Kingdom"]},
        {"metrics": [1], "dimensions": ["United States"]},
    ]
    only = query(
        stats,
        metrics=["visitors"],
        filters=[["contains", "visit:country_name", ["states"], {"case_sensitive": False}]],
    )
    assert only["results"][0]["metrics"] == [1]


def test_time_on_page(stats: tuple[Running, str]) -> None:
    # A on the 9th: / (10:00) -> /pricing (10:02): 120 s on "/"; /pricing was the last page.
    got = query(stats, metrics=["visitors", "time_on_page"], dimensions=["event:page"])
    assert {r["dimensions"][0]: r["metrics"][1] for r in got["results"]} == {
        "/": 120,
        "/pricing": None,
        "/blog": None,
    }
    one = query(stats, metrics=["time_on_page"], filters=[["is", "event:page", ["/"]]])
    assert one["results"][0]["metrics"] == [120]


def test_page_bounce_rate_counts_visits_that_entered_there(stats: tuple[Running, str]) -> None:
    got = query(stats, metrics=["visits", "bounce_rate"], dimensions=["event:page"])
    by_page = {r["dimensions"][0]: r["metrics"] for r in got["results"]}
    # /pricing is in two visits but entered only on the 10th (which did not bounce);
    # /blog was entered once and bounced; / entered once, not a bounce.
    assert by_page == {"/pricing": [2, 0], "/blog": [1, 100], "/": [1, 0]}


def test_datetime_ranges_are_exact(stats: tuple[Running, str]) -> None:
    got = query(
        stats, metrics=["pageviews"], date_range=["2026-03-09T10:01:00Z", "2026-03-09T11:00:00Z"]
    )
    assert got["results"][0]["metrics"] == [2]  # /pricing at 10:02 and /blog at 11:00
