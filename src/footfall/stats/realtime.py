"""The realtime view: the last 30 minutes of a site, from the engine's one statement.

``StatsEngine.realtime`` answers rows ``(kind, label, minute, visitors, pageviews)``
(store/sql/live.py spells the statement); ``shape`` turns them into the JSON the
realtime page polls: visitors in the last 5 and 30 minutes, one bucket per minute
(oldest first, empty minutes as zeros) and the top pages and sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from footfall.stats.filters import DIRECT

WINDOW = timedelta(minutes=30)
CURRENT = timedelta(minutes=5)  # "current visitors", as /api/v1/stats/realtime/visitors
MINUTES = 30
TOP_ROWS = 10


def _minute(at: datetime) -> datetime:
    """A stored minute as an aware UTC instant (engines hand back naive UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def shape(rows: Sequence[tuple[Any, ...]], now: datetime) -> dict[str, Any]:
    """The realtime JSON: ``minutes`` holds MINUTES buckets, the last the current one."""
    last = now.astimezone(UTC).replace(second=0, microsecond=0)
    first = last - timedelta(minutes=MINUTES - 1)
    per_minute = {_minute(r[2]): (int(r[3]), int(r[4])) for r in rows if r[0] == "minute"}
    total = next((r for r in rows if r[0] == "total"), None)
    minutes = []
    for i in range(MINUTES):
        at = first + timedelta(minutes=i)
        visitors, pageviews = per_minute.get(at, (0, 0))
        minutes.append({"minute": at.isoformat(), "visitors": visitors, "pageviews": pageviews})

    def top(kind: str, empty: str) -> list[dict[str, Any]]:
        return [
            {"label": r[1] or empty, "visitors": int(r[3]), "pageviews": int(r[4])}
            for r in rows
            if r[0] == kind
        ]

    return {
        "now": now.astimezone(UTC).isoformat(),
        "visitors_5m": int(total[4]) if total else 0,
        "visitors_30m": int(total[3]) if total else 0,
        "minutes": minutes,
        "pages": top("page", "/"),
        "sources": top("source", DIRECT),
    }
