from __future__ import annotations

from datetime import UTC, datetime, timedelta

from footfall.domain import Event
from footfall.store.duckdb import DuckDBStore, events_to_arrow

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def ev(site_id: int, n: int, **kw: object) -> Event:
    e = Event(site_id, T0 + timedelta(seconds=n), "pageview", "example.com", f"/{n}", n, 100 + n)
    for k, v in kw.items():
        setattr(e, k, v)
    return e


def test_arrow_schema_matches_the_table_column_for_column(store: DuckDBStore) -> None:
    table = events_to_arrow([ev(1, 1)])
    cols = [r[0] for r in store._cur.execute("DESCRIBE events").fetchall()]
    # then what the apply derives: each pageview's previous one (013_previous_pageview.sql)
    assert [*table.column_names, "prev_pageview_at", "prev_page"] == cols


def test_second_process_cannot_open_a_held_file(tmp_path: object) -> None:
    import subprocess
    import sys

    path = f"{tmp_path}/held.duckdb"
    s = DuckDBStore(path)
    code = (
        "import sys\nfrom footfall.store.duckdb import DuckDBStore\n"
        "from footfall.errors import StoreError\n"
        f"try:\n    DuckDBStore({path!r})\nexcept StoreError as e:\n    print(e)\n    sys.exit(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    s.close()
    assert out.returncode == 3 and "admin API" in out.stdout


def test_visits_merge_across_batches(store: DuckDBStore) -> None:
    site = store.add_site("example.com", "UTC", "u1")
    # The later part of a visit arrives first, then its start and a custom event.
    store.write_events(
        [ev(site.id, 300, session_id=7, visitor_id=1, pathname="/second", referrer_source="Later")]
    )
    store.write_events(
        [
            ev(site.id, 0, session_id=7, visitor_id=1, pathname="/first", referrer_source="Google"),
            ev(site.id, 540, session_id=7, visitor_id=1, name="Signup", pathname="/second"),
        ]
    )
    [row] = store.read(
        "SELECT started_at, ended_at, pageviews, events, interactions, entry_page, exit_page,"
        " source FROM visits WHERE visitor_id = 1",
        {},
    )
    assert row == (
        datetime(2026, 3, 10, 12, 0),
        datetime(2026, 3, 10, 12, 9),
        2,
        3,
        1,
        "/first",
        "/second",
        "Google",
    )
    store.rebuild_visits()
    assert store.read("SELECT entry_page, exit_page, events FROM visits", {}) == [
        ("/first", "/second", 3)
    ]
    store.delete_events(site.id)
    assert store.read("SELECT count(*) FROM visits", {}) == [(0,)]


def test_upgrading_a_store_builds_visits_from_its_events(tmp_path: object) -> None:
    path = f"{tmp_path}/old.duckdb"
    s = DuckDBStore(path)
    site = s.add_site("example.com", "UTC", "u1")
    s.write_events(
        [ev(site.id, 1, session_id=5, visitor_id=1), ev(site.id, 9, session_id=5, visitor_id=1)]
    )
    s.read("DROP TABLE visits", {})  # as a store from before migration 004
    s.read("DELETE FROM schema_version WHERE version >= 4", {})
    s.close()
    upgraded = DuckDBStore(path)
    [(session_id, pageviews, events)] = upgraded.read(
        "SELECT session_id, pageviews, events FROM visits", {}
    )
    assert (pageviews, events) == (2, 2)
    assert upgraded.read("SELECT DISTINCT session_id FROM events", {}) == [(session_id,)]
    upgraded.close()


def test_upgrading_a_store_resplits_visits_made_in_arrival_order(tmp_path: object) -> None:
    """Before migration 006, shuffled batches left one visit split in two sessions."""
    path = f"{tmp_path}/old.duckdb"
    s = DuckDBStore(path)
    site = s.add_site("example.com", "UTC", "u1")
    s.write_events([ev(site.id, 60, session_id=5, visitor_id=1)])
    s.write_events([ev(site.id, 0, session_id=6, visitor_id=1)])
    # what arrival order made of them: two sessions, each its own one-page visit
    s.read("DELETE FROM schema_version WHERE version >= 6", {})
    s.read("UPDATE events SET session_id = 6 WHERE pathname = '/0'", {})
    s.read("UPDATE events SET session_id = 5 WHERE pathname = '/60'", {})
    s.read("DELETE FROM visits", {})
    s.read(
        "INSERT INTO visits BY NAME SELECT session_id, site_id, visitor_id,"
        " timestamp AS started_at, timestamp AS ended_at, 1 AS pageviews, 1 AS events,"
        " 0 AS interactions, pathname AS entry_page, pathname AS exit_page, '' AS source,"
        " '' AS referrer, '' AS channel, '' AS utm_medium, '' AS utm_source,"
        " '' AS utm_campaign, '' AS utm_content, '' AS utm_term, '' AS device,"
        " '' AS browser, '' AS browser_version, '' AS os, '' AS os_version,"
        " '' AS country, '' AS region, '' AS city, '' AS screen_size FROM events",
        {},
    )
    assert s.read("SELECT count(*) FROM visits", {}) == [(2,)]
    s.close()
    upgraded = DuckDBStore(path)
    assert upgraded.read("SELECT entry_page, exit_page, pageviews FROM visits", {}) == [
        ("/0", "/60", 2)
    ]
    assert upgraded.read("SELECT count(DISTINCT session_id) FROM events", {}) == [(1,)]
    upgraded.close()
