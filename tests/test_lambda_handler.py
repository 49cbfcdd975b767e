"""The Lambda entry point, invoked with real API Gateway HTTP API (v2.0) events, on
every backend under test (the free-tier Lambda variant runs on DynamoDB)."""

from __future__ import annotations

import base64
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from footfall.domain import Scope
from tests.backends import BACKENDS, BackendUnderTest
from tests.support import CHROME_UA


class LambdaContext:
    function_name = "footfall"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:footfall"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def http_api_event(method: str, path: str, body: bytes = b"", **headers: str) -> dict[str, Any]:
    """The shape API Gateway HTTP APIs send with payload format 2.0."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "x-forwarded-for": "198.51.100.23",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
            **headers,
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.23",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "10/Mar/2026:12:00:00 +0000",
            "timeEpoch": 1773144000000,
        },
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def lambda_module(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    backend: BackendUnderTest = request.param
    monkeypatch.setenv("FOOTFALL_DATABASE_URL", backend.fresh_url(tmp_path))
    monkeypatch.setenv("FOOTFALL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FOOTFALL_SECRET_KEY", "Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt")
    monkeypatch.setenv("FOOTFALL_ADMIN_TOKEN", "Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw")
    sys.modules.pop("footfall.lambda_handler", None)
    module = importlib.import_module("footfall.lambda_handler")
    yield module
    module.handler.app.state.services.stores.close()  # an environment's end, in effect
    sys.modules.pop("footfall.lambda_handler", None)


def test_health_through_api_gateway(lambda_module: ModuleType) -> None:
    answer = lambda_module.handler(http_api_event("GET", "/health"), LambdaContext())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"status": "ok"}


def test_plausible_event_is_committed_before_the_answer(lambda_module: ModuleType) -> None:
    svc = lambda_module.handler.app.state.services
    svc.stores.catalog.add_site("example.com", "UTC", "00000000-0000-0000-0000-0000000000aa")
    body = b'{"n":"pageview","u":"https://example.com/from-lambda","d":"example.com"}'
    event = http_api_event(
        "POST", "/api/event", body, **{"content-type": "text/plain", "user-agent": CHROME_UA}
    )
    answer = lambda_module.handler(event, LambdaContext())
    assert answer["statusCode"] == 202
    site = svc.stores.catalog.get_site("example.com")
    [row] = svc.stores.events.fetch_events(site.id)
    assert row["pathname"] == "/from-lambda"
    assert row["country"] == ""  # 198.51.100.23 is a documentation address: no country


def test_bad_input_is_a_4xx_json_error(lambda_module: ModuleType) -> None:
    event = http_api_event("POST", "/api/event", b"{nope", **{"user-agent": CHROME_UA})
    answer = lambda_module.handler(event, LambdaContext())
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"] == "invalid_json"


def test_an_event_in_and_stats_out_through_api_gateway(lambda_module: ModuleType) -> None:
    svc = lambda_module.handler.app.state.services
    site = svc.stores.catalog.add_site("example.com", "UTC", "00000000-0000-0000-0000-0000000000aa")
    key = svc.keys.create("example.com", frozenset({Scope.STATS}), "lambda").key
    body = b'{"n":"pageview","u":"https://example.com/from-lambda","d":"example.com"}'
    event = http_api_event(
        "POST", "/api/event", body, **{"content-type": "text/plain", "user-agent": CHROME_UA}
    )
    answer = lambda_module.handler(event, LambdaContext())
    assert answer["statusCode"] == 202, answer["body"]
    [row] = svc.stores.events.fetch_events(site.id)
    assert row["pathname"] == "/from-lambda"

    query = {"site_id": "example.com", "metrics": ["visitors", "pageviews"], "date_range": "day",
             "dimensions": ["event:page"]}  # fmt: skip
    stats = http_api_event(
        "POST",
        "/api/v2/query",
        json.dumps(query).encode(),
        **{"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    answer = lambda_module.handler(stats, LambdaContext())
    assert answer["statusCode"] == 200, answer["body"]
    results = json.loads(answer["body"])["results"]
    assert results == [{"metrics": [1, 1], "dimensions": ["/from-lambda"]}]
