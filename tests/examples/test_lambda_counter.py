"""examples/lambda-counter: the site's Lambda visitor counter forwards a visit to a
running Footfall with the ingest key it reads from Secrets Manager (moto's), and the
visit is then in Footfall's stats.

The handler function is invoked as Lambda would, with an API Gateway HTTP API (2.0)
event; Footfall is a real server started by the test (DuckDB), its key made with the
CLI as an operator would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import boto3
import httpx
import pytest

from tests.backends import AWS_ENDPOINT, use_moto
from tests.integration.conftest import Server, free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = "counter.example"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def load_handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"lambda_counter_{uuid.uuid4().hex}", ROOT / "examples" / "lambda-counter" / "handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def key(server: Server, scopes: str) -> str:
    made = server.cli("key", "create", "--site", SITE, "--scopes", scopes, "--json")
    assert made.returncode == 0, made.stderr
    value: str = json.loads(made.stdout)["key"]
    return value


def api_event(path: str, ip: str) -> dict[str, object]:
    """What an HTTP API (payload 2.0) hands the function for `POST /visit`."""
    return {
        "version": "2.0",
        "routeKey": "POST /visit",
        "rawPath": "/visit",
        "headers": {"content-type": "application/json", "user-agent": UA},
        "requestContext": {
            "http": {"method": "POST", "path": "/visit", "sourceIp": ip, "userAgent": UA}
        },
        "body": json.dumps({"url": f"https://{SITE}{path}", "referrer": "https://news.example/"}),
        "isBase64Encoded": False,
    }


@pytest.fixture
def footfall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    server = Server(tmp_path, free_port(), env | {"FOOTFALL_LOG_LEVEL": "WARNING"})
    server.start(timeout=120)  # a loaded CI machine starts slowly
    assert server.cli("site", "add", SITE).returncode == 0
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    use_moto()
    arn = boto3.client("secretsmanager").create_secret(
        Name=f"counter-ingest-key-{uuid.uuid4().hex}", SecretString=key(server, "ingest") + "\n"
    )["ARN"]
    monkeypatch.setenv("FOOTFALL_URL", server.url)
    monkeypatch.setenv("FOOTFALL_SITE", SITE)
    monkeypatch.setenv("INGEST_KEY_SECRET_ID", arn)
    yield server
    if server.proc is not None:
        server.stop(signal.SIGKILL)


def test_a_visit_through_the_counter_is_in_the_stats(footfall: Server) -> None:
    counter = load_handler()
    answers = [
        counter.handler(api_event(path, ip))
        for path, ip in [("/", "198.51.100.7"), ("/pricing", "198.51.100.7"), ("/", "203.0.113.9")]
    ]
    assert all(a["statusCode"] == 200 and json.loads(a["body"])["counted"] for a in answers), (
        answers
    )
    asked = httpx.post(
        f"{footfall.url}/api/v2/query",
        headers={"authorization": f"Bearer {key(footfall, 'stats')}"},
        json={"site_id": SITE, "metrics": ["visitors", "pageviews"], "date_range": "day"},
    )
    assert asked.status_code == 200, asked.text
    # Two visitors (two addresses), three pageviews.
    assert asked.json()["results"] == [{"metrics": [2, 3], "dimensions": []}]


def test_a_refused_key_is_reported_not_raised(footfall: Server) -> None:
    """A revoked or wrong key must not break the site's page: the site gets a 502 it
    can log, with Footfall's status."""
    use_moto()
    wrong = boto3.client("secretsmanager").create_secret(
        Name=f"counter-wrong-{uuid.uuid4().hex}", SecretString="ff_not_a_key"
    )["ARN"]
    with pytest.MonkeyPatch.context() as m:
        m.setenv("INGEST_KEY_SECRET_ID", wrong)
        answer = load_handler().handler(api_event("/", "198.51.100.7"))
    assert answer["statusCode"] == 502
    assert json.loads(answer["body"]) == {"counted": False, "footfall_status": 401}


def test_footfall_down_is_reported_not_raised(footfall: Server) -> None:
    footfall.stop()
    answer = load_handler().handler(api_event("/", "198.51.100.7"))
    assert answer["statusCode"] == 502 and json.loads(answer["body"])["footfall_status"] == 503
