"""Plain value types of email: queued messages and who asked for which mail. No I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class MailKind(enum.StrEnum):
    """What a recipient subscribed a site to (docs/email.md)."""

    WEEKLY = "weekly"  # a report of the last whole week (Monday to Sunday, site time)
    MONTHLY = "monthly"  # a report of the last whole month
    SPIKE = "spike"  # current visitors at or above ``threshold``: at most one per day
    DROP = "drop"  # visitors of the last 24 hours below ``threshold``: at most one per day

    @property
    def report(self) -> bool:
        return self in (MailKind.WEEKLY, MailKind.MONTHLY)


@dataclass(frozen=True, slots=True)
class Mail:
    """A queued message as a claim returns it: the parts are rendered at queueing."""

    id: int
    recipient: str
    subject: str
    text: str
    html: str
    attempts: int  # sending attempts including the one this claim is for
    created_at: datetime
    unsubscribe: str = ""  # a report's or alert's one-click unsubscribe URL (RFC 8058)


@dataclass(frozen=True, slots=True)
class Subscription:
    site_id: int
    email: str
    kind: MailKind
    threshold: int = 0  # visitors, for the alert kinds; 0 for reports
