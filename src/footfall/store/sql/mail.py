"""``Mailbox`` for SQL backends: the named statements of each engine's
``queries_mail.sql``, run through the primitives ``SqlRecords`` documents (a backend
mixes both in). The claim is one ``UPDATE ... RETURNING`` of the oldest due message:
PostgreSQL's picks it ``FOR UPDATE SKIP LOCKED`` (replicas claim different messages),
DuckDB's store has one process and serialises its writes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from footfall.mail.models import Mail, MailKind, Subscription
from footfall.store.sql.records import utc

Row = tuple[Any, ...]


def _subscription(row: Row) -> Subscription:
    return Subscription(int(row[0]), str(row[1]), MailKind(row[2]), int(row[3]))


class SqlMailbox(ABC):
    @abstractmethod
    def _one(self, query: str, params: Sequence[object] = ()) -> Row | None: ...
    @abstractmethod
    def _all(self, query: str, params: Sequence[object] = ()) -> list[Row]: ...
    @abstractmethod
    def _write(self, query: str, params: Sequence[object] = ()) -> Row | None: ...
    @abstractmethod
    def _stamp(self, at: datetime) -> object: ...

    def queue_mail(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        key: str,
        now: datetime,
        unsubscribe: str = "",
    ) -> bool:
        at = self._stamp(now)
        params = [key or None, recipient, subject, text, html, at, at, unsubscribe]
        return self._write("queue_mail", params) is not None

    def claim_mail(self, now: datetime, lease: timedelta) -> Mail | None:
        at = self._stamp(now)
        row = self._write("claim_mail", [self._stamp(now + lease), at, at])
        if row is None:
            return None
        mail_id, recipient, subject, text, html, attempts, created, unsubscribe = row
        return Mail(
            int(mail_id), recipient, subject, text, html, int(attempts), utc(created), unsubscribe
        )

    def mail_sent(self, mail_id: int, at: datetime) -> None:
        self._write("mail_sent", [self._stamp(at), mail_id])

    def mail_failed(self, mail_id: int, error: str, retry_at: datetime | None) -> None:
        if retry_at is None:
            self._write("mail_given_up", [self._stamp(datetime.now(UTC)), error, mail_id])
        else:
            self._write("mail_retry", [self._stamp(retry_at), error, mail_id])

    def mail_counts(self) -> dict[str, int]:
        row = self._one("mail_counts") or (0, 0, 0)
        return {"queued": int(row[0]), "sent": int(row[1]), "failed": int(row[2])}

    def add_reset_token(self, token_hash: bytes, user_id: int, expires_at: datetime) -> None:
        self._write("add_reset_token", [token_hash, user_id, self._stamp(expires_at)])

    def take_reset_token(self, token_hash: bytes, now: datetime) -> tuple[int, datetime] | None:
        row = self._write("take_reset_token", [token_hash])
        self._write("delete_expired_reset_tokens", [self._stamp(now)])
        if row is None or utc(row[1]) <= now:
            return None
        return int(row[0]), utc(row[1])

    def set_subscription(self, sub: Subscription) -> None:
        self._write("set_subscription", [sub.site_id, sub.email, sub.kind.value, sub.threshold])

    def remove_subscription(self, site_id: int, email: str, kind: str) -> bool:
        return self._write("remove_subscription", [site_id, email, kind]) is not None

    def subscriptions(self, site_id: int | None = None) -> list[Subscription]:
        if site_id is None:
            return [_subscription(r) for r in self._all("subscriptions")]
        return [_subscription(r) for r in self._all("site_subscriptions", [site_id])]

    def forget_site_mail(self, site_id: int) -> None:
        self._write("forget_site_mail", [site_id])
