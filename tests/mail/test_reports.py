"""Reports and alerts: worked out from the StatsEngine, queued once per site,
recipient and period, received by a real SMTP server with both parts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from footfall.domain import Event
from footfall.mail import smtp
from footfall.mail.models import MailKind, Subscription
from footfall.mail.outbox import Outbox
from footfall.mail.reports import Scheduler, last_period
from footfall.mail.unsubscribe import sign, verify
from footfall.store.registry import Stores
from tests.smtp import PASSWORD, SmtpServer, parts
from tests.support import Clock

SECRET = b"k" * 32
MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)  # the week reported on a Tuesday, 10 March


@given(st.dates(date(2001, 1, 1), date(2099, 12, 31)))
def test_the_period_is_the_last_whole_week_or_month(today: date) -> None:
    week = last_period(MailKind.WEEKLY, today)
    assert week.first.weekday() == 0 and week.last - week.first == timedelta(days=6)
    assert week.last < today <= week.last + timedelta(days=7)
    month = last_period(MailKind.MONTHLY, today)
    assert month.first.day == 1 and (month.last + timedelta(days=1)).day == 1
    assert month.last < today and month.last.month != today.month
    assert (month.last + timedelta(days=1)).month == today.month


def ev(at: datetime, path: str, visitor: int, source: str = "", name: str = "pageview") -> Event:
    e = Event(1, at, name, "example.com", path, visitor, 0)
    e.referrer_source = source
    return e


def scheduler(stores: Stores, server: SmtpServer, clock: Clock) -> Scheduler:
    config = smtp.from_settings(server.url, PASSWORD, "Footfall <reports@footfall.test>")
    return Scheduler(
        stores, Outbox(stores.mailbox, config, clock), SECRET, "https://ff.test", clock
    )


def test_a_weekly_report_arrives_once_with_its_numbers(
    stores: Stores, smtp_server: SmtpServer, clock: Clock
) -> None:
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    stores.catalog.add_goal(site.id, "Signup", "", "Signup")
    week = [
        ev(MONDAY, "/", 1, "Google"),
        ev(MONDAY + timedelta(minutes=1), "/pricing", 1, "Google"),
        ev(MONDAY + timedelta(minutes=2), "", 1, "Google", "Signup"),
        ev(MONDAY + timedelta(days=1), "/", 2, "Google"),
        ev(MONDAY + timedelta(days=2), "/pricing", 3),
        ev(MONDAY - timedelta(days=3), "/", 4),  # the week before
    ]
    stores.events.write_events(week)
    assert stores.mailbox is not None
    for email in ("ann@example.com", "bob@example.com"):
        stores.mailbox.set_subscription(Subscription(site.id, email, MailKind.WEEKLY))
    sched = scheduler(stores, smtp_server, clock)
    assert sched.tick() == 2
    assert sched.tick() == 0
    assert scheduler(stores, smtp_server, clock).tick() == 0  # a restarted replica too
    assert sched.outbox.deliver_due() == 2
    messages = smtp_server.inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["ann@example.com", "bob@example.com"]
    msg = next(m for m in messages if m["To"] == "ann@example.com")
    assert msg["Subject"] == "Weekly report for example.com: 2 Mar to 8 Mar 2026"
    text, html = parts(msg)
    assert "Unique visitors: 3 (+200%)" in text
    assert "Pageviews: 4 (+300%)" in text
    assert "Bounce rate: 67% (-33 pts)" in text
    assert "Top pages\n  2  /\n  2  /pricing\n\nTop sources\n" in text  # pageviews only
    assert "2  Google\n  1  Direct / None" in text
    assert "1 (33.33%)  Signup" in text
    assert '<td style="text-align: right; font-weight: bold;">3</td>' in html
    assert ">Signup</td>" in html and ">Google</td>" in html
    [link] = re.findall(r"https://ff\.test/email/unsubscribe/(\S+)", text)
    assert verify(SECRET, link) == (site.id, MailKind.WEEKLY, "ann@example.com")
    assert f"/email/unsubscribe/{link}" in html
    assert msg["List-Unsubscribe"] == f"<https://ff.test/email/unsubscribe/{link}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # next week, the next report
    clock.advance(days=7)
    assert sched.tick() == 2


def test_alerts_come_at_most_once_a_day(
    stores: Stores, smtp_server: SmtpServer, clock: Clock
) -> None:
    site = stores.catalog.add_site("example.com", "UTC", "u1")
    now = clock()
    stores.events.write_events([ev(now - timedelta(minutes=1), "/", v) for v in range(5)])
    assert stores.mailbox is not None
    stores.mailbox.set_subscription(Subscription(site.id, "ann@example.com", MailKind.SPIKE, 5))
    stores.mailbox.set_subscription(Subscription(site.id, "ann@example.com", MailKind.DROP, 3))
    sched = scheduler(stores, smtp_server, clock)
    assert sched.tick() == 1  # 5 current visitors: a spike; 5 in 24 hours: no drop
    clock.advance(minutes=1)
    assert sched.tick() == 0
    clock.advance(days=1)  # a quiet day: no spike, a drop
    assert sched.tick() == 1
    clock.advance(hours=1)
    assert sched.tick() == 0
    assert sched.outbox.deliver_due() == 2
    spike, drop = smtp_server.inbox.wait_for(2)
    assert spike["Subject"] == "Traffic spike on example.com: 5 current visitors"
    assert drop["Subject"] == "Traffic drop on example.com: 0 visitors in 24 hours"
    text, html = parts(drop)
    assert "had 0 visitors in the last 24 hours (your alert is below 3)" in text
    assert "<strong>0</strong> visitors in the last 24 hours" in html


def test_unsubscribe_tokens_name_one_subscription_and_cannot_be_forged() -> None:
    token = sign(SECRET, 7, MailKind.MONTHLY, "ann@example.com")
    assert verify(SECRET, token) == (7, MailKind.MONTHLY, "ann@example.com")
    assert verify(b"other" * 8, token) is None
    body, _, mac = token.partition(".")
    forged = sign(SECRET, 8, MailKind.MONTHLY, "ann@example.com").partition(".")[0]
    for bad in (f"{forged}.{mac}", f"{body}.", f"{body}x.{mac}", "", "...", "a.b"):
        assert verify(SECRET, bad) is None
