from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from footfall.ingest.visitor import VisitorHasher
from footfall.store.registry import Stores
from tests.support import Clock

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_same_inputs_same_day_same_id_and_inputs_matter(stores: Stores) -> None:
    h = VisitorHasher(stores.catalog, lambda: T0)
    a = h.visitor_id("example.com", "198.51.100.1", "UA", T0)
    assert a == h.visitor_id("example.com", "198.51.100.1", "UA", T0 + timedelta(hours=1))
    assert a != h.visitor_id("example.com", "198.51.100.2", "UA", T0)
    assert a != h.visitor_id("other.org", "198.51.100.1", "UA", T0)
    assert a != h.visitor_id("example.com", "198.51.100.1", "UA2", T0)
    assert 0 < a < 2**63


def test_salt_rotates_daily_and_yesterdays_is_kept(stores: Stores) -> None:
    clock = Clock(T0)
    h = VisitorHasher(stores.catalog, clock)
    today = h.visitor_id("example.com", "ip", "ua", T0)
    clock.advance(days=1)
    assert h.stale()
    h.refresh()  # as the pipeline does before enriching (Pipeline.prepare)
    assert h.visitor_id("example.com", "ip", "ua", clock.now) != today
    # yesterday's salt still known: yesterday's late events keep their id
    assert h.visitor_id("example.com", "ip", "ua", T0) == today


def test_old_salts_are_deleted(stores: Stores) -> None:
    clock = Clock(T0)
    h = VisitorHasher(stores.catalog, clock)
    h.visitor_id("s", "ip", "ua", T0)
    clock.advance(days=3)
    h.refresh()
    salts = stores.catalog.ensure_salts({clock.now.date(): b"x" * 16})
    assert list(salts) == [clock.now.date()]


def test_history_is_split_by_day(stores: Stores) -> None:
    h = VisitorHasher(stores.catalog, lambda: T0)
    week_ago = h.visitor_id("s", "ip", "ua", T0 - timedelta(days=7))
    six_days = h.visitor_id("s", "ip", "ua", T0 - timedelta(days=6))
    assert week_ago != six_days
    assert week_ago == h.visitor_id("s", "ip", "ua", T0 - timedelta(days=7, hours=-3))


def test_two_replicas_agree_on_the_salt(stores: Stores) -> None:
    a = VisitorHasher(stores.catalog, lambda: T0)
    b = VisitorHasher(stores.catalog, lambda: T0)
    assert a.visitor_id("s", "ip", "ua", T0) == b.visitor_id("s", "ip", "ua", T0)


def test_yesterdays_events_hash_like_yesterdays_live_traffic(stores: Stores) -> None:
    clock = Clock(T0)
    live = VisitorHasher(stores.catalog, clock)
    yesterday_live = live.visitor_id("s", "ip", "ua", T0)
    clock.advance(days=1)
    live.refresh()
    today = live.visitor_id("s", "ip", "ua", clock.now)  # the salt has rotated
    late = live.visitor_id("s", "ip", "ua", T0 + timedelta(minutes=5))  # dated yesterday
    assert late == yesterday_live != today


def test_remembered_ids_die_with_the_salts(stores: Stores) -> None:
    # History older than yesterday hashes under a salt derived from today's: once today's
    # rotates, a remembered id of that day must not be served again.
    clock = Clock(T0)
    h = VisitorHasher(stores.catalog, clock)
    week_ago = T0 - timedelta(days=7)
    before = h.visitor_id("s", "ip", "ua", week_ago)
    assert h.visitor_id("s", "ip", "ua", week_ago) == before  # remembered
    clock.advance(days=1)
    h.refresh()
    assert h.visitor_id("s", "ip", "ua", week_ago) != before


def test_remembering_ids_changes_none(stores: Stores) -> None:
    # Past the memory's bound too: every id equals a fresh hasher's (which remembers none).
    busy = VisitorHasher(stores.catalog, lambda: T0)
    days = [T0 - timedelta(days=d) for d in range(3)]
    seen = {
        (ip, day): busy.visitor_id("s", f"198.51.{ip // 256}.{ip % 256}", "ua", day)
        for _ in range(2)
        for ip in range(3_000)
        for day in days
    }
    fresh = VisitorHasher(stores.catalog, lambda: T0)
    for (ip, day), vid in random.sample(sorted(seen.items()), 300):
        fresh._known.clear()
        assert fresh.visitor_id("s", f"198.51.{ip // 256}.{ip % 256}", "ua", day) == vid
