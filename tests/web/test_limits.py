"""Body limits on every route, before any handler reads the body (web/limits.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.types import Message, Receive, Scope, Send

from footfall.web.limits import BodyLimits
from tests.accounts.helpers import HTML
from tests.support import Running

LIMIT = 1_048_576  # FOOTFALL_MAX_BODY_BYTES's default, used by the `running` app
ROUTES = [
    "/login",
    "/setup",
    "/account/password",
    "/share/example.com/unlock",
    "/sites/example.com/keys",
    "/invite/some-token",
    "/api/v1/sites",
    "/api/dashboard/example.com/query",
    "/api/v2/query",
    "/api/event",
    "/api/v1/track/batch",
    "/no/such/route",
]
ANONYMOUS_READERS = ["/login", "/setup", "/share/example.com/unlock", "/api/event", "/api/send"]
MULTIPART = "multipart/form-data; boundary=x"


def chunks(total: int, size: int = 65_536) -> Iterator[bytes]:
    while total > 0:
        yield b"x" * min(size, total)
        total -= size


@pytest.mark.parametrize("path", ROUTES)
def test_a_declared_oversize_body_is_refused_before_reading(running: Running, path: str) -> None:
    """An anonymous 200 MB multipart form once was read in full and spooled to /tmp."""
    r = running.client.post(
        path,
        content=b"-" * (LIMIT + 1),
        headers={"content-type": MULTIPART, **HTML},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "payload_too_large"
    assert r.headers["connection"] == "close"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(ANONYMOUS_READERS), st.integers(LIMIT + 1, LIMIT + 300_000))
def test_a_streamed_body_is_cut_off_at_the_limit(running: Running, path: str, size: int) -> None:
    """Without Content-Length (chunked), the bytes are counted as they arrive: routes that
    read a body before any check (forms, ingest) stop at the limit."""
    r = running.client.post(path, content=chunks(size), headers={"content-type": MULTIPART})
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "payload_too_large"


def test_a_body_within_the_limit_still_reaches_its_route(running: Running) -> None:
    key = running.key("example.com")
    body = b'{"events":[{"url":"https://example.com/","ip":"198.51.100.1","user_agent":"x"}]}'
    r = running.client.post(
        "/api/v1/track/batch",
        content=body,
        headers={"x-api-key": key, "content-type": "application/json"},
    )
    assert r.status_code == 202, r.text


def run_guarded(app_reads_after: float, body_arrives: bool) -> list[Message]:
    """One request through BodyLimits(0.05 s deadline) with an ASGI server stand-in whose
    body never completes (or completes at once)."""
    sent: list[Message] = []

    async def server_receive() -> Message:
        if body_arrives:
            return {"type": "http.request", "body": b"{}", "more_body": False}
        await asyncio.sleep(3600)  # the client stalls mid-body
        raise AssertionError("unreachable")

    async def server_send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(app_reads_after)  # e.g. an auth check before reading
        await receive()
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    scope = {"type": "http", "headers": [(b"content-length", b"2")], "path": "/"}
    asyncio.run(BodyLimits(app, LIMIT, 0.05)(scope, server_receive, server_send))
    return sent


@pytest.mark.parametrize("reads_after", [0.0, 0.2])
def test_a_stalled_body_answers_408_whether_the_app_waits_or_works(reads_after: float) -> None:
    sent = run_guarded(reads_after, body_arrives=False)
    assert sent[0]["status"] == 408
    assert orjson.loads(sent[1]["body"])["error"] == "request_timeout"
    assert len(sent) == 2  # the app's own answer was dropped


def test_a_body_in_time_is_untouched() -> None:
    assert run_guarded(0.0, body_arrives=True)[0]["status"] == 202
