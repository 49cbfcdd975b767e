from __future__ import annotations

from datetime import UTC, datetime, timedelta

from footfall.ingest.sessions import MemorySessionStore, SessionKey
from footfall.store.base import RecentSession

T0 = datetime(2026, 3, 10, 23, 50, tzinfo=UTC)


def test_visit_survives_midnight_through_previous_salt_id() -> None:
    store = MemorySessionStore()
    before = store.assign(SessionKey(1, visitor_id=111, previous_visitor_id=lambda: 50), T0, "/a")
    # After midnight the same person hashes to 222 today and to 111 under yesterday's salt.
    after = store.assign(
        SessionKey(1, visitor_id=222, previous_visitor_id=lambda: 111),
        T0 + timedelta(minutes=15),
        "/b",
    )
    assert after.session_id == before.session_id
    assert after.visitor_id == 111


def test_sites_do_not_share_sessions() -> None:
    store = MemorySessionStore()
    a = store.assign(SessionKey(1, 7, lambda: 7), T0, "/")
    b = store.assign(SessionKey(2, 7, lambda: 7), T0, "/")
    assert a.session_id != b.session_id


def test_out_of_order_event_joins_and_moves_entry_page() -> None:
    store = MemorySessionStore()
    late = store.assign(SessionKey(1, 7, lambda: 7), T0, "/second")
    early = store.assign(SessionKey(1, 7, lambda: 7), T0 - timedelta(minutes=5), "/first")
    assert early.session_id == late.session_id
    assert (early.started_at, early.entry_page) == (T0 - timedelta(minutes=5), "/first")


def test_prune_forgets_sessions_untouched_for_the_timeout_by_the_wall_clock() -> None:
    wall = [1000.0]
    store = MemorySessionStore(timedelta(minutes=30), wall=lambda: wall[0])
    store.assign(SessionKey(1, 7, lambda: 7), T0, "/")
    wall[0] += 20 * 60
    # An imported visit from last year, touched now: it must survive until its next batch.
    store.assign(SessionKey(1, 8, lambda: 8), T0 - timedelta(days=365), "/")
    wall[0] += 15 * 60
    assert store.prune() == 1
    assert len(store) == 1


def test_seed_resumes_open_sessions_after_restart() -> None:
    store = MemorySessionStore()
    store.seed([RecentSession(1, 7, 4242, T0 - timedelta(minutes=10), T0, "/entry")])
    state = store.assign(SessionKey(1, 7, lambda: 7), T0 + timedelta(minutes=5), "/next")
    assert (state.session_id, state.entry_page) == (4242, "/entry")
