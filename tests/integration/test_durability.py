"""SIGKILL the server during concurrent ingest: every acknowledged event survives."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from footfall.store.duckdb import DuckDBStore
from tests.integration.conftest import Server
from tests.support import CHROME_UA


def test_kill_9_loses_no_acknowledged_event(server: Server) -> None:
    server.cli("site", "add", "example.com")
    key = server.cli("key", "create", "--site", "example.com", "--json").stdout
    import json

    token = json.loads(key)["key"]
    server.start()
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def single(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=5) as http:
            n = 0
            while not stop.is_set():
                path = f"/s{worker}-{n}"
                n += 1
                try:
                    r = http.post(
                        "/api/event",
                        headers={"user-agent": CHROME_UA},
                        content=json.dumps({"n": "pageview", "u": f"https://example.com{path}"}),
                    )
                except httpx.HTTPError:
                    return
                if r.status_code == 202:
                    with lock:
                        acked.append(path)

    def batches(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=5, headers={"x-api-key": token}) as http:
            n = 0
            while not stop.is_set():
                paths = [f"/b{worker}-{n}-{i}" for i in range(50)]
                n += 1
                body = {
                    "events": [
                        {
                            "url": f"https://example.com{p}",
                            "user_agent": CHROME_UA,
                            "ip": f"198.51.100.{i}",
                        }
                        for i, p in enumerate(paths)
                    ]
                }
                try:
                    r = http.post("/api/v1/track/batch", json=body)
                except httpx.HTTPError:
                    return
                if r.status_code == 202:
                    with lock:
                        acked.extend(paths)

    threads = [threading.Thread(target=single, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=batches, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    server.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(10)
    with lock:
        expected = set(acked)
    assert len(expected) > 200, "load generator acknowledged too little to prove anything"

    server.start()  # restarts on the crashed file (WAL replay)
    assert server.stop() in (0, -signal.SIGTERM)
    store = DuckDBStore(str(server.db_path))
    site = store.get_site("example.com")
    assert site is not None
    rows = store._cur.execute("SELECT pathname FROM events WHERE site_id = ?", [site.id]).fetchall()
    store.close()
    stored = {r[0] for r in rows}
    missing = expected - stored
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
