"""Moving a store between backends: the conformance traffic ingested into DuckDB,
exported, imported into every other backend under test and back into DuckDB
(``footfall export`` / ``footfall import``, the real commands, at the first hop).

At every hop: the conformance cases give the oracle's answers (so the same answers as
the source) through the API, authenticated by a key made before the move (ids and
digests survived); sites, keys, goals, funnels, segments, users, memberships,
invitations, shared links, traffic shields and the origins allowed to embed a site are
the same; a user signs in with their password; a goal's conversions agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footfall import transfer
from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.config import load_settings
from footfall.domain import FunnelStep, Shields
from footfall.errors import ConfigError, ConflictError
from footfall.sites import SiteManager, parse_scopes
from footfall.store.registry import Stores, open_stores
from footfall.web.app import create_app
from tests.backends import BACKENDS
from tests.conformance.cases import CASES, DAYS, SEED
from tests.conformance.traffic import Traffic, generate
from tests.fixtures.pyarrow_era import generate as pyarrow_era
from tests.support import Clock

PYARROW_ERA = Path(pyarrow_era.__file__).parent

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SECRET = "Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt"
PASSWORD = "correct horse battery staple"
GOAL_QUERY = {
    "metrics": ["visitors", "events", "conversion_rate"],
    "date_range": "all",
    "dimensions": ["event:goal"],
}
Source = tuple[str, Traffic, str, list[dict[str, Any]]]  # URL, traffic, stats key, goals
# DuckDB, then every other backend under test, then DuckDB again.
CHAIN = [BACKENDS[0], *BACKENDS[1:], BACKENDS[0]]


@contextmanager
def opened(url: str) -> Iterator[Stores]:
    stores = open_stores(url)
    try:
        yield stores
    finally:
        stores.close()


EMBEDS = ("https://blog.example.com", "http://localhost:8080")


def _ask(client: TestClient, key: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    r = client.post("/api/v2/query", headers={"authorization": f"Bearer {key}"}, json=body)
    assert r.status_code == 200, r.text
    results: list[dict[str, Any]] = r.json()["results"]
    return results


def _snapshot(stores: Stores) -> dict[str, Any]:
    """Every row export moves, as the protocols return it."""
    cat, acc = stores.catalog, stores.accounts
    sites = cat.list_sites()
    users = [acc.get_user_by_id(u.id) for u in acc.list_users()]
    return {
        "sites": sites,
        "keys": [cat.find_key(k.prefix) for k in cat.list_keys()],
        "goals": cat.list_goals(),
        "funnels": [(f.site_id, f.name, f.steps) for f in cat.list_funnels()],
        "embeds": {s.id: cat.embed_origins(s.id) for s in sites},
        "shields": [cat.shields(s.id) for s in sites],
        "segments": [
            (g.site_id, g.name, g.filters, g.user_id, g.created_by)
            for s in sites
            for u in [None, *acc.list_users()]
            for g in acc.site_segments(s.id, u.id if u else None)
        ],
        "users": users,
        "memberships": [acc.user_memberships(u.id) for u in acc.list_users()],
        "invitations": [acc.site_invitations(s.id) for s in sites],
        "shares": [acc.site_shares(s.id) for s in sites],
        "events": {s.id: stores.events.count_events(s.id) for s in sites},
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A DuckDB store with the conformance traffic, a goal, a user, a membership, an
    invitation, a shared link and the origins that may embed it; its URL, the traffic, a
    stats key and the goal's conversions."""
    url = CHAIN[0].fresh_url(tmp_path_factory.mktemp("source"))
    traffic = generate(SEED, DAYS, end=NOW.date() - timedelta(days=1))
    settings = load_settings(
        database_url=url, secret_key=SECRET, admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw"
    )
    app = create_app(settings, clock=Clock(NOW))
    stores = app.state.services.stores
    admin = SiteManager(stores, app.state.services.keys)
    site = admin.add_site(traffic.site)
    other = admin.add_site("other.example")  # with shields (no traffic to drop)
    ingest = admin.create_key(traffic.site, parse_scopes("ingest")).key
    stats = admin.create_key(traffic.site, parse_scopes("stats"), "moved").key
    admin.add_goal(traffic.site, page="/pricing")
    accounts = AccountService(stores, SECRET)
    accounts.add_user("owner@example.com", PASSWORD, Role.OWNER)
    accounts.add_user("viewer@example.com", PASSWORD, None, site, Role.VIEWER)
    accounts.invite(site, "new@example.com", Role.ADMIN, "owner@example.com")
    accounts.create_share(site, "board", "share-password")
    stores.catalog.add_funnel(site.id, "Pricing", (FunnelStep("", "/"), FunnelStep("", "/pricing")))
    stores.catalog.set_embed_origins(site.id, EMBEDS)
    stores.catalog.set_shields(other.id, Shields(("*.example",), ("203.0.113.7/24",), ("DE",)))
    owner = accounts.users.get_user("owner@example.com")
    assert owner is not None
    mobile = '[["is","visit:device",["Mobile"]]]'
    stores.accounts.add_segment(site.id, "Mobile", mobile, None, owner.user.id)
    stores.accounts.add_segment(site.id, "Mine", mobile, owner.user.id, owner.user.id)
    with TestClient(app) as client:
        for batch in traffic.batches():
            r = client.post(
                "/api/v1/track/batch", headers={"x-api-key": ingest}, json={"events": batch}
            )
            assert r.status_code == 202 and r.json()["failed"] == 0, r.text
        goals = _ask(client, stats, dict(GOAL_QUERY, site_id=traffic.site))
    assert goals, "the goal converted"
    return url, traffic, stats, goals


def _footfall(*args: str, url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env |= {"FOOTFALL_DATABASE_URL": url, "FOOTFALL_SECRET_KEY": SECRET}
    done = subprocess.run(
        [sys.executable, "-m", "footfall", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_store_moves_between_backends_and_back_unchanged(source: Source, tmp_path: Path) -> None:
    url = source[0]
    for hop, target in enumerate(CHAIN[1:], start=1):
        with opened(url) as from_stores:
            before = _snapshot(from_stores)
        assert before["events"] and all(before["keys"]) and len(before["users"]) == 2
        assert EMBEDS in before["embeds"].values()
        out = tmp_path / f"export-{hop}"
        target_url = target.fresh_url(tmp_path / f"db-{hop}")
        if hop == 1:  # the commands, as an operator runs them
            assert "events in" in _footfall("export", "--to", str(out), url=url)
            _footfall("import", "--from", str(out), url=target_url)
        else:
            with opened(url) as from_stores:
                transfer.export(from_stores, out)
            with opened(target_url) as to_stores:
                transfer.import_(to_stores, out)
        _check_target(target_url, before, source, hop)
        url = target_url


def _check_target(url: str, before: dict[str, Any], source: Source, hop: int) -> None:
    _, traffic, key, goals = source
    settings = load_settings(
        database_url=url, secret_key=SECRET, admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw"
    )
    app = create_app(settings, clock=Clock(NOW))
    stores = app.state.services.stores
    assert _snapshot(stores) == before, f"hop {hop}"
    accounts = AccountService(stores, SECRET)
    assert accounts.authenticate("viewer@example.com", PASSWORD, "127.0.0.1").email
    # New rows get ids of their own after the restored ones.
    assert stores.catalog.add_site(f"after-{hop}.example", "UTC", f"after-{hop}").id > max(
        s.id for s in before["sites"]
    )
    with TestClient(app) as client:  # closes the stores on leaving
        for case in CASES:
            assert _ask(client, key, case.query(traffic)) == case.expected(traffic), case.name
        assert _ask(client, key, dict(GOAL_QUERY, site_id=traffic.site)) == goals


def test_import_refuses_what_clashes_and_what_is_not_an_export(
    source: Source, tmp_path: Path
) -> None:
    url = source[0]
    out = tmp_path / "export"
    with opened(url) as stores:
        transfer.export(stores, out)
        with pytest.raises(ConfigError):
            transfer.export(stores, out)  # not into a directory that has files
        with pytest.raises(ConflictError):
            transfer.import_(stores, out)  # its own sites again
    (out / transfer.MANIFEST).unlink()
    with opened(CHAIN[0].fresh_url(tmp_path)) as empty, pytest.raises(ConfigError):
        transfer.import_(empty, out)


def test_an_export_written_with_pyarrow_still_imports(tmp_path: Path) -> None:
    """An export directory written before arro3 replaced pyarrow (pyarrow's Parquet:
    tests/fixtures/pyarrow_era) imports to what the exported store held."""
    url = BACKENDS[0].fresh_url(tmp_path)
    with opened(url) as stores:
        files = transfer.import_(stores, PYARROW_ERA / "export")
        assert files["events/1/2026-01.parquet"] + files["events/1/2026-02.parquet"] == 24
        assert pyarrow_era.snapshot(stores) == json.loads(
            (PYARROW_ERA / "snapshot.json").read_text()
        )
