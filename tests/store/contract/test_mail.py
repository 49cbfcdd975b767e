"""The Mailbox contract (docs/email.md): the outbox, its claims and retries, reset
tokens and subscriptions, the same on every backend."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from footfall.mail.models import MailKind, Subscription
from footfall.store.base import Mailbox
from footfall.store.registry import Stores

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def box(stores: Stores) -> Mailbox:
    assert stores.mailbox is not None
    return stores.mailbox


def test_messages_are_claimed_oldest_first_and_once(stores: Stores) -> None:
    mb = box(stores)
    for i in range(3):
        assert mb.queue_mail(f"u{i}@example.com", f"S{i}", "text", "<p>html</p>", "", T0)
    first = mb.claim_mail(T0, LEASE)
    assert first is not None and first.recipient == "u0@example.com" and first.attempts == 1
    assert (first.subject, first.text, first.html) == ("S0", "text", "<p>html</p>")
    second = mb.claim_mail(T0, LEASE)
    assert second is not None and second.id != first.id
    mb.mail_sent(first.id, T0)
    third = mb.claim_mail(T0, LEASE)
    assert third is not None and third.recipient == "u2@example.com"
    assert mb.claim_mail(T0, LEASE) is None  # all held or sent
    # A lease that ran out (a worker died) frees the message for another.
    again = mb.claim_mail(T0 + LEASE, LEASE)
    assert again is not None and again.id in (second.id, third.id) and again.attempts == 2
    assert mb.mail_counts() == {"queued": 2, "sent": 1, "failed": 0}


def test_retries_wait_and_give_up(stores: Stores) -> None:
    mb = box(stores)
    mb.queue_mail("a@example.com", "S", "t", "h", "", T0)
    mail = mb.claim_mail(T0, LEASE)
    assert mail is not None
    mb.mail_failed(mail.id, "421 try later", T0 + timedelta(minutes=2))
    assert mb.claim_mail(T0 + timedelta(minutes=1), LEASE) is None  # not due yet
    retried = mb.claim_mail(T0 + timedelta(minutes=2), LEASE)
    assert retried is not None and retried.id == mail.id and retried.attempts == 2
    mb.mail_failed(mail.id, "550 no such user", None)
    assert mb.claim_mail(T0 + timedelta(days=9), LEASE) is None
    assert mb.mail_counts() == {"queued": 0, "sent": 0, "failed": 1}


def test_a_key_is_queued_once_whoever_asks(stores: Stores) -> None:
    mb = box(stores)
    key = "weekly:1:ann@example.com:2026-03-02"
    with ThreadPoolExecutor(4) as pool:
        queued = pool.map(
            lambda i: mb.queue_mail("a@example.com", f"R{i}", "t", "h", key, T0), range(8)
        )
        done = list(queued)
    assert done.count(True) == 1
    mail = mb.claim_mail(T0, LEASE)
    assert mail is not None
    mb.mail_sent(mail.id, T0)
    assert mb.queue_mail("a@example.com", "R", "t", "h", key, T0 + timedelta(days=1)) is False


def test_concurrent_workers_never_hold_one_message(stores: Stores) -> None:
    mb = box(stores)
    for i in range(12):
        mb.queue_mail(f"u{i}@example.com", "S", "t", "h", "", T0)

    def drain(_: int) -> list[int]:
        got: list[int] = []
        while (mail := mb.claim_mail(T0, LEASE)) is not None:
            got.append(mail.id)
        return got

    with ThreadPoolExecutor(3) as pool:
        claimed = [m for part in pool.map(drain, range(3)) for m in part]
    assert len(claimed) == 12 == len(set(claimed))


def test_reset_tokens_are_single_use_and_expire(stores: Stores) -> None:
    mb = box(stores)
    user = stores.accounts.add_user("ann@example.com", "h", None)
    mb.add_reset_token(b"a" * 32, user.id, T0 + timedelta(hours=1))
    mb.add_reset_token(b"b" * 32, user.id, T0 + timedelta(hours=1))
    assert mb.take_reset_token(b"x" * 32, T0) is None
    assert mb.take_reset_token(b"a" * 32, T0) == (user.id, T0 + timedelta(hours=1))
    assert mb.take_reset_token(b"a" * 32, T0) is None  # used
    assert mb.take_reset_token(b"b" * 32, T0 + timedelta(hours=1)) is None  # expired
    with ThreadPoolExecutor(4) as pool:
        mb.add_reset_token(b"c" * 32, user.id, T0 + timedelta(hours=1))
        taken = list(pool.map(lambda _: mb.take_reset_token(b"c" * 32, T0), range(6)))
    assert taken.count((user.id, T0 + timedelta(hours=1))) == 1
    assert taken.count(None) == 5


def test_subscriptions_round_trip(stores: Stores) -> None:
    mb = box(stores)
    subs = [
        Subscription(1, "ann@example.com", MailKind.WEEKLY),
        Subscription(1, "bob@example.com", MailKind.WEEKLY),
        Subscription(1, "ann@example.com", MailKind.SPIKE, 50),
        Subscription(2, "ann@example.com", MailKind.MONTHLY),
    ]
    for sub in random.sample(subs, len(subs)):
        mb.set_subscription(sub)
    mb.set_subscription(Subscription(1, "ann@example.com", MailKind.SPIKE, 80))  # replaces
    assert mb.subscriptions(1) == [
        Subscription(1, "ann@example.com", MailKind.SPIKE, 80),
        subs[0],
        subs[1],
    ]
    assert mb.remove_subscription(1, "bob@example.com", "weekly") is True
    assert mb.remove_subscription(1, "bob@example.com", "weekly") is False
    mb.forget_site_mail(1)
    assert mb.subscriptions() == [subs[3]]
