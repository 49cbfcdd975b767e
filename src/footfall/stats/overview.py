"""The sites overview: every site of the list with its visitors in the last 24 hours,
an hourly sparkline and the change against the 24 hours before, from the engine's one
statement for all of them (``StatsEngine.overview``, store/sql/live.py).

A rolling 24 hours, as Plausible's sites list, rather than each site's "today": the
sites of one list have different time zones, and just after a site's midnight its
"today" would show next to nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

DAY = timedelta(hours=24)
HOURS = 24


@dataclass(frozen=True, slots=True)
class SiteNumbers:
    visitors: int  # distinct visitors in the last 24 hours
    before: int  # in the 24 hours before those
    hours: tuple[int, ...]  # distinct visitors per UTC hour, oldest first, the last: now's

    @property
    def change(self) -> int | None:
        """Percent change against the 24 hours before; None when they had nobody."""
        if self.before == 0:
            return None
        return round(100 * (self.visitors - self.before) / self.before)


def _hour(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def shape(
    rows: Sequence[tuple[Any, ...]], site_ids: Sequence[int], now: datetime
) -> dict[int, SiteNumbers]:
    last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [last - timedelta(hours=HOURS - 1 - i) for i in range(HOURS)]
    per_hour = {(int(r[0]), _hour(r[2])): int(r[3]) for r in rows if r[1] == "hour"}
    totals = {int(r[0]): (int(r[3]), int(r[4])) for r in rows if r[1] == "total"}
    return {
        s: SiteNumbers(*totals.get(s, (0, 0)), tuple(per_hour.get((s, h), 0) for h in hours))
        for s in site_ids
    }


def sparkline(hours: Sequence[int], width: int = 120, height: int = 32) -> str:
    """SVG polyline points for the hourly counts (y grows downwards), 1px of margin."""
    top = max(1, *hours)
    step = width / max(1, len(hours) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 1 - (height - 2) * n / top:.1f}" for i, n in enumerate(hours)
    )
