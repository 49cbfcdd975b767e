"""Time buckets of a query: how many, their labels, and the site zone's UTC offsets.

Every cost here is linear in the number of buckets (or, for offsets, in the number of
DST transitions), never in the hours of the range: a query's buckets are capped by
MAX_TIME_BUCKETS when it is parsed, and its range may span decades.

Hourly labels are the 24 wall-clock hours of each local day, DST days included: the
planner groups events by their wall-clock hour, so a skipped hour is an empty bucket
and a repeated one is a single bucket.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from footfall.errors import InputError

# A time series of at most one page of rows (query.MAX_ROWS_PER_PAGE): 12 months by
# hour, or 27 years by day.
MAX_TIME_BUCKETS = 10_000
# Offsets are sampled this far apart, then bisected to the second where they change.
# No zone in the tz database changes its offset twice within 6.9 days (Brazil in 2000,
# Gaza's rules from 2040 come closest; checked for every zone from 1990 to 2050).
_SAMPLE = int(timedelta(days=2).total_seconds())
_HOURS = [f" {h:02d}:00:00" for h in range(24)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def bucket_count(dimension: str, first: date, last: date) -> int:
    """How many buckets ``dimension`` (``time:hour|day|week|month``) cuts the days
    ``first`` .. ``last`` (inclusive) into, without making them."""
    if dimension == "time:hour":
        return ((last - first).days + 1) * 24
    if dimension == "time:week":
        return (_monday(last) - _monday(first)).days // 7 + 1
    if dimension == "time:month":
        return _month_index(last) - _month_index(first) + 1
    return (last - first).days + 1


def check(dimension: str, first: date, last: date, field: str) -> None:
    """Refuse (400, naming ``field``) a time dimension with more than MAX_TIME_BUCKETS."""
    dimension = "time:day" if dimension == "time" else dimension
    count = bucket_count(dimension, first, last)
    if count > MAX_TIME_BUCKETS:
        raise InputError(
            f"{dimension} from {first} to {last} makes {count} time buckets; the limit is"
            f" {MAX_TIME_BUCKETS}: choose a longer interval or a shorter date range",
            field=field,
            code="invalid_query",
        )


def labels(dimension: str, first: date, last: date) -> list[str]:
    """Every bucket's label, in order, as the stats API writes its time dimension."""
    if dimension == "time:month":
        start = _month_index(first)
        months = range(start, start + bucket_count(dimension, first, last))
        return [date(i // 12, i % 12 + 1, 1).isoformat() for i in months]
    if dimension == "time:week":
        step, first = 7, _monday(first)
    else:
        step = 1
    start = first.toordinal()
    days = [date.fromordinal(o).isoformat() for o in range(start, last.toordinal() + 1, step)]
    if dimension == "time:hour":
        return [day + hour for day in days for hour in _HOURS]
    return days


def _offset(zone: zoneinfo.ZoneInfo, at: int) -> int:
    found = datetime.fromtimestamp(at, zone).utcoffset()
    assert found is not None
    return int(found.total_seconds())


def offsets(timezone: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) over ``[start, end)``: ``[(since, offset), ...]``,
    the first since ``start``, each next one from the instant the offset changes."""
    zone = zoneinfo.ZoneInfo(timezone)
    lo, hi = int(start.timestamp()), int(end.timestamp())
    found = [(lo, _offset(zone, lo))]
    at = lo
    while at < hi:
        step = min(at + _SAMPLE, hi)
        value = _offset(zone, step)
        if value != found[-1][1]:
            found += _changes(zone, at, found[-1][1], step, value)
        at = step
    return [(datetime.fromtimestamp(t, UTC), v) for t, v in found]


def _changes(
    zone: zoneinfo.ZoneInfo, lo: int, lo_value: int, hi: int, hi_value: int
) -> list[tuple[int, int]]:
    """The instants in ``(lo, hi]`` where the offset changes (it differs at the ends)."""
    if hi - lo <= 1:
        return [(hi, hi_value)]
    mid = (lo + hi) // 2
    value = _offset(zone, mid)
    left = _changes(zone, lo, lo_value, mid, value) if value != lo_value else []
    right = _changes(zone, mid, value, hi, hi_value) if value != hi_value else []
    return left + right
