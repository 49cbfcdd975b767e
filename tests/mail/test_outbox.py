"""The outbox worker against a real SMTP server on loopback (aiosmtpd): both parts
arrive, a refusal is retried after its backoff, a permanent one is given up, and
without FOOTFALL_SMTP_URL nothing is queued."""

from __future__ import annotations

from pathlib import Path

import pytest

from footfall.mail import smtp
from footfall.mail.compose import render
from footfall.mail.outbox import Outbox, backoff
from footfall.metrics import Metrics
from footfall.store.registry import Stores
from tests.smtp import PASSWORD, SmtpServer, parts
from tests.support import Clock


def outbox(stores: Stores, server: SmtpServer, clock: Clock) -> Outbox:
    config = smtp.from_settings(server.url, PASSWORD, "Footfall <reports@footfall.test>")
    return Outbox(stores.mailbox, config, clock)


def test_a_queued_message_arrives_with_both_parts(
    stores: Stores, smtp_server: SmtpServer, clock: Clock
) -> None:
    box = outbox(stores, smtp_server, clock)
    assert box.queue("ann@example.com", render("test", server="here <&>"))
    assert smtp_server.inbox.messages == []  # queued, not sent
    assert box.deliver_due() == 1
    [msg] = smtp_server.inbox.wait_for(1)
    assert msg["To"] == "ann@example.com" and msg["From"] == "Footfall <reports@footfall.test>"
    assert msg["Subject"] == "Footfall test message"
    text, html = parts(msg)
    assert "through here <&>." in text
    assert "<code>here &lt;&amp;&gt;</code>" in html  # the HTML part escapes
    assert box.deliver_due() == 0
    assert stores.mailbox is not None
    assert stores.mailbox.mail_counts() == {"queued": 0, "sent": 1, "failed": 0}


def test_a_refused_message_is_retried_after_its_backoff(
    stores: Stores, smtp_server: SmtpServer, clock: Clock
) -> None:
    metrics = Metrics()
    box = outbox(stores, smtp_server, clock)
    box.count = lambda outcome: metrics.mail.labels(outcome).inc()
    smtp_server.inbox.refuse = 2
    box.queue("ann@example.com", render("test", server="x"))
    assert box.deliver_due() == 0 and smtp_server.inbox.refused == 1
    clock.advance(seconds=backoff(1).total_seconds() - 1)
    assert box.deliver_due() == 0 and smtp_server.inbox.refused == 1  # not due yet
    clock.advance(seconds=1)
    assert box.deliver_due() == 0 and smtp_server.inbox.refused == 2
    clock.advance(seconds=backoff(2).total_seconds())
    assert box.deliver_due() == 1
    [msg] = smtp_server.inbox.wait_for(1)
    assert msg["Message-ID"].startswith("<footfall.1.")  # the same message every attempt
    sample = metrics.registry.get_sample_value
    samples = {o: sample("footfall_mail_total", {"outcome": o}) for o in ("sent", "retry")}
    assert samples == {"sent": 1.0, "retry": 2.0}


def test_a_permanent_refusal_is_given_up(stores: Stores, clock: Clock) -> None:
    """A server that refuses the recipient for good (5xx): no retry."""
    server = SmtpServer()
    try:

        async def refuse(*_: object) -> str:
            return "550 5.1.1 no such user"

        server.inbox.handle_RCPT = refuse  # type: ignore[attr-defined]
        box = outbox(stores, server, clock)
        box.queue("nobody@example.com", render("test", server="x"))
        assert box.deliver_due() == 0
        clock.advance(days=1)
        assert box.deliver_due() == 0
        assert stores.mailbox is not None
        assert stores.mailbox.mail_counts() == {"queued": 0, "sent": 0, "failed": 1}
    finally:
        server.stop()


def test_without_an_smtp_url_nothing_is_queued(stores: Stores, clock: Clock) -> None:
    box = Outbox(stores.mailbox, None, clock)
    assert not box.enabled
    assert box.queue("ann@example.com", render("test", server="x")) is False
    assert stores.mailbox is not None
    assert stores.mailbox.mail_counts() == {"queued": 0, "sent": 0, "failed": 0}


@pytest.mark.parametrize(
    ("url", "password", "sender", "error"),
    [
        ("http://x", "", "a@b.c", "must start with smtp://"),
        ("smtp://", "", "a@b.c", "needs a host"),
        ("smtp://u:p@h", "p2", "a@b.c", "keep one"),
        ("smtp://u@h", "", "", "set FOOTFALL_EMAIL_FROM"),
        ("smtp://h", "", "a@b.c, d@e.f", "one address"),
        ("", "p", "", "without FOOTFALL_SMTP_URL"),
    ],
)
def test_bad_email_settings_fail_at_start_with_a_sentence(
    tmp_path: Path, url: str, password: str, sender: str, error: str
) -> None:
    from footfall.errors import ConfigError
    from tests.support import settings_for

    with pytest.raises(ConfigError, match=error):
        settings_for(tmp_path, smtp_url=url, smtp_password=password, email_from=sender)


def test_the_url_names_the_security() -> None:
    starttls = smtp.parse("smtp://me%40x:p%2F@mail.example:2525", "", "a@b.c")
    assert (starttls.security, starttls.port, starttls.username, starttls.password) == (
        "starttls",
        2525,
        "me@x",
        "p/",
    )
    tls = smtp.parse("smtps://mail.example", "", "a@b.c")
    assert (tls.host, tls.port, tls.security) == ("mail.example", 465, "tls")
    assert smtp.parse("smtp+plain://relay", "", "a@b.c").port == 25
