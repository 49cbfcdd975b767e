"""The conformance suite: generated traffic with known answers, sent through the real
ingest endpoint with historical timestamps, every case asked of ``POST /api/v2/query``.

Parametrized by store: a new backend adds its URL to ``BACKENDS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footfall.config import load_settings
from footfall.sites_admin import Admin, parse_scopes
from footfall.web.app import create_app
from tests.conformance.cases import CASES, DAYS, SEED, Case
from tests.conformance.traffic import Traffic, generate
from tests.support import Clock

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BACKENDS = ["duckdb"]


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, str, Traffic]]:
    tmp: Path = tmp_path_factory.mktemp(f"conformance-{request.param}")
    settings = load_settings(
        database_url=f"duckdb:///{tmp}/c.duckdb", secret_key="k" * 40, admin_token="a" * 40
    )
    app = create_app(settings, clock=Clock(NOW))
    traffic = generate(SEED, DAYS, end=NOW.date() - timedelta(days=1))
    admin = Admin(app.state.services.store, app.state.services.keys)
    admin.add_site(traffic.site)
    ingest = admin.create_key(traffic.site, parse_scopes("ingest")).key
    stats = admin.create_key(traffic.site, parse_scopes("stats")).key
    with TestClient(app) as client:
        for batch in traffic.batches():
            r = client.post(
                "/api/v1/track/batch", headers={"x-api-key": ingest}, json={"events": batch}
            )
            assert r.status_code == 202, r.text
            assert r.json()["failed"] == 0, r.json()["errors"][:3]
        yield client, stats, traffic


def test_bots_were_dropped_not_stored(loaded: tuple[TestClient, str, Traffic]) -> None:
    client, _, traffic = loaded
    metrics = client.get("/metrics", headers={"authorization": f"Bearer {'a' * 40}"}).text
    bots = sum(1 for e in traffic.events if e.is_bot)
    dropped = [ln for ln in metrics.splitlines() if ln.startswith("footfall_events_dropped_total")]
    assert sum(float(ln.split()[-1]) for ln in dropped) == bots


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(loaded: tuple[TestClient, str, Traffic], case: Case) -> None:
    client, key, traffic = loaded
    r = client.post(
        "/api/v2/query", headers={"authorization": f"Bearer {key}"}, json=case.query(traffic)
    )
    assert r.status_code == 200, r.text
    got: list[dict[str, Any]] = r.json()["results"]
    assert got == case.expected(traffic)
