"""Body limits on every route, before any handler reads the body (web/limits.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
