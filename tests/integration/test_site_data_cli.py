"""``footfall site delete-range|reset|retention|remove`` on the embedded store: directly,
then through the running server's admin API; days are the site's own (docs/cli.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from footfall.domain import Event
from footfall.store.registry import open_stores
from tests.integration.conftest import Server

# Berlin is UTC+1 in March: 23:30 UTC is already the next local day.
TIMES = [
    datetime(2026, 3, 1, 12, tzinfo=UTC),
    datetime(2026, 3, 1, 23, 30, tzinfo=UTC),  # local 2 March
    datetime(2026, 3, 2, 12, tzinfo=UTC),
    datetime(2026, 3, 3, 22, 59, tzinfo=UTC),  # local 3 March, 23:59
    datetime(2026, 3, 3, 23, 0, tzinfo=UTC),  # local 4 March, 00:00
    datetime(2026, 3, 5, 12, tzinfo=UTC),
]


def local_days(server: Server) -> list[date]:
    stores = open_stores(f"duckdb:///{server.db_path}")
    try:
        site = stores.catalog.get_site("example.com")
        assert site is not None
        far = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        events = [e for c in stores.events.export_events(site.id, *far) for e in c]
        return [(e.timestamp + timedelta(hours=1)).date() for e in events]
    finally:
        stores.close()


def test_deleting_days_resetting_and_removing_ask_first_and_go_by_local_days(
    server: Server,
) -> None:
    assert server.cli("site", "add", "example.com", "--timezone", "Europe/Berlin").returncode == 0
    stores = open_stores(f"duckdb:///{server.db_path}")
    site = stores.catalog.get_site("example.com")
    assert site is not None and site.retention_days == 365  # new sites keep 12 months
    stores.events.write_events(
        [Event(site.id, t, "pageview", "example.com", "/", i, 0) for i, t in enumerate(TIMES)]
    )
    stores.close()

    args = ("site", "delete-range", "example.com", "--from", "2026-03-02", "--to", "2026-03-03")
    assert server.cli(*args, stdin="n\n").returncode == 1  # asked, and refused
    assert len(local_days(server)) == 6
    done = server.cli(*args, "--yes")
    assert done.returncode == 0, done.stderr
    assert local_days(server) == [date(2026, 3, 1), date(2026, 3, 4), date(2026, 3, 5)]
    server.start()
    one = ("site", "delete-range", "example.com", "--from", "2026-03-04", "--to", "2026-03-04")
    assert server.cli(*one, stdin="y\n").returncode == 0
    assert server.cli("site", "reset", "example.com", stdin="\n").returncode == 1  # default: no
    kept = server.cli("site", "retention", "example.com", "30")
    assert kept.returncode == 0 and "keeps its events 30 days" in kept.stdout
    server.stop()
    assert local_days(server) == [date(2026, 3, 1), date(2026, 3, 5)]

    assert server.cli("site", "reset", "example.com", "--yes").returncode == 0
    assert local_days(server) == []
    stores = open_stores(f"duckdb:///{server.db_path}")
    site = stores.catalog.get_site("example.com")
    stores.close()
    assert site is not None and site.retention_days == 30  # the site stays
    assert server.cli("site", "remove", "example.com", stdin="no\n").returncode == 1
    assert server.cli("site", "remove", "example.com", stdin="y\n").returncode == 0
