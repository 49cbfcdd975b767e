"""SIGKILL the server again and again during concurrent ingest, at moments that land
in the middle of group commits and of applies: every acknowledged event survives, once."""

from __future__ import annotations

import contextlib
import random
import signal
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.chaos.conftest import Backend, deploy
from tests.chaos.load import Load


def test_repeated_kill_9_loses_no_acknowledged_event(backend: Backend, tmp_path: Path) -> None:
    deployment = deploy(backend, tmp_path)
    server = deployment.server
    rng = random.Random(7)
    loads: list[Load] = []
    for round_ in range(3):
        server.start()  # after the first round: recovery from a killed process
        load = Load(server.url, deployment.key, tag=f"r{round_}")
        loads.append(load)
        # Requests in flight when the process dies fail on the client: expected.
        with contextlib.suppress(httpx.HTTPError), load.running(singles=3, batchers=3):
            time.sleep(rng.uniform(0.8, 2.5))
            server.stop(signal.SIGKILL)
    server.start()
    try:
        stored = deployment.stored_paths()
    finally:
        server.stop()
    acked = [path for load in loads for path in load.acked]
    assert len(acked) > 500, "the load acknowledged too little to prove anything"
    missing = set(acked) - set(stored)
    answers = sum((load.answers for load in loads), Counter[tuple[str, int]]())
    print(f"\nkill -9 x3: acknowledged {len(acked)}, stored {len(stored)}, answers {answers}")
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
    assert len(stored) == len(set(stored)), "an event was stored twice"
