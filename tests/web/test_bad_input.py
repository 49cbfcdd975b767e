"""Issue 10, section 6: each input that answered 500 answers 400 with the error shape and
no SQL, through every route that takes it. The clock is 2026-03-10 12:00 UTC."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from footfall.accounts.models import Role
from footfall.web.access import SESSION_COOKIE
from tests.support import CHROME_UA, Running
from tests.web.test_ingest import umami_event

SQL = re.compile(r"SELECT |ORDER BY|LIMIT \$|LINE \d+:|\$p\d|duckdb|Error:")
SHAPE = {"error", "detail", "field"}
Y9999 = ["9999-12-01", "9999-12-31"]
SURROGATE_KEY = "event:props:\ud800"


def nested(levels: int) -> list[object]:
    leaf: list[object] = ["is", "visit:source", ["Google"]]
    for i in range(levels):
        leaf = ["not", leaf] if i % 2 else ["and", [leaf]]
    return leaf


def raw_json(value: object) -> bytes:
    """JSON as a client may write it: a lone surrogate goes out as the escape ``\\ud800``."""
    return json.dumps(value).encode()


@dataclass
class Ask:
    method: str
    path: str
    auth: str  # "stats" (a Bearer key), "session" (signed in, with the CSRF token), "none"
    body: object = None
    params: dict[str, str] = field(default_factory=dict)
    html: bool = False
    status: int = 400


def v2(**body: object) -> Ask:
    return Ask("POST", "/api/v2/query", "stats", {"site_id": "example.com", **body})


def dash(**body: object) -> Ask:
    return Ask("POST", "/api/dashboard/example.com/query", "session", body)


def v1(route: str, **params: str) -> Ask:
    return Ask(
        "GET", f"/api/v1/stats/{route}", "stats", params={"site_id": "example.com", **params}
    )


CASES = {
    "v2 dates in year 9999": v2(metrics=["visitors"], date_range=Y9999),
    "v2 hourly day in year 9999": v2(
        metrics=["visitors"], date_range=["9999-12-31", "9999-12-31"], dimensions=["time:hour"]
    ),
    "v2 datetimes in year 9999": v2(
        metrics=["visitors"], date_range=["9999-12-31T00:00:00", "9999-12-31T23:59:59"]
    ),
    "v2 year 1 with a comparison": v2(
        metrics=["visitors"],
        date_range=["0001-01-01", "0001-01-05"],
        include={"comparisons": {"mode": "previous_period"}},
    ),
    "v2 year 1 year over year": v2(
        metrics=["visitors"],
        date_range=["0001-01-01", "0001-01-05"],
        include={"comparisons": {"mode": "year_over_year"}},
    ),
    "v2 date_range as an object": v2(metrics=["visitors"], date_range={"from": "2026-03-01"}),
    "v2 date_range of numbers": v2(metrics=["visitors"], date_range=[20260301, 20260302]),
    "v2 offset 2**63": v2(metrics=["visitors"], date_range="7d", pagination={"offset": 2**63}),
    "v2 limit true": v2(metrics=["visitors"], date_range="7d", pagination={"limit": True}),
    "v2 filters nested 300 levels": v2(
        metrics=["visitors"], date_range="7d", filters=[nested(300)]
    ),
    "v2 filters nested 11 levels": v2(metrics=["visitors"], date_range="7d", filters=[nested(10)]),
    "v2 an unknown key nested 300 levels": v2(
        metrics=["visitors"], date_range="7d", extra=nested(300)
    ),
    "v2 surrogate in a prop filter": v2(
        metrics=["visitors"], date_range="7d", filters=[["is", SURROGATE_KEY, ["x"]]]
    ),
    "v2 surrogate in a prop dimension": v2(
        metrics=["visitors"], date_range="7d", dimensions=[SURROGATE_KEY]
    ),
    "v2 surrogate in a clause": v2(
        metrics=["visitors"], date_range="7d", filters=[["is", "event:page", ["/\udc00"]]]
    ),
    # The key's site is looked up before the body is read: not found, the name escaped.
    "v2 surrogate in site_id": Ask(
        "POST", "/api/v2/query", "stats", {"site_id": "\ud800", "metrics": ["v"]}, status=404
    ),
    "v1 page 10**20": v1("breakdown", property="event:page", page=str(10**20)),
    "v1 page 1e20": v1("breakdown", property="event:page", page="1e20"),
    "v1 custom range in year 9999": v1("aggregate", period="custom", date="9999-12-01,9999-12-31"),
    "v1 month ending in year 9999": v1("timeseries", period="month", date="9999-12-31"),
    "v1 12mo ending in year 1": v1(
        "aggregate", period="12mo", date="0001-01-01", compare="previous_period"
    ),
    "dashboard query in year 9999": dash(metrics=["visitors"], date_range=Y9999),
    "dashboard query with a surrogate": dash(
        metrics=["visitors"], date_range="7d", dimensions=[SURROGATE_KEY]
    ),
    "dashboard query date_range as an object": dash(metrics=["visitors"], date_range={}),
    "dashboard page in year 9999": Ask(
        "GET",
        "/sites/example.com",
        "session",
        params={"period": "custom", "from": Y9999[0], "to": Y9999[1]},
        html=True,
    ),
    "dashboard page in year 9999, as JSON": Ask(
        "GET",
        "/sites/example.com",
        "session",
        params={"period": "custom", "from": Y9999[0], "to": Y9999[1]},
    ),
    "dashboard properties in year 9999": Ask(
        "GET",
        "/api/dashboard/example.com/properties",
        "session",
        params={"period": "custom", "from": Y9999[0], "to": Y9999[1]},
    ),
    "dashboard export in year 9999": Ask(
        "GET",
        "/api/dashboard/example.com/export",
        "session",
        params={"period": "custom", "from": Y9999[0], "to": Y9999[1]},
    ),
    "plausible event with a surrogate prop key": Ask(
        "POST",
        "/api/event",
        "none",
        {"n": "pageview", "u": "https://example.com/", "d": "example.com", "p": {"\ud800": "x"}},
    ),
    "plausible event with a surrogate prop value": Ask(
        "POST",
        "/api/event",
        "none",
        {"n": "pageview", "u": "https://example.com/", "p": {"k": "\udfff"}},
    ),
    "umami event with a surrogate prop key": Ask(
        "POST", "/api/send", "none", umami_event(data={"\ud800": "x"})
    ),
}


@dataclass
class Callers:
    client: TestClient
    stats: str
    csrf: str

    def send(self, ask: Ask) -> Response:
        headers = {"user-agent": CHROME_UA, "content-type": "application/json"}
        if ask.auth == "stats":
            headers["authorization"] = f"Bearer {self.stats}"
        if ask.auth == "session":
            headers["x-csrf-token"] = self.csrf
        if ask.html:
            headers["accept"] = "text/html"
        content = raw_json(ask.body) if ask.body is not None else None
        return self.client.request(
            ask.method, ask.path, params=ask.params, content=content, headers=headers
        )


@pytest.fixture
def callers(running: Running) -> Iterator[Callers]:
    accounts = running.client.app.state.accounts  # type: ignore[attr-defined]
    owner = accounts.add_user("owner@example.com", "correct horse battery staple", Role.OWNER)
    token = accounts.start_session(owner)
    signed = accounts.signed_in(token)
    assert signed is not None
    running.client.cookies.set(SESSION_COOKIE, token)
    yield Callers(running.client, running.key("example.com", "stats"), signed.csrf_token)
    running.client.cookies.clear()


@pytest.mark.parametrize("ask", CASES.values(), ids=CASES.keys())
def test_bad_input_is_a_400_with_the_error_shape_and_no_sql(callers: Callers, ask: Ask) -> None:
    r = callers.send(ask)
    assert r.status_code == ask.status, r.text
    if ask.html:
        assert r.headers["content-type"].startswith("text/html")
        assert "2000-01-01" in r.text and "</html>" in r.text
        return
    body = r.json()
    # Plausible's own answer adds {"errors": {field: [message]}} beside ours.
    assert set(body) - {"errors"} == SHAPE if ask.path == "/api/event" else set(body) == SHAPE
    assert not SQL.search(body["detail"]), body


def test_a_batch_refuses_only_the_event_with_a_surrogate(running: Running) -> None:
    good = {"url": "https://example.com/good", "ip": "81.2.69.1", "user_agent": CHROME_UA}
    events = [
        {**good, "url": "https://example.com/bad", "props": {"\ud800": "x"}},
        good,
        {**good, "url": "https://example.com/bad", "props": {"plan": "\udc00"}},
    ]
    r = running.client.post(
        "/api/v1/track/batch",
        headers={"x-api-key": running.key("example.com")},
        content=raw_json({"events": events}),
    )
    assert r.status_code == 202, r.text
    answer = r.json()
    assert (answer["processed"], answer["failed"]) == (1, 2)
    assert [(e["index"], e["error"], e["field"]) for e in answer["errors"]] == [
        (0, "invalid_text", "events.0.props"),
        (2, "invalid_text", "events.2.props"),
    ]
    assert [e["pathname"] for e in running.events("example.com")] == ["/good"]


def test_a_previous_period_before_2000_reads_as_empty(callers: Callers) -> None:
    """The comparison's period may reach before the earliest day: no event is stored
    before it, so those days count as empty and the buckets still pair up."""
    ask = v2(
        metrics=["visitors"],
        date_range=["2000-01-01", "2000-01-03"],
        dimensions=["time:day"],
        include={"comparisons": {"mode": "previous_period"}, "time_labels": True},
    )
    r = callers.send(ask)
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["time_labels"] == ["2000-01-01", "2000-01-02", "2000-01-03"]
    answer = callers.send(
        dash(
            metrics=["visitors"],
            date_range=["2000-01-01", "2000-01-03"],
            dimensions=["time:day"],
            include={"comparisons": {"mode": "previous_period"}},
        )
    ).json()
    assert answer["meta"]["comparison_labels"] == ["1999-12-29", "1999-12-30", "1999-12-31"]
    assert [r["comparison"]["metrics"] for r in answer["results"]] == [[0], [0], [0]]
