from __future__ import annotations

import pytest

from footfall.accounts.ratelimit import PER_EMAIL, LoginLimiter, TooManyAttempts
from tests.support import Clock


def test_email_is_blocked_after_its_failures_then_freed_by_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock)
    for _ in range(PER_EMAIL):
        limiter.check("a@x.io", "198.51.100.1")
        limiter.failed("a@x.io", "198.51.100.1")
    with pytest.raises(TooManyAttempts) as info:
        limiter.check("a@x.io", "198.51.100.2")  # another IP does not help
    assert info.value.status == 429
    assert 0 < info.value.retry_after <= 15 * 60
    limiter.check("b@x.io", "198.51.100.3")  # other emails are not affected
    clock.advance(minutes=15, seconds=1)
    limiter.check("a@x.io", "198.51.100.1")


def test_ip_is_blocked_across_emails() -> None:
    limiter = LoginLimiter(Clock(), per_email=100, per_ip=3)
    for i in range(3):
        limiter.failed(f"u{i}@x.io", "198.51.100.9")
    with pytest.raises(TooManyAttempts):
        limiter.check("fresh@x.io", "198.51.100.9")
    limiter.check("fresh@x.io", "198.51.100.10")


def test_success_clears_the_email_count() -> None:
    limiter = LoginLimiter(Clock(), per_email=2)
    limiter.failed("a@x.io", "ip")
    limiter.succeeded("a@x.io")
    limiter.failed("a@x.io", "ip")
    limiter.check("a@x.io", "ip")
