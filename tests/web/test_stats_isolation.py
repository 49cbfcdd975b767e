"""A real server on loopback with its stats pool saturated: each caller gets at most its
share (then 429 + Retry-After) and ingest is still answered and stored."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from footfall.config import load_settings
from footfall.sites import SiteManager, parse_scopes
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.support import CHROME_UA

STATS_THREADS = 2
PER_CALLER = 2


@dataclass
class Served:
    url: str
    svc: Services
    admin: SiteManager
    loop: asyncio.AbstractEventLoop
    gate: threading.Event = field(default_factory=threading.Event)
    held: list[Future[object]] = field(default_factory=list)

    def key(self, scopes: str = "stats") -> str:
        return self.admin.create_key("example.com", parse_scopes(scopes)).key

    def on_loop(self, work: Coroutine[Any, Any, object]) -> Future[object]:
        """Run ``work`` on the server's own event loop."""
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    def occupy(self, run: Callable[[Callable[[], None]], Coroutine[Any, Any, object]]) -> None:
        """Hold one thread of a pool (``run`` submits to it) until ``release``."""
        started = threading.Event()

        def hold() -> None:
            started.set()
            self.gate.wait(60)

        self.held.append(self.on_loop(run(hold)))
        assert started.wait(10), "the pool never ran the blocker"

    def release(self) -> None:
        self.gate.set()
        for f in self.held:
            f.result(10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = load_settings(
        database_url=f"duckdb:///{tmp_path}/data/footfall.duckdb",
        secret_key="test-signing-Xq7vR2mK9pLz4wT8nBc3HsY6dF",
        admin_token="test-admin-Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5f",
        flush_interval_ms=2,
        stats_threads=STATS_THREADS,
        stats_per_caller=PER_CALLER,
    )
    app = create_app(settings)
    svc: Services = app.state.services
    admin = SiteManager(svc.stores, svc.keys)
    admin.add_site("example.com")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        threading.Event().wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    found = Served(f"http://127.0.0.1:{port}", svc, admin, loop)
    yield found
    found.gate.set()
    server.should_exit = True
    thread.join(timeout=30)
    loop.close()


def _query(served: Served, key: str) -> httpx.Response:
    return httpx.post(
        f"{served.url}/api/v2/query",
        headers={"authorization": f"Bearer {key}"},
        json={"site_id": "example.com", "metrics": ["visitors"], "date_range": "7d"},
        timeout=30,
    )


def test_a_caller_over_its_share_gets_429_and_others_are_not_refused(served: Served) -> None:
    served.svc.reads.wait = 0.3  # how long an excess query waits for a slot
    for _ in range(STATS_THREADS):  # every stats thread busy: queries queue behind
        served.occupy(lambda hold: served.svc.reads.run(f"other-{id(hold)}", hold))
    greedy, polite = served.key(), served.key()
    extra = 4
    with ThreadPoolExecutor(PER_CALLER + extra + 1) as pool:
        asked = [pool.submit(_query, served, greedy) for _ in range(PER_CALLER + extra)]
        neighbour = pool.submit(_query, served, polite)
        refused = []
        for done in as_completed(asked):
            refused.append(done.result())
            if len(refused) == extra:
                break
        for r in refused:
            assert r.status_code == 429, r.text
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["error"] == "rate_limited"
            assert set(r.json()) == {"error", "detail", "field"}
        # The caller's own share and its neighbour are queued, not refused.
        assert sum(not f.done() for f in asked) == PER_CALLER and not neighbour.done()
        served.release()
        statuses = sorted(f.result().status_code for f in asked)
        assert statuses == [200] * PER_CALLER + [429] * extra
        assert neighbour.result().status_code == 200


def test_ingest_is_answered_while_stats_saturate_their_pool(served: Served) -> None:
    for _ in range(STATS_THREADS):
        served.occupy(lambda hold: served.svc.reads.run(f"other-{id(hold)}", hold))
    # asyncio's default pool too, where stats and the flush of ingest shared threads
    for _ in range(min(32, (os.cpu_count() or 1) + 4)):
        served.occupy(asyncio.to_thread)
    key = served.key()
    with ThreadPoolExecutor(3) as pool:
        waiting = [pool.submit(_query, served, key) for _ in range(PER_CALLER)]
        r = httpx.post(
            f"{served.url}/api/event",
            headers={"user-agent": CHROME_UA, "x-forwarded-for": "81.2.69.7"},
            json={"n": "pageview", "u": "https://example.com/during-stats", "d": "example.com"},
            timeout=30,
        )
        assert r.status_code == 202, r.text
        assert r.headers.get("x-footfall-dropped") is None
        site = served.svc.stores.catalog.get_site("example.com")
        assert site is not None
        stored = served.svc.stores.events.fetch_events(site.id)
        assert [e["pathname"] for e in stored] == ["/during-stats"]
        assert not any(f.done() for f in waiting)  # stats were saturated all along
        served.release()
        assert [f.result().status_code for f in waiting] == [200] * PER_CALLER
