"""Weekly and monthly reports, and traffic spike and drop alerts (docs/email.md).

Every replica runs ``Scheduler.tick`` every few minutes. For each subscription it
works out the message due now (last whole week or month in the site's time zone; or
an alert's day) and queues it under a key naming site, recipient, kind and period;
the store queues a key once ever (``Mailbox.queue_mail``), so several replicas queue
one report, not several. Numbers come from the StatsEngine through the same runner
as the dashboard: the period against the same number of days before it.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from footfall.domain import Goal, Site
from footfall.mail.compose import render
from footfall.mail.models import MailKind, Subscription
from footfall.mail.outbox import Outbox
from footfall.mail.unsubscribe import sign
from footfall.stats.query import StatsQuery, parse
from footfall.stats.runner import realtime_visitors, run
from footfall.store.registry import Stores

log = logging.getLogger(__name__)

TOP = 5  # rows of each top list
SUMMARY = ("visitors", "visits", "pageviews", "bounce_rate", "visit_duration")
LABELS = {
    "visitors": "Unique visitors",
    "visits": "Visits",
    "pageviews": "Pageviews",
    "bounce_rate": "Bounce rate",
    "visit_duration": "Visit duration",
}


@dataclass(frozen=True, slots=True)
class Period:
    kind: MailKind
    first: date
    last: date  # inclusive

    @property
    def label(self) -> str:
        if self.kind is MailKind.MONTHLY:
            return f"{self.first:%B %Y}"
        return f"{self.first.day} {self.first:%b} to {self.last.day} {self.last:%b %Y}"


def last_period(kind: MailKind, today: date) -> Period:
    """The last whole week (Monday to Sunday) or month before ``today``."""
    if kind is MailKind.WEEKLY:
        monday = today - timedelta(days=today.weekday())
        return Period(kind, monday - timedelta(days=7), monday - timedelta(days=1))
    last = today.replace(day=1) - timedelta(days=1)
    return Period(kind, last.replace(day=1), last)


def _value(metric: str, value: Any) -> str:
    if value is None:
        return "-"
    if metric == "bounce_rate":
        return f"{value:.0f}%"
    if metric == "visit_duration":
        minutes, seconds = divmod(int(value), 60)
        return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"
    return f"{int(value):,}"


def _change(metric: str, value: Any) -> str:
    """As the dashboard shows it: percent, or points for the bounce rate."""
    if value is None:
        return ""
    return f"{value:+} pts" if metric == "bounce_rate" else f"{value:+}%"


def report_numbers(
    stores: Stores, site: Site, goals: Sequence[Goal], period: Period, now: datetime
) -> dict[str, Any]:
    """What a report shows, from the StatsEngine (blocking)."""

    def query(**body: Any) -> dict[str, Any]:
        full = {"site_id": site.domain, "date_range": [str(period.first), str(period.last)]}
        q = parse({**full, **body}, now, site.timezone, period.first)
        return run(stores.stats, q, site, goals)

    compare = {"comparisons": {"mode": "previous_period"}}
    summary = query(metrics=list(SUMMARY), include=compare)["results"][0]
    change = summary.get("comparison", {}).get("change", [None] * len(SUMMARY))
    rows = [
        {"label": LABELS[m], "value": _value(m, v), "change": _change(m, c)}
        for m, v, c in zip(SUMMARY, summary["metrics"], change, strict=True)
    ]

    def top(dimension: str, *filters: list[Any]) -> list[dict[str, str]]:
        order = [["visitors", "desc"]]
        got = query(
            metrics=["visitors"], dimensions=[dimension], order_by=order, filters=list(filters)
        )
        return [
            {"label": r["dimensions"][0], "value": _value("visitors", r["metrics"][0])}
            for r in got["results"][:TOP]
        ]

    conversions: list[dict[str, str]] = []
    if goals:
        got = query(metrics=["visitors", "conversion_rate"], dimensions=["event:goal"])
        conversions = [
            {
                "label": r["dimensions"][0],
                "value": _value("visitors", r["metrics"][0]),
                "rate": f"{r['metrics'][1]}%",
            }
            for r in got["results"]
        ]
    return {
        "summary": rows,
        "pages": top("event:page", ["is", "event:name", ["pageview"]]),  # as the dashboard
        "sources": top("visit:source"),
        "goals": conversions,
    }


def visitors_between(stores: Stores, site: Site, start: datetime, end: datetime) -> int:
    """Distinct visitors of ``[start, end)`` (a drop alert's last 24 hours)."""
    q = StatsQuery(site.domain, ("visitors",), start, end, "UTC")
    found: int = run(stores.stats, q, site, ())["results"][0]["metrics"][0]
    return found


class Scheduler:
    """Queues the reports and alerts that are due (``tick``, blocking: offload it)."""

    def __init__(
        self,
        stores: Stores,
        outbox: Outbox,
        secret: bytes,
        origin: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.stores = stores
        self.outbox = outbox
        self.secret = secret
        self.origin = origin.rstrip("/")
        self.clock = clock
        # Keys this process queued or found queued: not worked out again until a restart.
        self._done: set[str] = set()

    def tick(self) -> int:
        """Queue what is due; how many messages this call queued."""
        box = self.stores.mailbox
        if box is None or not self.outbox.enabled:
            return 0
        now = self.clock()
        by_site: dict[int, list[Subscription]] = {}
        for sub in box.subscriptions():
            by_site.setdefault(sub.site_id, []).append(sub)
        queued = 0
        for site_id, subs in by_site.items():
            site = self.stores.catalog.get_site_by_id(site_id)
            if site is None:
                continue
            try:
                queued += self._site(site, subs, now)
            except Exception:  # one site's failure must not keep the others' mail back
                log.exception("reports and alerts of %s failed", site.domain)
        return queued

    def _site(self, site: Site, subs: list[Subscription], now: datetime) -> int:
        today = now.astimezone(zoneinfo.ZoneInfo(site.timezone)).date()
        queued = 0
        numbers: dict[MailKind, dict[str, Any]] = {}  # a report's, once for its recipients
        visitors: dict[MailKind, int] = {}  # an alert's measure, asked once
        for sub in subs:
            key = self._key(sub, today)
            if key in self._done:
                continue
            links = self._links(site, sub)
            context: dict[str, Any] = {"site": site.domain, "kind": sub.kind.value, **links}
            # (``unsubscribe`` also becomes the List-Unsubscribe header: compose.render)
            if sub.kind.report:
                period = last_period(sub.kind, today)
                if sub.kind not in numbers:
                    goals = self.stores.catalog.list_goals(site.id)
                    numbers[sub.kind] = report_numbers(self.stores, site, goals, period, now)
                rendered = render("report", period=period.label, **context, **numbers[sub.kind])
            else:
                if sub.kind not in visitors:
                    visitors[sub.kind] = self._measure(sub.kind, site, now)
                seen = visitors[sub.kind]
                spiking = sub.kind is MailKind.SPIKE and seen >= sub.threshold
                if not spiking and not (sub.kind is MailKind.DROP and seen < sub.threshold):
                    continue
                rendered = render("alert", visitors=seen, threshold=sub.threshold, **context)
            self._done.add(key)
            if self.outbox.queue(sub.email, rendered, key):
                queued += 1
        return queued

    def _measure(self, kind: MailKind, site: Site, now: datetime) -> int:
        """Current visitors (a spike), or visitors of the last 24 hours (a drop)."""
        if kind is MailKind.SPIKE:
            return realtime_visitors(self.stores.stats, site, now)
        return visitors_between(self.stores, site, now - timedelta(days=1), now)

    def _key(self, sub: Subscription, today: date) -> str:
        """At most one message per subscription and period: a report's week or month,
        an alert's day (the site's)."""
        period = last_period(sub.kind, today).first if sub.kind.report else today
        return f"{sub.kind.value}:{sub.site_id}:{sub.email}:{period}"

    def _links(self, site: Site, sub: Subscription) -> dict[str, str]:
        token = sign(self.secret, sub.site_id, sub.kind, sub.email)
        return {
            "dashboard": f"{self.origin}/sites/{site.domain}",
            "unsubscribe": f"{self.origin}/email/unsubscribe/{token}",
        }
