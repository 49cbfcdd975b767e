"""The planner's local-time arithmetic agrees with a real time-zone conversion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from footfall.stats.query import parse
from footfall.store.duckdb.dialect import DUCKDB
from footfall.store.sql.builder import local_time
from footfall.store.sql.dialect import Params


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
def test_local_time_matches_icu_across_dst(zone: str) -> None:
    now = datetime(2026, 11, 15, 12, tzinfo=UTC)
    q = parse(
        {"site_id": "s", "metrics": ["visitors"], "date_range": "year"}, now, zone, now.date()
    )
    p = Params(DUCKDB)
    expr = local_time(q, p, "timestamp")
    con = duckdb.connect()
    stamps = [q.start + timedelta(minutes=37 * i) for i in range(0, 14_000)]
    con.execute("CREATE TABLE t (timestamp TIMESTAMP)")
    con.executemany("INSERT INTO t VALUES (?)", [[s.replace(tzinfo=None)] for s in stamps[::7]])
    ours = con.execute(f"SELECT {expr} FROM t ORDER BY timestamp", p.values).fetchall()  # noqa: S608
    zi = __import__("zoneinfo").ZoneInfo(zone)
    expected = [s.astimezone(zi).replace(tzinfo=None) for s in stamps[::7]]
    assert [r[0] for r in ours] == expected
