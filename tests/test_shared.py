"""Redis shared by replicas (footfall/shared.py): login limits that hold across them,
cache news that reaches every one, and everything going on per process when Redis
does not answer. Needs the Redis `make test` starts (FOOTFALL_TEST_REDIS_URL)."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from footfall.accounts.ratelimit import PER_PAIR, LoginLimiter, TooManyAttempts
from footfall.shared import Bus, Shared
from footfall.web.app import create_app
from tests.integration.conftest import free_port
from tests.support import Clock, settings_for

REDIS_URL = os.environ.get("FOOTFALL_TEST_REDIS_URL", "")
NOWHERE = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


@pytest.fixture
def shared() -> Iterator[Shared]:
    assert REDIS_URL, "FOOTFALL_TEST_REDIS_URL is not set: run under `make test`"
    opened = Shared(REDIS_URL)
    opened.client.flushdb()  # no failures counted by earlier tests (the clock is fake)
    yield opened
    opened.close()


def wait_until(condition: threading.Event, what: str) -> None:
    assert condition.wait(30), f"never happened: {what}"


def test_the_login_limit_holds_across_replicas(shared: Shared) -> None:
    clock = Clock()
    email = f"{uuid.uuid4().hex}@example.com"  # the Redis outlives this test
    replicas = [LoginLimiter(clock, shared=shared), LoginLimiter(clock, shared=Shared(REDIS_URL))]
    for n in range(PER_PAIR):
        replicas[n % 2].check(email, "203.0.113.9")
        replicas[n % 2].failed(email, "203.0.113.9")
    for replica in replicas:
        with pytest.raises(TooManyAttempts):
            replica.check(email, "203.0.113.9")
    clock.advance(seconds=2)  # another address waits out the subject's soft delay only
    replicas[1].check(email, "198.51.100.1")
    with pytest.raises(TooManyAttempts):
        replicas[0].check(email, "203.0.113.9")
    clock.advance(minutes=16)  # the window has passed for both
    for replica in replicas:
        replica.check(email, "203.0.113.9")


def test_a_sign_in_known_to_one_replica_skips_the_soft_delay_on_another(shared: Shared) -> None:
    clock = Clock()
    email = f"{uuid.uuid4().hex}@example.com"
    one, two = LoginLimiter(clock, shared=shared), LoginLimiter(clock, shared=shared)
    one.succeeded(email, "203.0.113.9")
    for n in range(PER_PAIR + 2):  # a guesser elsewhere starts the subject's soft delay
        one.failed(email, f"198.51.100.{n}")
    with pytest.raises(TooManyAttempts):
        two.check(email, "192.0.2.1")
    two.check(email, "203.0.113.9")  # the owner's usual address is let through


def test_without_redis_limits_count_per_process_and_say_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    down = Shared(NOWHERE)
    limiter = LoginLimiter(clock, shared=down)
    with caplog.at_level(logging.ERROR, logger="footfall.shared"):
        for _ in range(PER_PAIR):
            limiter.check("a@example.com", "203.0.113.9")
            limiter.failed("a@example.com", "203.0.113.9")
        with pytest.raises(TooManyAttempts):
            limiter.check("a@example.com", "203.0.113.9")
    assert [r.message for r in caplog.records if "Redis does not answer" in r.message][:2] == [
        caplog.records[0].message
    ]
    assert down.up is False and down.ping() is False


def test_cache_news_reaches_every_replica(shared: Shared) -> None:
    heard = [threading.Event(), threading.Event()]
    buses = [Bus(Shared(REDIS_URL), heard[i].set) for i in range(2)]
    try:
        # A subscriber that is not yet subscribed misses news: announce until heard.
        deadline = time.monotonic() + 30
        while not all(h.is_set() for h in heard) and time.monotonic() < deadline:
            shared.announce()
            time.sleep(0.05)
        assert all(h.is_set() for h in heard)
    finally:
        for bus in buses:
            bus.close()


def test_ready_reports_redis_and_stays_ready_without_it(tmp_path: Path) -> None:
    assert REDIS_URL, "FOOTFALL_TEST_REDIS_URL is not set: run under `make test`"
    for url, state in ((REDIS_URL, "ok"), (NOWHERE, "down")):
        settings = settings_for(tmp_path / state, redis_url=url)
        with TestClient(create_app(settings)) as client:
            r = client.get("/ready")
            assert r.status_code == 200, r.text
            assert r.json()["redis"] == state and r.json()["database"] == "ok"


def with_user(url: str, user: str) -> str:
    return url.replace("redis://", f"redis://{user}@", 1)


def test_the_password_setting_authenticates_a_url_without_one(shared: Shared) -> None:
    """FOOTFALL_REDIS_PASSWORD (ElastiCache's AUTH token from Secrets Manager): the
    right one is let in, a wrong or missing one finds Redis down (per-process limits)."""
    user, token = f"ff-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    shared.client.acl_setuser(
        user, enabled=True, passwords=[f"+{token}"], keys=["*"], channels=["*"], commands=["+@all"]
    )
    try:
        right = Shared(with_user(REDIS_URL, user), token)
        assert right.ping()
        right.close()
        for wrong in ("nope", ""):
            refused = Shared(with_user(REDIS_URL, user), wrong)
            assert not refused.ping()
            refused.close()
    finally:
        shared.client.acl_deluser(user)
