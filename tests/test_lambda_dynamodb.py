"""The Lambda entry point served from the DynamoDB backend (moto_server): an API
Gateway v2 event in, the event stored, a stats query answered from it."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from footfall.domain import Scope
from tests.backends import AWS_ENDPOINT, fresh_table_url
from tests.test_lambda_handler import LambdaContext, http_api_event

pytestmark = pytest.mark.skipif(not AWS_ENDPOINT, reason="needs moto_server (make test)")
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@pytest.fixture
def lambda_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("FOOTFALL_DATABASE_URL", fresh_table_url(tmp_path))
    monkeypatch.setenv("FOOTFALL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FOOTFALL_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("FOOTFALL_ADMIN_TOKEN", "a" * 40)
    sys.modules.pop("footfall.lambda_handler", None)
    module = importlib.import_module("footfall.lambda_handler")
    yield module
    module.handler.app.state.services.stores.close()  # an environment's end, in effect
    sys.modules.pop("footfall.lambda_handler", None)


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
