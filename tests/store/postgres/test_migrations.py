"""Migrations from every earlier schema: a database at version ``k`` (each migration
1..k applied as ``PostgresStore._migrate`` applies it, each followed by
``seeds/v{n}.sql``: what a server of that version wrote) is opened by today's code: the
later migrations apply, and every row and answer is still there. ``k = 0`` is an empty
database, ``k`` = the latest a reopening that changes nothing. (Concurrent replica
start: test_backend.py.)

Adding migration N means adding seeds/vN.sql with what a server at version N writes
that earlier ones did not (the test fails without it).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from importlib import resources
from pathlib import Path

import psycopg
import pytest

from footfall.accounts.models import Role
from footfall.accounts.passwords import hash_password, verify_password
from footfall.store.postgres.backend import MIGRATIONS
from footfall.store.registry import Stores, open_stores
from tests.backends import POSTGRES_URL, _on_database
from tests.store.contract.test_events import NOW, T0, aggregate, ev, rule_visits, stored_visits

SEEDS = Path(__file__).parent / "seeds"
PASSWORD = "an old password"
EMAIL = "ann@example.com"


def at_version(k: int) -> str:
    """The URL of a new database migrated to version ``k`` and holding its seed."""
    assert POSTGRES_URL, "FOOTFALL_TEST_POSTGRES_URL is not set: run under `make test`"
    name = f"footfall_v{k}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    url = _on_database(POSTGRES_URL, name)
    folder = resources.files("footfall.store") / "sql" / "postgres"
    # Client-side binding: a seed is several statements with parameters.
    with psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("CREATE TABLE schema_version (version integer)")
        for version, migration in enumerate(MIGRATIONS[:k], start=1):
            conn.execute((folder / migration).read_text().encode())
            conn.execute("INSERT INTO schema_version VALUES (%s)", [version])
            seed = (SEEDS / f"v{version}.sql").read_text()
            conn.execute(seed.encode(), {"password_hash": hash_password(PASSWORD, [EMAIL])})
    return url


def test_every_schema_version_has_a_seed() -> None:
    assert sorted(p.name for p in SEEDS.glob("v*.sql")) == sorted(
        f"v{k}.sql" for k in range(1, len(MIGRATIONS) + 1)
    )


@pytest.mark.parametrize("k", range(len(MIGRATIONS) + 1))
def test_a_database_at_any_earlier_version_migrates_and_keeps_its_data(k: int) -> None:
    url = at_version(k)
    stores = open_stores(url)
    try:
        with psycopg.connect(url) as conn:
            versions = conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]
        if k == 0:
            assert stores.catalog.list_sites() == []
            return
        cat, acc = stores.catalog, stores.accounts
        site = cat.get_site_by_id(7)
        assert site is not None and site.domain == "old.example"
        key = cat.find_key("oldkey0000")
        assert key is not None and key.digest == bytes([1, 2, 3, 4, 5])
        assert [g.display_name for g in cat.list_goals(7)] == ["Visit /pricing"]
        assert [f.name for f in cat.list_funnels(7)] == (["Pricing"] if k >= 2 else [])
        assert cat.embed_origins(7) == (("https://blog.old.example",) if k >= 3 else ())
        assert cat.shields(7).ips == (("10.0.0.0/8",) if k >= 6 else ())
        assert cat.site_drops(7) == ({"ip_excluded": 3} if k >= 6 else {})
        assert stores.imported is not None
        assert [i.rows for i in stores.imported.list_imports(7)] == ([1] if k >= 7 else [])
        user = acc.get_user(EMAIL)
        assert user is not None and verify_password(user.password_hash, PASSWORD)
        assert acc.user_memberships(user.user.id) == {7: Role.VIEWER}
        assert acc.get_share("old-share-token") is not None
        answer = aggregate(stores, site)
        assert answer == {
            "visitors": 2,
            "visits": 2,
            "pageviews": 3,
            "events": 3,
            "bounce_rate": 50,
            "visit_duration": 300,
        }
        # The old day is rolled up (its events listed by migration 4 or the seed) and
        # answers the same from its rollups.
        assert stores.rollups is not None and stores.rollups.refresh_rollups() == 1
        assert aggregate(stores, site) == answer
        # Rolled up with the site's page goal (migration 12): its rows are in.
        with psycopg.connect(url) as conn:
            held = conn.execute("SELECT page_goals FROM rollup_days WHERE site_id = 7")
            assert held.fetchall() == [(["/pricing"],)]
        # The old visits go on by the rule: visitor 2 returns within 30 minutes.
        stores.events.write_events([ev(7, T0 + timedelta(hours=1, minutes=5), "/a", 2)])
        events = [e for c in stores.events.export_events(7, T0, NOW) for e in c]
        assert len(events) == 4 and stored_visits(stores, 7) == rule_visits(events)
        assert cat.add_site("new.example", "UTC", "u-new").id > 7
        _email_kept(stores, k, user.user.id)
    finally:
        stores.close()


def _email_kept(stores: Stores, k: int, user_id: int) -> None:
    """Email's state (migration 5, 005_email.sql) survives, and queueing goes on."""
    box = stores.mailbox
    assert box is not None
    if k < 5:
        assert box.mail_counts() == {"queued": 0, "sent": 0, "failed": 0}
        return
    assert box.mail_counts() == {"queued": 1, "sent": 1, "failed": 0}
    assert [s.email for s in box.subscriptions(7)] == [EMAIL]
    assert box.queue_mail(EMAIL, "Again", "t", "h", "weekly:7:ann@example.com:2026-03-02",
                          NOW) is False  # fmt: skip
    taken = box.take_reset_token(bytes([1, 2]), NOW)
    assert taken is not None and taken[0] == user_id
