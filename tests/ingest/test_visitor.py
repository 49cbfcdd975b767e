from __future__ import annotations

from datetime import UTC, datetime, timedelta

from footfall.ingest.visitor import VisitorHasher
from footfall.store.duckdb import DuckDBStore
from tests.support import Clock

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_same_inputs_same_day_same_id_and_inputs_matter(store: DuckDBStore) -> None:
    h = VisitorHasher(store, lambda: T0)
    a = h.ids("example.com", "198.51.100.1", "UA", T0).current
    assert a == h.ids("example.com", "198.51.100.1", "UA", T0 + timedelta(hours=1)).current
    assert a != h.ids("example.com", "198.51.100.2", "UA", T0).current
    assert a != h.ids("other.org", "198.51.100.1", "UA", T0).current
    assert a != h.ids("example.com", "198.51.100.1", "UA2", T0).current
    assert 0 < a < 2**63


def test_salt_rotates_daily_and_yesterdays_is_kept(store: DuckDBStore) -> None:
    clock = Clock(T0)
    h = VisitorHasher(store, clock)
    today = h.ids("example.com", "ip", "ua", T0).current
    clock.advance(days=1)
    ids = h.ids("example.com", "ip", "ua", clock.now)
    assert ids.current != today
    assert ids.previous() == today  # yesterday's salt still known: visits survive midnight


def test_old_salts_are_deleted(store: DuckDBStore) -> None:
    clock = Clock(T0)
    h = VisitorHasher(store, clock)
    h.ids("s", "ip", "ua", T0)
    clock.advance(days=3)
    h.ids("s", "ip", "ua", clock.now)
    salts = store.ensure_salts({clock.now.date(): b"x" * 16})
    assert list(salts) == [clock.now.date()]
    rows = store._cur.execute("SELECT day FROM salts ORDER BY day").fetchall()
    assert [r[0] for r in rows] == [clock.now.date()]


def test_history_is_split_by_day(store: DuckDBStore) -> None:
    h = VisitorHasher(store, lambda: T0)
    week_ago = h.ids("s", "ip", "ua", T0 - timedelta(days=7)).current
    six_days = h.ids("s", "ip", "ua", T0 - timedelta(days=6)).current
    assert week_ago != six_days
    assert week_ago == h.ids("s", "ip", "ua", T0 - timedelta(days=7, hours=-3)).current


def test_two_replicas_agree_on_the_salt(store: DuckDBStore) -> None:
    a = VisitorHasher(store, lambda: T0)
    b = VisitorHasher(store, lambda: T0)
    assert a.ids("s", "ip", "ua", T0).current == b.ids("s", "ip", "ua", T0).current


def test_yesterdays_events_hash_like_yesterdays_live_traffic(store: DuckDBStore) -> None:
    clock = Clock(T0)
    live = VisitorHasher(store, clock)
    yesterday_live = live.ids("s", "ip", "ua", T0).current
    clock.advance(days=1)
    today = live.ids("s", "ip", "ua", clock.now).current  # the salt has rotated
    late = live.ids("s", "ip", "ua", T0 + timedelta(minutes=5))  # dated yesterday
    assert late.current == yesterday_live != today
