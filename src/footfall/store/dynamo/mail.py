"""The Mailbox protocol on the single table (docs/backends.md, "DynamoDB"; docs/email.md).

Messages wait in one partition (``OUTBOX``), which holds only what is queued or given
up: a sent message leaves it. A claim is a conditional UpdateItem (nobody holds the
message, or their lease ran out), so two replicas never hold one message. A message
with a key writes a ``MAILKEY`` item in the same transaction, on condition that it is
new: one period's report is queued once, whichever replica asks. Reset tokens are
taken with a DeleteItem that returns what it deleted (single use).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from footfall.mail.models import Mail, MailKind, Subscription
from footfall.store.dynamo import attrs
from footfall.store.dynamo.attrs import (
    EXISTS,
    NEW,
    Item,
    b,
    get_n,
    get_s,
    get_t,
    iso,
    key,
    n,
    padded,
    s,
    t,
)
from footfall.store.dynamo.table import Table, mapped

_KEY_DAYS = 400  # a message key outlives the longest period it guards (a month) by far


def _mail(item: Item) -> Mail:
    return Mail(
        get_n(item, "id"),
        get_s(item, "recipient"),
        get_s(item, "subject"),
        get_s(item, "text"),
        get_s(item, "html"),
        get_n(item, "attempts"),
        get_t(item, "created_at"),
        get_s(item, "unsubscribe") if "unsubscribe" in item else "",
    )


def _sub_key(site_id: int, kind: str, email: str) -> str:
    return f"{padded(site_id)}#{kind}#{email}"


class DynamoMailbox:
    table: Table

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
        mail_id = self.table.next_id("mail")
        item = {
            **attrs.key("OUTBOX", padded(mail_id)),
            "id": n(mail_id),
            "recipient": s(recipient),
            "subject": s(subject),
            "text": s(text),
            "html": s(html),
            "unsubscribe": s(unsubscribe),
            "created_at": t(now),
            "due_at": t(now),
            "claimed_until": s(""),
            "attempts": n(0),
            "state": s("queued"),
            "error": s(""),
        }
        if not key:
            self.table.put(item)
            return True
        expires = int((now + timedelta(days=_KEY_DAYS)).timestamp())
        marker = {**attrs.key("MAILKEY", key), "mail_id": n(mail_id), "ttl": n(expires)}
        name = self.table.name
        return self.table.transact(
            [
                {"Put": {"TableName": name, "Item": marker, "ConditionExpression": NEW}},
                {"Put": {"TableName": name, "Item": item}},
            ]
        )

    def claim_mail(self, now: datetime, lease: timedelta) -> Mail | None:
        stamp = iso(now)
        due = [
            i
            for i in self.table.query("OUTBOX")
            if get_s(i, "state") == "queued"
            and get_s(i, "due_at") <= stamp
            and get_s(i, "claimed_until") <= stamp
        ]
        for item in sorted(due, key=lambda i: (get_s(i, "due_at"), get_n(i, "id"))):
            got = self.table.update(
                "OUTBOX",
                get_s(item, "SK"),
                "SET claimed_until = :until, attempts = attempts + :one",
                {
                    ":until": t(now + lease),
                    ":one": n(1),
                    ":now": s(stamp),
                    ":queued": s("queued"),
                },
                f"{EXISTS} AND claimed_until <= :now AND #st = :queued",
                names={"#st": "state"},
            )
            if got is not None:  # else another replica took it first: try the next
                return _mail(got)
        return None

    def mail_sent(self, mail_id: int, at: datetime) -> None:
        self.table.delete("OUTBOX", padded(mail_id))
        self.table.update("COUNTER", "mail_sent", "ADD n :one", {":one": n(1)})

    def mail_failed(self, mail_id: int, error: str, retry_at: datetime | None) -> None:
        if retry_at is None:
            expression = "SET #st = :failed, claimed_until = :none, #e = :e"
            values: Item = {":failed": s("failed"), ":none": s(""), ":e": s(error)}
        else:
            expression = "SET due_at = :due, claimed_until = :none, #e = :e"
            values = {":due": t(retry_at), ":none": s(""), ":e": s(error)}
        names = {"#e": "error"} | ({"#st": "state"} if retry_at is None else {})
        self.table.update("OUTBOX", padded(mail_id), expression, values, EXISTS, names=names)

    def mail_counts(self) -> dict[str, int]:
        items = self.table.query("OUTBOX", projection="#st", names={"#st": "state"})
        states = [get_s(i, "state") for i in items]
        sent = self.table.get("COUNTER", "mail_sent")
        return {
            "queued": states.count("queued"),
            "sent": 0 if sent is None else get_n(sent, "n"),
            "failed": states.count("failed"),
        }

    # password resets ------------------------------------------------------------
    def add_reset_token(self, token_hash: bytes, user_id: int, expires_at: datetime) -> None:
        self.table.put(
            {
                **key("RESET", token_hash.hex()),
                "token_hash": b(token_hash),
                "user_id": n(user_id),
                "expires_at": t(expires_at),
                "ttl": n(int(expires_at.timestamp())),  # DynamoDB deletes it (within days)
            }
        )

    def take_reset_token(self, token_hash: bytes, now: datetime) -> tuple[int, datetime] | None:
        with mapped("DeleteItem"):
            done = self.table.client.delete_item(
                TableName=self.table.name,
                Key=key("RESET", token_hash.hex()),
                ReturnValues="ALL_OLD",
            )
        old = done.get("Attributes")
        if not old or get_t(old, "expires_at") <= now.astimezone(UTC):
            return None
        return get_n(old, "user_id"), get_t(old, "expires_at")

    # subscriptions --------------------------------------------------------------
    def set_subscription(self, sub: Subscription) -> None:
        self.table.put(
            {
                **key("MAILSUB", _sub_key(sub.site_id, sub.kind.value, sub.email)),
                "site_id": n(sub.site_id),
                "email": s(sub.email),
                "kind": s(sub.kind.value),
                "threshold": n(sub.threshold),
            }
        )

    def remove_subscription(self, site_id: int, email: str, kind: str) -> bool:
        return self.table.delete("MAILSUB", _sub_key(site_id, kind, email))

    def subscriptions(self, site_id: int | None = None) -> list[Subscription]:
        prefix = "" if site_id is None else f"{padded(site_id)}#"
        found = [
            Subscription(
                get_n(i, "site_id"),
                get_s(i, "email"),
                MailKind(get_s(i, "kind")),
                get_n(i, "threshold"),
            )
            for i in self.table.query("MAILSUB", prefix=prefix)
        ]
        return sorted(found, key=lambda x: (x.site_id, x.kind.value, x.email))

    def forget_site_mail(self, site_id: int) -> None:
        for sub in self.subscriptions(site_id):
            self.remove_subscription(site_id, sub.email, sub.kind.value)
