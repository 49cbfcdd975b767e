"""The visit rule, defined once (docs/backends.md, "The visit rule").

A visit is a visitor's events on one site, ordered by timestamp, split where two
consecutive events are ``timeout`` (30 minutes) or more apart. It is a function of the
events alone: arrival order, batching, replicas and restarts cannot change it. Each
backend keeps its visits current in its own way (docs/backends.md says how each
does, e.g. recomputing the touched visitor-days in the write transaction); this module
is the plain-Python statement of the same rule that tests hold every backend to.

Ties are broken by value, never by arrival: the entry page is the smallest path among
the first pageviews of the visit, the exit page the largest among the last ones, and a
visit's id is a hash of (site, visitor, first timestamp), unique because two visits of
one visitor cannot start at the same instant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from footfall.domain import ENGAGEMENT, Event

TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class VisitSummary:
    site_id: int
    visitor_id: int
    started_at: datetime
    ended_at: datetime
    pageviews: int
    events: int
    interactions: int
    entry_page: str
    exit_page: str

    @property
    def bounce(self) -> bool:
        return self.pageviews < 2 and self.interactions == 0

    @property
    def duration(self) -> int:
        """Seconds from first to last event, as clock seconds passed (SQL's date_diff);
        a bounce counts 0."""
        seconds = int(self.ended_at.timestamp()) - int(self.started_at.timestamp())
        return 0 if self.bounce else seconds


def split(events: Iterable[Event], timeout: timedelta = TIMEOUT) -> list[VisitSummary]:
    """The visits of ``events`` (any order), sorted by site, visitor and start."""
    by_visitor: dict[tuple[int, int], list[Event]] = defaultdict(list)
    for e in events:
        if e.name == ENGAGEMENT:
            continue  # outside the rule (docs/metrics.md, "Engagement")
        by_visitor[(e.site_id, e.visitor_id)].append(e)
    out: list[VisitSummary] = []
    for key in sorted(by_visitor):
        run: list[Event] = []
        for e in sorted(by_visitor[key], key=lambda e: e.timestamp):
            if run and e.timestamp - run[-1].timestamp >= timeout:
                out.append(_summary(run))
                run = []
            run.append(e)
        out.append(_summary(run))
    return out


def _summary(run: list[Event]) -> VisitSummary:
    views = [(e.timestamp, e.pathname) for e in run if e.name == "pageview"]
    return VisitSummary(
        run[0].site_id,
        run[0].visitor_id,
        run[0].timestamp,
        run[-1].timestamp,
        len(views),
        len(run),
        sum(1 for e in run if e.name != "pageview" and e.interactive),
        min(views)[1] if views else "",
        max(views)[1] if views else "",
    )
