"""Two replicas (two app instances, each with its own pool, on one PostgreSQL database)
queue one report and send it once: the outbox key and the per-message claim."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from footfall.config import load_settings
from footfall.domain import Event
from footfall.mail.models import MailKind, Subscription
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.backends import POSTGRES_URL, fresh_postgres
from tests.smtp import PASSWORD, SmtpServer, parts
from tests.support import Clock


def replica(url: str, server: SmtpServer, clock: Clock) -> Services:
    settings = load_settings(
        database_url=url,
        secret_key="Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt",
        admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw",
        public_url="https://footfall.example",
        smtp_url=server.url,
        smtp_password=PASSWORD,
        email_from="reports@footfall.example",
    )
    services: Services = create_app(settings, clock=clock).state.services
    return services


def test_two_replicas_send_one_report(
    tmp_path: Path, smtp_server: SmtpServer, clock: Clock
) -> None:
    assert POSTGRES_URL, "run under the services wrapper (scripts/services/postgres.sh)"
    url = fresh_postgres(tmp_path)
    a, b = replica(url, smtp_server, clock), replica(url, smtp_server, clock)
    try:
        site = a.stores.catalog.add_site("example.com", "UTC", "u1")
        monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
        at = [monday + timedelta(hours=v) for v in range(4)]
        a.stores.events.write_events(
            [Event(site.id, t, "pageview", "example.com", "/", v, 0) for v, t in enumerate(at)]
        )
        assert a.stores.mailbox is not None and a.reports is not None and b.reports is not None
        a.stores.mailbox.set_subscription(Subscription(site.id, "ann@example.com", MailKind.WEEKLY))
        with ThreadPoolExecutor(2) as pool:
            queued = list(pool.map(lambda s: s.tick(), [a.reports, b.reports] * 3))
        assert sum(queued) == 1
        assert a.mail is not None and b.mail is not None
        with ThreadPoolExecutor(2) as pool:
            sent = list(pool.map(lambda m: m.deliver_due(), [a.mail, b.mail]))
        assert sorted(sent) == [0, 1]
        [msg] = smtp_server.inbox.wait_for(1)
        assert msg["Subject"] == "Weekly report for example.com: 2 Mar to 8 Mar 2026"
        assert "https://footfall.example/email/unsubscribe/" in parts(msg)[0]
        assert b.stores.mailbox is not None
        assert b.stores.mailbox.mail_counts() == {"queued": 0, "sent": 1, "failed": 0}
    finally:
        for svc in (a, b):
            asyncio.run(svc.stop())  # closes its stores
