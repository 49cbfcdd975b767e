"""Ingest rate limits (ingest/limits.py): per key and per address, shared by replicas
through Redis, per process without it; 429 with Retry-After at the edge. The Redis tests
need `make test`'s Redis (FOOTFALL_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from footfall.errors import RateLimited
from footfall.ingest.limits import IngestLimits
from footfall.shared import Shared
from footfall.web.app import create_app
from tests.integration.conftest import free_port
from tests.support import CHROME_UA, Clock, settings_for

REDIS_URL = os.environ.get("FOOTFALL_TEST_REDIS_URL", "")


def send(limits: IngestLimits, kind: str, who: str, events: int) -> bool:
    """Whether the request was let through."""
    try:
        asyncio.run(limits.check(kind, who, events))
    except RateLimited:
        return False
    return True


def test_a_window_holds_the_limit_then_the_next_minute_starts_afresh() -> None:
    clock = Clock()
    clock.advance(seconds=15)  # 12:00:15
    limits = IngestLimits(per_key=10, per_ip=0, clock=clock)
    assert send(limits, "key", "k1", 6) and send(limits, "key", "k1", 4)
    with pytest.raises(RateLimited) as refused:
        asyncio.run(limits.check("key", "k1", 1))
    assert refused.value.retry_after == 45  # the seconds left in the minute
    assert send(limits, "key", "k2", 10)  # another key has its own budget
    assert send(limits, "ip", "203.0.113.9", 1000)  # no address limit set
    clock.advance(seconds=45)
    assert send(limits, "key", "k1", 10)


def test_replicas_share_one_budget_through_redis() -> None:
    assert REDIS_URL, "FOOTFALL_TEST_REDIS_URL is not set: run under `make test`"
    clock = Clock()
    shared = Shared(REDIS_URL)
    shared.client.flushdb()
    replicas = [IngestLimits(0, 5, clock, Shared(REDIS_URL)) for _ in range(2)]
    assert [send(replicas[n % 2], "ip", "203.0.113.9", 1) for n in range(7)] == [True] * 5 + [
        False
    ] * 2
    clock.advance(minutes=1)
    assert send(replicas[1], "ip", "203.0.113.9", 5)
    shared.close()


def test_without_redis_each_process_counts_its_own() -> None:
    limits = IngestLimits(0, 3, Clock(), Shared(f"redis://127.0.0.1:{free_port()}/0"))
    assert [send(limits, "ip", "a", 1) for _ in range(4)] == [True, True, True, False]


def test_the_edge_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, ingest_limit_per_ip=2)
    event = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
    headers = {"user-agent": CHROME_UA}
    with TestClient(create_app(settings)) as client:
        statuses = [client.post("/api/event", json=event, headers=headers) for _ in range(3)]
    assert [r.status_code for r in statuses] == [202, 202, 429]
    assert statuses[2].json()["error"] == "rate_limited"
    assert 1 <= int(statuses[2].headers["retry-after"]) <= 60
