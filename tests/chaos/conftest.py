"""The fault suite: real servers on loopback, real faults, for every backend under test
(tests/backends.py). A server's store lives under its work directory's
``footfall-data`` (the whole store, for an embedded backend: the disk a full-disk
fault fills; the URL of a fresh database, for the others).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.backends import BACKENDS, BackendUnderTest, backend
from tests.integration.conftest import Server, free_port

__all__ = ["backend"]


Backend = BackendUnderTest
EMBEDDED = [b for b in BACKENDS if not b.shared]  # their bytes are in the data dir


def data_dir(workdir: Path) -> Path:
    """Where a deployment's server keeps its data (all of it, when embedded)."""
    return workdir / "footfall-data"


def store_env(backend: Backend, workdir: Path) -> dict[str, str]:
    return {"FOOTFALL_DATABASE_URL": backend.fresh_url(data_dir(workdir))}


@dataclass
class Deployment:
    """A server on one backend, with a site and a key for ingest and stats."""

    server: Server
    key: str
    domain: str = "example.com"

    def stored_paths(self) -> list[str]:
        """Every page the stats API counts, with its pageviews (one page per event)."""
        paths: list[str] = []
        with httpx.Client(base_url=self.server.url, timeout=60) as http:
            for offset in range(0, 10_000_000, 5000):
                body: dict[str, Any] = {
                    "site_id": self.domain,
                    "metrics": ["pageviews"],
                    "date_range": "all",
                    "dimensions": ["event:page"],
                    "pagination": {"limit": 5000, "offset": offset},
                }
                r = http.post(
                    "/api/v2/query", json=body, headers={"authorization": f"Bearer {self.key}"}
                )
                assert r.status_code == 200, r.text
                rows = r.json()["results"]
                for row in rows:
                    paths.extend([row["dimensions"][0]] * row["metrics"][0])
                if len(rows) < 5000:
                    return sorted(paths)
        raise AssertionError("more pages than any test sends")


def deploy(backend: Backend, workdir: Path) -> Deployment:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env |= store_env(backend, workdir) | {
        "FOOTFALL_LOG_LEVEL": "WARNING",
        "FOOTFALL_SECRET_KEY": "chaos-signing-Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1",
        "FOOTFALL_ADMIN_TOKEN": "chaos-admin-Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0",
    }
    server = Server(workdir, free_port(), env)
    assert server.cli("site", "add", "example.com").returncode == 0
    made = server.cli(
        "key", "create", "--site", "example.com", "--scopes", "ingest,stats", "--json"
    )
    assert made.returncode == 0, made.stderr
    return Deployment(server, json.loads(made.stdout)["key"])
