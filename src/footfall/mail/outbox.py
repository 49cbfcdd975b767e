"""The outbox: requests queue rendered messages in the store, a worker on every replica
claims and sends them (docs/email.md).

Nothing is sent on a request's path: a slow or refusing SMTP server never holds up a
page. A claim holds a message for ``LEASE``; a worker that dies mid-send leaves it to
another once the lease runs out (at-least-once, as every SMTP client that cannot see
the server's commit is). A refusal for good (5xx) gives up at once; anything else is
tried again after 1, 2, 4, ... minutes, capped at six hours, ``MAX_ATTEMPTS`` in all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from footfall.mail.compose import Rendered, message
from footfall.mail.smtp import MailError, SmtpConfig, send
from footfall.offload import offload
from footfall.store.base import Mailbox

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # well above smtplib's 30-second timeouts of one send
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
POLL_SECONDS = 30.0  # a queued message also wakes the worker at once (``nudge``)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    doubled: timedelta = FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20))
    return min(doubled, LONGEST_WAIT)


class Outbox:
    def __init__(
        self,
        mailbox: Mailbox | None,
        config: SmtpConfig | None,
        clock: Callable[[], datetime],
        count: Callable[[str], None] = lambda outcome: None,
    ) -> None:
        self.mailbox = mailbox
        self.config = config
        self.clock = clock
        self.count = count  # each attempt's outcome: sent, retry, given_up (for /metrics)
        self._wake: asyncio.Event | None = None

    @property
    def enabled(self) -> bool:
        """Whether email is configured: without it nothing is queued (the UI says so)."""
        return self.config is not None and self.mailbox is not None

    def queue(self, recipient: str, rendered: Rendered, key: str = "") -> bool:
        """Queue a message (blocking: offload it); False when email is off or ``key``
        was queued before."""
        if self.mailbox is None or self.config is None:
            return False
        r = rendered
        now = self.clock()
        return self.mailbox.queue_mail(
            recipient, r.subject, r.text, r.html, key, now, r.unsubscribe
        )

    async def queue_now(self, recipient: str, rendered: Rendered, key: str = "") -> bool:
        """``queue`` from async code, waking this replica's worker."""
        queued = await offload(self.queue, recipient, rendered, key)
        if queued:
            self.nudge()
        return queued

    def nudge(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def deliver_due(self) -> int:
        """Claim and send every due message, one at a time; how many were sent."""
        box, config = self.mailbox, self.config
        if box is None or config is None:
            return 0
        sent = 0
        while (mail := box.claim_mail(self.clock(), LEASE)) is not None:
            try:
                send(config, message(config, mail))
            except MailError as exc:
                final = exc.permanent or mail.attempts >= MAX_ATTEMPTS
                retry = None if final else self.clock() + backoff(mail.attempts)
                box.mail_failed(mail.id, exc.detail[:1000], retry)
                self.count("given_up" if retry is None else "retry")
                log.warning(
                    "mail %d to %s failed (attempt %d): %s; %s",
                    mail.id,
                    mail.recipient,
                    mail.attempts,
                    exc.detail,
                    "given up" if retry is None else f"retrying at {retry:%H:%M:%S}",
                )
            else:
                box.mail_sent(mail.id, self.clock())
                self.count("sent")
                sent += 1
        return sent

    async def run(self, poll: float = POLL_SECONDS) -> None:
        """The worker: deliver what is due, then wait for a nudge or ``poll`` seconds."""
        self._wake = asyncio.Event()
        while True:
            self._wake.clear()
            try:
                await offload(self.deliver_due)
            except Exception:  # the store was unreachable: the next round tries again
                log.exception("delivering queued mail failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll)
