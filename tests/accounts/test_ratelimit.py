from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.accounts.ratelimit import (
    PER_PAIR,
    SOFT_AFTER,
    SOFT_CAP,
    LoginLimiter,
    TooManyAttempts,
)
from tests.support import Clock

VICTIM = "owner@x.io"
HOME = "198.51.100.1"


def guess(limiter: LoginLimiter, subject: str, ip: str) -> bool:
    """One wrong password, as the service makes it: False when refused before checking."""
    try:
        limiter.check(subject, ip)
    except TooManyAttempts:
        return False
    limiter.failed(subject, ip)
    return True


def wait(limiter: LoginLimiter, subject: str, ip: str) -> int:
    with pytest.raises(TooManyAttempts) as info:
        limiter.check(subject, ip)
    assert info.value.status == 429
    return info.value.retry_after


def test_a_pair_is_locked_strictly_and_freed_by_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock)
    for _ in range(PER_PAIR):
        assert guess(limiter, VICTIM, "203.0.113.5")
    assert 14 * 60 < wait(limiter, VICTIM, "203.0.113.5") <= 15 * 60
    limiter.check("b@x.io", "203.0.113.6")  # other emails are not affected
    clock.advance(minutes=15, seconds=1)
    limiter.check(VICTIM, "203.0.113.5")


def test_a_stranger_cannot_lock_the_owner_out_for_long() -> None:
    """Another address is held back at most SOFT_CAP seconds, never the 15 minutes."""
    clock = Clock()
    limiter = LoginLimiter(clock)
    for _ in range(PER_PAIR):
        guess(limiter, VICTIM, "203.0.113.5")
    assert wait(limiter, VICTIM, HOME) <= SOFT_CAP
    clock.advance(seconds=SOFT_CAP)
    limiter.check(VICTIM, HOME)


def test_the_owners_known_address_skips_the_soft_delay() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock)
    limiter.succeeded(VICTIM, HOME)
    for i in range(50):  # a distributed guesser, each try as soon as allowed
        clock.advance(seconds=SOFT_CAP)
        guess(limiter, VICTIM, f"203.0.113.{i}")
    limiter.check(VICTIM, HOME)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=300), st.integers(0, 2**32))
def test_distributed_guessing_is_slowed_and_every_delay_is_bounded(
    addresses: list[int], seed: int
) -> None:
    """Whatever the order and spread of guesses: after SOFT_AFTER failures the subject
    allows at most one guess per delay, and no refusal asks more than the window."""
    clock = Clock()
    limiter = LoginLimiter(clock)
    rng = random.Random(seed)
    allowed = 0
    for ip in addresses:
        clock.advance(seconds=rng.random() * 3)
        if guess(limiter, VICTIM, f"203.0.113.{ip}"):
            allowed += 1
        else:
            assert 1 <= wait(limiter, VICTIM, f"203.0.113.{ip}") <= 15 * 60
    elapsed = len(addresses) * 3
    assert allowed <= SOFT_AFTER + elapsed  # at most ~1 per second even at the start
    if allowed > SOFT_AFTER + 6:
        # the exponential delay has reached its cap: at most one guess per SOFT_CAP
        assert allowed <= SOFT_AFTER + 6 + elapsed // SOFT_CAP + 1


def test_an_ip_is_locked_across_emails() -> None:
    limiter = LoginLimiter(Clock(), per_ip=3, soft_after=100)
    for i in range(3):
        guess(limiter, f"u{i}@x.io", "198.51.100.9")
    wait(limiter, "fresh@x.io", "198.51.100.9")
    limiter.check("fresh@x.io", "198.51.100.10")


@settings(max_examples=20, deadline=None)
@given(st.integers(3, 400), st.integers(0, 2**32))
def test_a_flood_of_fresh_keys_never_frees_a_lockout(flood: int, seed: int) -> None:
    """The table stays bounded; the attacker's one-failure entries go first, so the
    victim pair's lock and the subject's delay survive any number of new keys."""
    clock = Clock()
    limiter = LoginLimiter(clock, max_keys=20)
    for _ in range(PER_PAIR):
        guess(limiter, VICTIM, "203.0.113.5")
    rng = random.Random(seed)
    for i in range(flood):
        guess(limiter, f"spray{rng.randrange(10**9)}@x.io", f"2001:db8::{i:x}")
    assert wait(limiter, VICTIM, "203.0.113.5") > 14 * 60
    assert wait(limiter, VICTIM, "203.0.113.77") >= 1
    for table in (limiter._pairs, limiter._ips, limiter._subjects):
        assert len(table.times) <= 20


def test_success_forgets_the_pairs_failures_but_not_the_subjects() -> None:
    limiter = LoginLimiter(Clock())
    for _ in range(PER_PAIR - 1):
        guess(limiter, VICTIM, HOME)
    limiter.succeeded(VICTIM, HOME)
    for _ in range(PER_PAIR - 1):
        assert guess(limiter, VICTIM, HOME)
    assert len(limiter._subjects.times[VICTIM]) == 2 * (PER_PAIR - 1)
