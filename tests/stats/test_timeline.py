"""Time buckets: the count limit, labels equal to a day-by-day reference, and local time
(the planner's offset arithmetic) equal to zoneinfo across DST transitions."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.errors import InputError
from footfall.stats import timeline
from footfall.stats.query import YEARS_AHEAD, parse
from footfall.stats.runner import _dimension_value, time_labels
from footfall.store.duckdb.dialect import DUCKDB
from footfall.store.sql.builder import local_time
from footfall.store.sql.dialect import Params

UNITS = ("time:hour", "time:day", "time:week", "time:month")
# Zones with DST (both hemispheres, 30-minute shifts, changed rules) and without.
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Africa/Casablanca",
    "Asia/Gaza",
    "Pacific/Apia",
    "America/Santiago",
)
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
LATEST = date(NOW.year + YEARS_AHEAD, 12, 31)  # the last day a query may reach
days = st.dates(date(2000, 1, 1), date(2029, 12, 31))


def reference_labels(unit: str, first: date, last: date) -> list[str]:
    """Day by day, the label of each day's bucket, each label once (the old way)."""
    seen: dict[str, None] = {}
    day = first
    while day <= last:
        if unit == "time:hour":
            for h in range(24):
                seen[f"{day} {h:02d}:00:00"] = None
        elif unit == "time:day":
            seen[day.isoformat()] = None
        elif unit == "time:week":
            seen[(day - timedelta(days=day.weekday())).isoformat()] = None
        else:
            seen[day.replace(day=1).isoformat()] = None
        day += timedelta(days=1)
    return list(seen)


@settings(max_examples=300, deadline=None)
@given(unit=st.sampled_from(UNITS), first=days, span=st.integers(0, 1200))
def test_labels_equal_the_reference_and_their_count(unit: str, first: date, span: int) -> None:
    last = first + timedelta(days=span)
    labels = timeline.labels(unit, first, last)
    assert labels == reference_labels(unit, first, last)
    assert timeline.bucket_count(unit, first, last) == len(labels)


def _body(unit: str, first: date, last: date) -> dict[str, object]:
    return {
        "site_id": "s",
        "metrics": ["visitors"],
        "date_range": [first.isoformat(), last.isoformat()],
        "dimensions": ["visit:source", unit],
    }


@settings(max_examples=300, deadline=None)
@given(
    unit=st.sampled_from([*UNITS, "time"]),
    first=days,
    span=st.integers(0, 11_000),
    zone=st.sampled_from(ZONES),
)
def test_allowed_queries_stay_within_the_limit_and_others_are_refused(
    unit: str, first: date, span: int, zone: str
) -> None:
    last = min(first + timedelta(days=span), LATEST)
    count = len(reference_labels("time:day" if unit == "time" else unit, first, last))
    if count > timeline.MAX_TIME_BUCKETS:
        with pytest.raises(InputError) as caught:
            parse(_body(unit, first, last), NOW, zone, first)
        assert caught.value.status == 400 and caught.value.field == "dimensions.1"
        assert str(timeline.MAX_TIME_BUCKETS) in caught.value.detail
        assert str(count) in caught.value.detail
    else:
        q = parse(_body(unit, first, last), NOW, zone, first)
        assert len(time_labels(q)) == count


def test_a_year_by_hour_and_the_whole_range_by_day_are_allowed() -> None:
    for unit, first, last in (
        ("time:hour", date(2024, 1, 1), date(2024, 12, 31)),
        ("time:day", date(2000, 1, 1), date(2026, 12, 31)),
        ("time:week", date(2000, 1, 1), date(2029, 12, 31)),
    ):
        q = parse(_body(unit, first, last), NOW, "Europe/Berlin", first)
        assert len(time_labels(q)) <= timeline.MAX_TIME_BUCKETS


@st.composite
def ranges(draw: st.DrawFn) -> tuple[str, datetime, datetime, list[datetime]]:
    """A zone, a range of local days in it (as parse makes it), instants inside."""
    zone = draw(st.sampled_from(ZONES))
    first = draw(st.dates(date(2000, 1, 1), LATEST))
    last = min(first + timedelta(days=draw(st.integers(0, 800))), LATEST)
    tz = zoneinfo.ZoneInfo(zone)
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)
    seconds = int((end - start).total_seconds()) - 1
    picks = draw(st.lists(st.integers(0, seconds), min_size=1, max_size=60))
    # Instants right at and around the range's transitions too, where mistakes would be.
    edges = [
        t
        for at, _ in timeline.offsets(zone, start, end)[1:]
        for t in (at - timedelta(seconds=1), at, at + timedelta(seconds=1))
    ]
    return zone, start, end, [start + timedelta(seconds=s) for s in picks] + edges


@settings(max_examples=150, deadline=None)
@given(case=ranges())
def test_offsets_and_local_time_equal_zoneinfo(
    case: tuple[str, datetime, datetime, list[datetime]],
) -> None:
    zone, start, end, instants = case
    tz = zoneinfo.ZoneInfo(zone)
    pieces = timeline.offsets(zone, start, end)
    for at in instants:
        offset = [o for since, o in pieces if since <= at][-1]
        assert timedelta(seconds=offset) == at.astimezone(tz).utcoffset()
    for since, offset in pieces[1:]:  # each piece starts where the offset changes
        before = (since - timedelta(seconds=1)).astimezone(tz).utcoffset()
        assert before != timedelta(seconds=offset) == since.astimezone(tz).utcoffset()
    # The planner's SQL, run by DuckDB, gives the same wall-clock time.
    first = start.astimezone(tz).date()
    last = (end - timedelta(seconds=1)).astimezone(tz).date()
    q = parse(_body("time:day", first, last), NOW, zone, first)
    p = Params(DUCKDB)
    expr = local_time(q, p, "ts")
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, ts TIMESTAMP)")
    inside = [at for at in instants if start <= at < end]
    con.executemany(
        "INSERT INTO t VALUES (?, ?)", [[i, at.replace(tzinfo=None)] for i, at in enumerate(inside)]
    )
    sql = f"SELECT {expr}, date_trunc('hour', {expr}) FROM t ORDER BY i"  # noqa: S608
    rows = con.execute(sql, p.values)
    labels = set(timeline.labels("time:hour", first, last))
    for at, (local, hour) in zip(inside, rows.fetchall(), strict=True):
        assert local == at.astimezone(tz).replace(tzinfo=None)
        assert _dimension_value("time:hour", hour) in labels  # every bucket has its label


@pytest.mark.parametrize("zone", ZONES)
def test_offsets_of_thirty_years_are_few(zone: str) -> None:
    """Linear in transitions: two a year at most in these zones, whatever the span."""
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    assert len(timeline.offsets(zone, start, end)) <= 2 * 30 + 8
