"""Fill the store's disk during concurrent ingest, free it, restart: every event the
server acknowledged is stored, and while the disk was full it answered 503, not 2xx."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.chaos.conftest import EMBEDDED, Backend, data_dir, deploy
from tests.chaos.load import Load
from tests.disk import small_disk


def ready_again(url: str, within: float = 60) -> bool:
    """Wait (bounded) for /ready to answer 200: the applier retries with backoff."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/ready", timeout=10).status_code == 200:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("backend", EMBEDDED, ids=[b.name for b in EMBEDDED])
def test_a_full_disk_loses_no_acknowledged_event(backend: Backend, tmp_path: Path) -> None:
    with small_disk(data_dir(tmp_path), 40) as disk:
        deployment = deploy(backend, tmp_path)
        server = deployment.server
        server.start()
        load = Load(server.url, deployment.key)
        ready_while_full: list[int] = []
        try:
            with load.running():
                time.sleep(1.5)
                disk.fill()
                load.phase = "full"
                for _ in range(20):
                    time.sleep(0.1)
                    ready_while_full.append(
                        httpx.get(f"{server.url}/ready", timeout=10).status_code
                    )
                load.phase = "freed"
                disk.free()
                time.sleep(2.0)
            assert ready_again(server.url), "/ready did not recover after the disk was freed"
            assert server.stop() in (0, -signal.SIGTERM)
            server.start()  # the restart replays whatever is still journaled
            stored = deployment.stored_paths()
        finally:
            if server.proc is not None:
                server.stop(signal.SIGKILL)

    acked = sorted(load.acked)
    print(f"\ndisk full: acknowledged {len(acked)}, stored {len(stored)}, answers {load.answers}")
    missing = set(acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
    assert len(stored) == len(set(stored)), "an event was stored twice"
    assert load.statuses() <= {202, 503}, load.answers  # never a 5xx other than 503
    assert load.count("full", 503) > 0, load.answers
    assert 503 in ready_while_full, ready_while_full
    assert load.count("before", 202) > 0 and load.count("freed", 202) > 0, load.answers


@pytest.mark.parametrize("backend", EMBEDDED, ids=[b.name for b in EMBEDDED])
def test_shutdown_on_a_full_disk_keeps_what_was_acknowledged(
    backend: Backend, tmp_path: Path
) -> None:
    with small_disk(data_dir(tmp_path), 40) as disk:
        deployment = deploy(backend, tmp_path)
        server = deployment.server
        server.start()
        load = Load(server.url, deployment.key, tag="term")
        try:
            with load.running(singles=2, batchers=2):
                time.sleep(1.0)
                disk.fill()
                load.phase = "full"
                time.sleep(1.0)
            assert server.stop() in (0, -signal.SIGTERM)  # a clean exit, not a crash
            disk.free()
            server.start()
            stored = deployment.stored_paths()
        finally:
            if server.proc is not None:
                server.stop(signal.SIGKILL)
    missing = set(load.acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
    assert load.count("full", 503) > 0, load.answers
