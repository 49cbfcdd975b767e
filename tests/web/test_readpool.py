"""The stats pool: a read still queued at its deadline is a 503, a caller's slot stays
taken until its thread is really done, and its threads run at a lower priority. (A
read past the time limit: tests/store/duckdb/test_time_limit.py.)"""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from footfall import priority
from footfall.errors import OverloadedError, RateLimited
from footfall.store.registry import Stores
from footfall.web.errors import error_response
from footfall.web.readpool import PATIENCE, ReadPool


@pytest.fixture
def pool(stores: Stores) -> Iterator[ReadPool]:
    found = ReadPool(stores.stats, threads=1, per_caller=1, timeout=0.3, wait=0.1)
    yield found
    found.close()


async def test_a_read_still_queued_at_its_deadline_is_refused_as_busy(
    pool: ReadPool, stores: Stores
) -> None:
    gate = threading.Event()
    holding = asyncio.ensure_future(pool.run("a", gate.wait, 5.0))
    queued = asyncio.ensure_future(pool.run("b", int, "1"))
    await asyncio.sleep(pool.timeout * 2)  # b's deadline passes while it waits for a thread
    gate.set()
    assert await holding is True
    with pytest.raises(OverloadedError) as caught:
        await queued
    response = error_response(caught.value)
    assert response.status_code == 503 and "retry-after" in response.headers


async def test_a_callers_slot_is_held_until_its_thread_is_done(pool: ReadPool) -> None:
    gate, started = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(5)

    first = asyncio.ensure_future(pool.run("key:abc", hold))
    assert await asyncio.to_thread(started.wait, 5)
    first.cancel()  # the request went away; its read has not
    with pytest.raises(RateLimited) as caught:
        await pool.run("key:abc", int)
    assert caught.value.status == 429 and caught.value.retry_after >= 1
    assert error_response(caught.value).headers["retry-after"] == str(caught.value.retry_after)
    gate.set()
    for _ in range(100):  # the slot comes back once the thread has finished
        try:
            assert await pool.run("key:abc", int) == 0
            break
        except RateLimited:
            await asyncio.sleep(0.05)
    else:
        pytest.fail("the slot never came back")


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_stats_threads_run_below_request_handling(pool: ReadPool) -> None:
    assert await pool.run("key:abc", _niceness) == _niceness() + priority.NICENESS


def test_threads_started_from_a_lowered_thread_are_lowered_too() -> None:
    """What lowers DuckDB's workers: the store restarts them from a lowered thread."""
    found: list[int] = []

    def start() -> None:
        child = threading.Thread(target=lambda: found.append(_niceness()))
        child.start()
        child.join()

    priority.start_lowered(start)
    assert found == [_niceness() + priority.NICENESS]


@pytest.mark.parametrize("seed", range(5))
async def test_no_caller_ever_runs_more_than_its_share(stores: Stores, seed: int) -> None:
    rng = random.Random(seed)
    per_caller = rng.randint(1, 3)
    pool = ReadPool(
        stores.stats, threads=rng.randint(1, 4), per_caller=per_caller, timeout=30, wait=0.05
    )
    running: Counter[str] = Counter()
    most: Counter[str] = Counter()
    lock = threading.Lock()

    def work(caller: str, seconds: float) -> str:
        with lock:
            running[caller] += 1
            most[caller] = max(most[caller], running[caller])
        threading.Event().wait(seconds)
        with lock:
            running[caller] -= 1
        return caller

    callers = [f"c{n}" for n in range(rng.randint(1, 4))]
    asked = [rng.choice(callers) for _ in range(rng.randint(5, 40))]
    try:
        answers = await asyncio.gather(
            *(pool.run(c, work, c, rng.uniform(0, 0.02)) for c in asked), return_exceptions=True
        )
    finally:
        pool.close()
    for caller, answer in zip(asked, answers, strict=True):
        assert answer == caller or isinstance(answer, RateLimited)
    assert max(most.values()) <= per_caller
    assert all(isinstance(a, str) for a in answers[:per_caller])  # the first always run


async def test_a_patient_caller_waits_for_its_slot_where_others_are_refused(
    stores: Stores,
) -> None:
    """The dashboard's first view (web/dashboard.py: _preloaded) waits for its share
    rather than be refused after the usual wait."""
    pool = ReadPool(stores.stats, threads=2, per_caller=1, timeout=5.0, wait=0.0)
    gate, started = threading.Event(), threading.Event()

    def hold() -> str:
        started.set()
        gate.wait(5)
        return "held"

    async def patient() -> int:
        PATIENCE.set(pool.timeout)
        return await pool.run("user:1", int, "7")

    try:
        first = asyncio.ensure_future(pool.run("user:1", hold))
        assert await asyncio.to_thread(started.wait, 5)
        with pytest.raises(RateLimited):
            await pool.run("user:1", int, "1")  # no patience: refused at once
        waiting = asyncio.ensure_future(patient())
        await asyncio.sleep(0.2)
        assert not waiting.done()  # still waiting for the slot, not refused
        gate.set()
        assert await first == "held"
        assert await waiting == 7
    finally:
        gate.set()
        pool.close()
