"""A started app with an owner signed in and generated traffic on example.com."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.web.access import SESSION_COOKIE
from tests.support import Running
from tests.web.dashboard import traffic


@dataclass
class Dash:
    running: Running
    accounts: AccountService
    csrf: str
    stats_key: str

    def query(self, body: Mapping[str, Any], **headers: str) -> dict[str, Any]:
        r = self.running.client.post(
            "/api/dashboard/example.com/query",
            json=body,
            headers={"x-csrf-token": self.csrf, **headers},
        )
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    def v2(self, body: Mapping[str, Any]) -> dict[str, Any]:
        r = self.running.client.post(
            "/api/v2/query",
            json={"site_id": "example.com", **body},
            headers={"authorization": f"Bearer {self.stats_key}"},
        )
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer


@pytest.fixture
def dash(running: Running) -> Iterator[Dash]:
    accounts: AccountService = running.client.app.state.accounts  # type: ignore[attr-defined]
    owner = accounts.add_user("owner@example.com", "correct horse battery staple", Role.OWNER)
    token = accounts.start_session(owner)
    signed = accounts.signed_in(token)
    assert signed is not None
    running.client.cookies.set(SESSION_COOKIE, token)
    ingest = running.key("example.com")
    events = traffic.events("example.com", running.svc.clock())
    for i in range(0, len(events), 1000):
        r = running.client.post(
            "/api/v1/track/batch",
            headers={"x-api-key": ingest},
            json={"events": events[i : i + 1000]},
        )
        assert r.status_code == 202 and r.json()["failed"] == 0, r.text
    yield Dash(running, accounts, signed.csrf_token, running.key("example.com", "stats"))
    running.client.cookies.clear()
