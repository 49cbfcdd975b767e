"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext, ConsoleMessage

from footfall.config import Settings, load_settings
from footfall.sites import SiteManager
from footfall.web.services import Services

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def settings_for(directory: Path, **overrides: object) -> Settings:
    """Settings of a throwaway app: an embedded store in ``directory``, test secrets."""
    return load_settings(
        database_url=f"duckdb:///{directory}/footfall.duckdb",
        secret_key="Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt",
        admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw",
        **overrides,
    )


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 10, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Running:
    """A started app with its services and an HTTP client (lifespan included)."""

    client: TestClient
    svc: Services
    admin: SiteManager

    def key(self, domain: str, scopes: str = "ingest") -> str:
        from footfall.sites import parse_scopes

        return self.admin.create_key(domain, parse_scopes(scopes)).key

    def events(self, domain: str) -> list[dict[str, object]]:
        site = self.svc.stores.catalog.get_site(domain)
        assert site is not None
        return self.svc.stores.events.fetch_events(site.id)

    def operator_get(self, path: str) -> httpx2.Response:
        """GET an operations view (/metrics, /openapi.json, /docs) with the admin token."""
        token = {"authorization": f"Bearer {self.svc.admin_token}"}
        return self.client.get(path, headers=token)


# Reports every Content-Security-Policy violation of a page to its console: a blocked
# script breaks a page silently, so browser tests assert that none happened.
_CSP_PROBE = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""


def watch_csp(context: BrowserContext, seen: list[str] | None = None) -> list[str]:
    """Collect the CSP violations of every page of ``context`` (into ``seen``)."""
    found = [] if seen is None else seen
    context.add_init_script(_CSP_PROBE)

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if text.startswith("CSP violation") or "Content Security Policy" in text:
            found.append(text)

    context.on("console", on_console)
    return found


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, never a downloaded browser; the flags keep it off the closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Test sites get real-looking names: http://shop.test:PORT/ is served on loopback.
    "--host-resolver-rules=MAP *.test 127.0.0.1",
]


@dataclass
class Live:
    """The real app served by uvicorn on a free loopback port, in this process."""

    url: str
    svc: Services
    admin: SiteManager
    server: Any = None

    def key(self, domain: str, scopes: str = "stats") -> str:
        from footfall.sites import parse_scopes

        return self.admin.create_key(domain, parse_scopes(scopes)).key

    def flush(self) -> None:
        """Wait until every acknowledged event is committed (the buffer is empty)."""
        import time

        deadline = time.monotonic() + 10
        while self.svc.buffer is not None and self.svc.buffer.depth and time.monotonic() < deadline:
            time.sleep(0.01)

    def query(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        self.flush()
        answer = httpx.post(
            f"{self.url}/api/v2/query", json=body, headers={"authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def cli(self, settings: Settings, *args: str, stdin: str | None = None) -> str:
        """Run `footfall ARGS` against this server the way the CLI finds a running one
        (its ``server.json``); its stdout, after asserting it succeeded."""
        import json
        import subprocess
        import sys

        data_dir = settings.data_dir
        assert data_dir is not None
        (data_dir / "server.json").write_text(json.dumps({"url": self.url, "pid": os.getpid()}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
        env |= {
            "FOOTFALL_DATABASE_URL": settings.database_url,
            "FOOTFALL_SECRET_KEY": settings.secret_key,
            "FOOTFALL_ADMIN_TOKEN": settings.admin_token,
        }
        done = subprocess.run(
            [sys.executable, "-m", "footfall", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@contextmanager
def serving(app: Any, port: int = 0) -> Iterator[tuple[str, Any]]:
    """``app`` served by uvicorn on loopback in a thread (``port`` 0: a free one): its
    URL and the server, stopped after the block."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def parquet_rows(body: bytes) -> list[dict[str, Any]]:
    """The rows of a Parquet file's bytes (an S3 object), as DuckDB reads them."""
    import tempfile

    from footfall.store import parquet

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.parquet"
        path.write_bytes(body)
        return [
            dict(zip(names, row, strict=True))
            for names, rows in parquet.rows(path, "*", 10_000)
            for row in rows
        ]
