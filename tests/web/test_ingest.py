"""Every ingest endpoint, driven with the payload shapes the real clients send."""

from __future__ import annotations

import logging
from typing import Any

import httpx2
import orjson
import pytest

from tests.support import CHROME_UA, IPHONE_UA, Running

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PLAUSIBLE_HEADERS = {"content-type": "text/plain", "user-agent": CHROME_UA}


def plausible(
    run: Running, body: object, **headers: str
) -> tuple[int, dict[str, object], dict[str, str]]:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    r = run.client.post("/api/event", content=raw, headers={**PLAUSIBLE_HEADERS, **headers})
    return r.status_code, r.json(), dict(r.headers)


# --- Plausible -----------------------------------------------------------------


def test_plausible_tracker_short_keys_as_text_plain(running: Running) -> None:
    # The exact shape plausible.js sends (short keys, text/plain, referrer and width).
    status, body, headers = plausible(
        running,
        {
            "n": "pageview",
            "u": "https://example.com/blog/post?utm_source=newsletter&utm_medium=email",
            "d": "example.com",
            "r": "https://news.ycombinator.com/item?id=1",
            "w": 1280,
        },
    )
    assert (status, body) == (202, {})
    assert "x-footfall-dropped" not in headers
    [event] = running.events("example.com")
    assert event["pathname"] == "/blog/post"
    assert event["hostname"] == "example.com"
    assert event["utm_source"] == "newsletter" and event["utm_medium"] == "email"
    assert event["referrer"] == "https://news.ycombinator.com/item"
    assert event["browser"] == "Chrome" and event["os"] == "Windows"
    assert event["screen_size"] == "Laptop"
    assert event["session_id"] != 0  # its visit, found by the store (footfall/visits.py)


def test_plausible_long_keys_props_object_and_revenue(running: Running) -> None:
    status, _, _ = plausible(
        running,
        {
            "name": "Purchase",
            "url": "https://example.com/checkout",
            "domain": "example.com",
            "props": {"plan": "pro", "seats": 5, "trial": False, "skip": [1], "empty": ""},
            "revenue": {"currency": "eur", "amount": "1322.22"},
        },
        **{"content-type": "application/json"},
    )
    assert status == 202
    [event] = running.events("example.com")
    assert event["name"] == "Purchase"
    assert event["props"] == {"plan": "pro", "seats": "5", "trial": "false"}
    assert str(event["revenue_amount"]) == "1322.2200" and event["revenue_currency"] == "EUR"


def test_plausible_props_as_json_string_meta_key(running: Running) -> None:
    assert (
        plausible(
            running,
            {
                "n": "Signup",
                "u": "https://example.com/",
                "d": "example.com",
                "m": '{"author":"Ann"}',
            },
        )[0]
        == 202
    )
    assert running.events("example.com")[0]["props"] == {"author": "Ann"}


def test_plausible_comma_separated_domains_store_one_event_each(running: Running) -> None:
    status, _, _ = plausible(
        running, {"n": "pageview", "u": "https://example.com/", "d": "example.com,other.org"}
    )
    assert status == 202
    assert len(running.events("example.com")) == 1
    assert len(running.events("other.org")) == 1


def test_plausible_domain_defaults_to_url_host_without_www(running: Running) -> None:
    assert plausible(running, {"n": "pageview", "u": "https://www.example.com/a"})[0] == 202
    assert running.events("example.com")[0]["pathname"] == "/a"


def test_plausible_hash_mode_keeps_fragment(running: Running) -> None:
    plausible(
        running,
        {"n": "pageview", "u": "https://example.com/app#/settings", "d": "example.com", "h": 1},
    )
    plausible(running, {"n": "pageview", "u": "https://example.com/app#/other", "d": "example.com"})
    paths = sorted(str(e["pathname"]) for e in running.events("example.com"))
    assert paths == ["/app", "/app#/settings"]  # the same second: in either order


def test_plausible_non_interactive_event_flag(running: Running) -> None:
    plausible(running, {"n": "Scroll", "u": "https://example.com/", "d": "example.com", "i": False})
    assert running.events("example.com")[0]["interactive"] is False


def test_plausible_engagement_event_keeps_its_time_and_depth_only(running: Running) -> None:
    # The shape plausible.js (and script.engagement.js) sends when a page is left.
    page = {"u": "https://example.com/post", "d": "example.com"}
    plausible(running, {"n": "pageview", **page})
    status, body, _ = plausible(
        running, {"n": "engagement", **page, "e": 12345, "sd": 140, "p": {"author": "x"}, "v": 30}
    )
    assert (status, body) == (202, {})
    plausible(running, {"n": "engagement", **page, "e": 0, "sd": -1})  # depth not measured
    stored = running.events("example.com")
    engaged = [e for e in stored if e["name"] == "engagement"]
    assert {e["pathname"] for e in engaged} == {"/post"} and len(stored) == 3
    # the depth capped at 100, the props dropped; -1 (not measured yet) stores no depth
    assert sorted((e["props"] for e in engaged), key=str) == [
        {"e": "0"},
        {"e": "12345", "sd": "100"},
    ]


@pytest.mark.parametrize("bad", [{"e": -5}, {"e": "soon"}, {"sd": -2}, {"sd": [50]}])
def test_plausible_engagement_bad_numbers_answer_400(
    running: Running, bad: dict[str, object]
) -> None:
    body = {"n": "engagement", "u": "https://example.com/", "d": "example.com", **bad}
    status, answer, _ = plausible(running, body)
    assert status == 400
    assert answer["field"] in ("engagement_time", "scroll_depth")


def test_unknown_domain_is_dropped_with_reason(running: Running) -> None:
    status, body, headers = plausible(running, {"n": "pageview", "u": "https://nope.net/"})
    assert (status, body) == (202, {})
    assert headers["x-footfall-dropped"] == "unknown_site"
    metrics = running.operator_get("/metrics").text
    assert 'footfall_events_dropped_total{reason="unknown_site"} 1.0' in metrics


@pytest.mark.parametrize(
    ("ua", "reason"),
    [
        (GOOGLEBOT, "bot_user_agent"),
        ("", "empty_user_agent"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/120.0.0.0 Safari/537.36",
            "headless_browser",
        ),
    ],
)
def test_bots_are_answered_202_but_not_stored(running: Running, ua: str, reason: str) -> None:
    status, _, headers = plausible(
        running,
        {"n": "pageview", "u": "https://example.com/", "d": "example.com"},
        **{"user-agent": ua},
    )
    assert status == 202
    assert headers["x-footfall-dropped"] == reason
    assert running.events("example.com") == []


def test_referrer_spam_is_dropped(running: Running) -> None:
    from footfall.ingest.enrich import referrer

    spam_host = sorted(referrer._spam_hosts())[0]
    status, _, headers = plausible(
        running,
        {
            "n": "pageview",
            "u": "https://example.com/",
            "d": "example.com",
            "r": f"https://{spam_host}/x",
        },
    )
    assert status == 202 and headers["x-footfall-dropped"] == "referrer_spam"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"u": "https://example.com/"}, "name"),
        ({"n": "pageview"}, "url"),
        ({"n": "pageview", "u": "data:text/html,hi"}, "url"),
        ({"n": "pageview", "u": "/relative"}, "url"),
        ({"n": "x" * 121, "u": "https://example.com/"}, "name"),
        ({"n": "e", "u": "https://example.com/", "p": "[1,2]"}, "props"),
        ({"n": "e", "u": "https://example.com/", "p": {f"k{i}": "v" for i in range(31)}}, "props"),
        (
            {"n": "e", "u": "https://example.com/", "$": {"currency": "EURO", "amount": 1}},
            "revenue.currency",
        ),
        (
            {"n": "e", "u": "https://example.com/", "$": {"currency": "EUR", "amount": "NaN"}},
            "revenue.amount",
        ),
        ({"n": "e", "u": "https://example.com/" + "a" * 2000}, "url"),
    ],
)
def test_plausible_bad_fields_answer_400_naming_the_field(
    running: Running, body: dict[str, object], field: str
) -> None:
    status, answer, _ = plausible(running, body)
    assert status == 400
    assert answer["field"] == field
    assert answer["error"] and answer["detail"]
    assert answer["errors"] == {field: [answer["detail"]]}  # Plausible's own shape


@pytest.mark.parametrize("raw", [b"", b"{", b"[1,2]", b"null", b"\xff\xfe"])
def test_plausible_malformed_bodies_answer_400(running: Running, raw: bytes) -> None:
    status, answer, _ = plausible(running, raw)
    assert status == 400
    assert set(answer) >= {"error", "detail", "field"}


def test_oversize_body_is_refused_before_parsing(running: Running) -> None:
    status, answer, _ = plausible(running, b"{" + b" " * 1_100_000 + b"}")
    assert status == 413 and answer["error"] == "payload_too_large"


# --- Umami ---------------------------------------------------------------------

UMAMI_SITE = "2f5c3a9e-6a47-4c1b-9d8e-1f2a3b4c5d6e"


def umami_event(**payload: object) -> dict[str, object]:
    base = {
        "website": UMAMI_SITE,
        "hostname": "other.org",
        "language": "de-DE",
        "referrer": "https://www.google.com/",
        "screen": "390x844",
        "title": "Start",
        "url": "/start?utm_campaign=spring",
    }
    return {"type": "event", "payload": {**base, **payload}}


def test_umami_tracker_pageview_and_event(running: Running) -> None:
    r = running.client.post("/api/send", json=umami_event(), headers={"user-agent": IPHONE_UA})
    assert r.status_code == 200
    answer = r.json()
    assert set(answer) == {"cache", "sessionId", "visitId"}
    r = running.client.post(
        "/api/send",
        json=umami_event(name="signup", data={"plan": "pro"}),
        headers={"user-agent": IPHONE_UA},
    )
    assert r.json()["sessionId"] == answer["sessionId"]  # same visit
    # Both events may carry the same instant: stored order is no evidence of sending order.
    by_name = {str(e["name"]): e for e in running.events("other.org")}
    assert sorted(by_name) == ["pageview", "signup"]
    first, second = by_name["pageview"], by_name["signup"]
    assert first["pathname"] == "/start" and first["utm_campaign"] == "spring"
    assert first["referrer_source"] == "Google" and first["device"] == "Mobile"
    assert first["language"] == "de-DE" and second["props"] == {"plan": "pro"}


def test_umami_bot_gets_beep_boop(running: Running) -> None:
    r = running.client.post("/api/send", json=umami_event(), headers={"user-agent": GOOGLEBOT})
    assert r.json() == {"beep": "boop"}
    assert running.events("other.org") == []


def test_umami_identify_is_accepted_and_not_stored(running: Running) -> None:
    r = running.client.post(
        "/api/send",
        json={"type": "identify", "payload": {"website": UMAMI_SITE}},
        headers={"user-agent": CHROME_UA},
    )
    assert r.status_code == 200 and running.events("other.org") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "event"}, "payload"),
        ({"type": "nope", "payload": {}}, "type"),
        (umami_event(website="not-a-uuid"), "payload.website"),
        ({"type": "event", "payload": {"hostname": "other.org", "url": "/"}}, "payload.website"),
        (umami_event(name="n" * 51), "payload.name"),
    ],
)
def test_umami_bad_payloads_answer_400(
    running: Running, body: dict[str, object], field: str
) -> None:
    r = running.client.post("/api/send", json=body, headers={"user-agent": CHROME_UA})
    assert r.status_code == 400 and r.json()["field"] == field


def test_umami_batch_reports_each_item(running: Running) -> None:
    batch = [
        umami_event(url="/a"),
        {"type": "event", "payload": {"website": "x"}},
        umami_event(url="/b"),
    ]
    r = running.client.post("/api/batch", json=batch, headers={"user-agent": CHROME_UA})
    assert r.status_code == 200
    answer = r.json()
    assert (answer["size"], answer["processed"], answer["errors"]) == (3, 2, 1)
    assert answer["details"][0]["index"] == 1
    assert [e["pathname"] for e in running.events("other.org")] == ["/a", "/b"]


# --- server-side tracking with API keys ---------------------------------------------


def track(running: Running, **fields: object) -> httpx2.Response:
    """One event through the track API, sent at 11:00 on 2026-03-10 by one visitor."""
    return running.client.post(
        "/api/v1/track/event",
        headers={"x-api-key": running.key("example.com")},
        json={
            "ip": "198.51.100.20",
            "user_agent": CHROME_UA,
            "timestamp": "2026-03-10T11:00:00Z",
            **fields,
        },
    )


def test_track_event_with_key(running: Running) -> None:
    r = track(
        running,
        url="https://example.com/api-page",
        name="Download",
        props={"file": "a.pdf"},
    )
    assert r.status_code == 202
    assert r.json() == {"processed": 1, "failed": 0, "dropped": 0, "errors": []}
    [event] = running.events("example.com")
    assert event["name"] == "Download" and str(event["timestamp"]) == "2026-03-10 11:00:00+00:00"


@pytest.mark.parametrize(
    ("props", "kept"),
    [
        ({"e": "2500", "sd": "40", "plan": "pro"}, {"e": "2500", "sd": "40"}),
        ({"e": "soon", "sd": "half"}, {"e": "0"}),
        ({"e": "-3", "sd": "-1"}, {"e": "0"}),
        ({"e": "9" * 30, "sd": "250"}, {"e": "0", "sd": "100"}),
        ({"e": "\u0661\u0662", "sd": "\u0665"}, {"e": "0"}),  # digits, but not ASCII ones
    ],
)
def test_an_engagement_event_from_any_endpoint_keeps_numbers_only(
    running: Running, props: dict[str, str], kept: dict[str, str]
) -> None:
    # The track API (and Umami's) take any name: an event named "engagement" is one, and
    # what time on page and scroll depth cast must be whole numbers (no 5xx later).
    for name, extra in (("pageview", {}), ("engagement", {"props": props})):
        assert track(running, url="https://example.com/p", name=name, **extra).status_code == 202
    [engaged] = [e for e in running.events("example.com") if e["name"] == "engagement"]
    assert engaged["props"] == kept
    body = {
        "site_id": "example.com",
        "metrics": ["pageviews", "time_on_page", "scroll_depth"],
        "date_range": ["2026-03-10", "2026-03-10"],
        "dimensions": ["event:page"],
    }
    stats = {"authorization": f"Bearer {running.key('example.com', 'stats')}"}
    r = running.client.post("/api/v2/query", json=body, headers=stats)
    assert r.status_code == 200, r.text
    [row] = r.json()["results"]
    depth = int(kept["sd"]) if "sd" in kept else None
    assert row["metrics"] == [1, (int(kept["e"]) + 500) // 1000, depth]  # half up


def test_track_batch_partial_failure_keeps_the_good_events(running: Running) -> None:
    key = running.key("example.com")
    events = [
        {"url": "https://example.com/1", "user_agent": CHROME_UA, "ip": "198.51.100.1"},
        {"url": "not a url", "user_agent": CHROME_UA},
        {
            "url": "https://example.com/2",
            "user_agent": CHROME_UA,
            "timestamp": "2026-03-10T12:30:00Z",
        },
        {"url": "https://example.com/3", "user_agent": GOOGLEBOT},
        {"url": "https://example.com/4", "user_agent": CHROME_UA, "timestamp": 1773136800},
        {"url": "https://example.com/5", "user_agent": CHROME_UA, "bogus": 1},
    ]
    r = running.client.post(
        "/api/v1/track/batch", headers={"authorization": f"Bearer {key}"}, json={"events": events}
    )
    assert r.status_code == 202
    answer = r.json()
    assert (answer["processed"], answer["failed"], answer["dropped"]) == (3, 3, 1)
    assert [(e["index"], e["field"]) for e in answer["errors"]] == [
        (1, "events.1.url"),
        (2, "events.2.timestamp"),
        (5, "events.5.bogus"),
    ]
    assert answer["errors"][1]["error"] == "timestamp_in_future"
    assert sorted(str(e["pathname"]) for e in running.events("example.com")) == ["/1", "/4"]


def test_batch_envelope_errors(running: Running) -> None:
    key = running.key("example.com")
    post = running.client.post
    for body, field in [
        ({"events": []}, "events"),
        ({"nope": 1}, "events"),
        ({"events": [{"url": "https://example.com/"}] * 1001}, "events"),
    ]:
        r = post("/api/v1/track/batch", headers={"x-api-key": key}, json=body)
        assert r.status_code == 400 and r.json()["field"] == field


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "unauthorized"),
        ({"x-api-key": "garbage"}, 401, "unauthorized"),
        ({"x-api-key": "ff_0123456789_" + "a" * 43}, 401, "unauthorized"),
        ({"authorization": "Basic abc"}, 401, "unauthorized"),
    ],
)
def test_keyed_endpoints_refuse_bad_keys(
    running: Running, headers: dict[str, str], status: int, error: str
) -> None:
    r = running.client.post(
        "/api/v1/track/event", headers=headers, json={"url": "https://example.com/"}
    )
    assert (r.status_code, r.json()["error"]) == (status, error)


def test_revoked_and_wrong_scope_keys(running: Running) -> None:
    stats_only = running.key("example.com", "stats")
    r = running.client.post(
        "/api/v1/track/event",
        headers={"x-api-key": stats_only},
        json={"url": "https://example.com/"},
    )
    assert r.status_code == 403
    key = running.key("example.com")
    running.admin.revoke_key(key.split("_")[1])
    r = running.client.post(
        "/api/v1/track/event", headers={"x-api-key": key}, json={"url": "https://example.com/"}
    )
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_key_for_one_site_never_writes_another(running: Running) -> None:
    key = running.key("example.com")
    r = running.client.post(
        "/log-visit",
        headers={"x-api-key": key},
        json={"site": "other.org", "url": "https://other.org/"},
    )
    assert r.status_code == 403 and r.json()["field"] == "site"
    # Track events land on the key's site whatever URL they carry.
    running.client.post(
        "/api/v1/track/event",
        headers={"x-api-key": key},
        json={"url": "https://other.org/x", "user_agent": CHROME_UA},
    )
    assert running.events("other.org") == []
    assert [e["hostname"] for e in running.events("example.com")] == ["other.org"]


def test_log_visit_original_contract(running: Running) -> None:
    key = running.key("example.com")
    r = running.client.post(
        "/log-visit",
        headers={"x-api-key": key},
        json={
            "timestamp": "2026-03-10T09:15:00+01:00",
            "ip": "198.51.100.3",
            "user_agent": IPHONE_UA,
            "referrer": "https://t.co/abc",
            "url": "https://example.com/hello",
            "site": "example.com",
        },
    )
    assert r.status_code == 202 and r.json()["processed"] == 1
    [event] = running.events("example.com")
    assert (
        event["referrer_source"] == "Twitter"
        and str(event["timestamp"]) == "2026-03-10 08:15:00+00:00"
    )
    assert event["device"] == "Mobile" and event["os"] == "iOS"


def test_nothing_raw_is_stored(running: Running) -> None:
    key = running.key("example.com")
    running.client.post(
        "/log-visit",
        headers={"x-api-key": key},
        json={"ip": "198.51.100.77", "user_agent": CHROME_UA, "url": "https://example.com/"},
    )
    row = running.events("example.com")[0]
    flat = " ".join(str(v) for v in row.values())
    assert "198.51.100.77" not in flat and "Mozilla" not in flat


# --- a client gone before its body ------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/event", "/api/send", "/api/v1/track/event", "/api/v1/track/batch", "/api/v2/query"],
)
def test_a_client_gone_before_its_body_is_counted_499_not_logged_as_an_error(
    running: Running, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """wrk and browsers leaving mid-request: the hot ingest routes and FastAPI's own
    stack both answer the departed client 499 (no one reads it), without an ERROR."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers: list[tuple[bytes, bytes]] = [
        (b"host", b"testserver"), (b"content-type", b"application/json"),
        (b"content-length", b"120"), (b"user-agent", CHROME_UA.encode()),
    ]  # fmt: skip
    if "/track/" in path or path == "/api/v2/query":  # a valid key: the body is read next
        headers.append((b"x-api-key", running.key("example.com", "ingest,stats").encode()))
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "server": ("testserver", 80), "client": ("203.0.113.7", 5000),
        "headers": headers,
    }  # fmt: skip
    app: Any = running.client.app
    portal = running.client.portal
    assert portal is not None
    with caplog.at_level(logging.INFO, "footfall"):
        portal.call(app, scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
