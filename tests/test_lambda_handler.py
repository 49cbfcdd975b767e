"""The Lambda entry point, invoked with real API Gateway HTTP API (v2.0) events."""

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


@pytest.fixture
def lambda_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("FOOTFALL_DATABASE_URL", f"duckdb:///{tmp_path}/lambda.duckdb")
    monkeypatch.setenv("FOOTFALL_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("FOOTFALL_ADMIN_TOKEN", "a" * 40)
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
