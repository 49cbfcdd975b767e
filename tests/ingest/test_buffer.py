from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from footfall.domain import Event
from footfall.errors import OverloadedError, StoreError
from footfall.ingest.buffer import FlushStats, WriteBuffer


def event(n: int) -> Event:
    return Event(1, datetime(2026, 1, 1, tzinfo=UTC), "pageview", "h", f"/{n}", n, n)


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail = False

    def write(self, events: Sequence[Event]) -> None:
        self.gate.wait(5)
        if self.fail:
            raise StoreError("disk on fire")
        self.batches.append([e.visitor_id for e in events])


async def test_concurrent_requests_share_one_commit() -> None:
    rec = Recorder()
    flushes: list[FlushStats] = []
    buf = WriteBuffer(rec.write, interval=0.02, on_flush=flushes.append)
    buf.start()
    await asyncio.gather(*(buf.submit([event(i)]) for i in range(50)))
    assert sorted(i for batch in rec.batches for i in batch) == list(range(50))
    assert len(rec.batches) <= 2
    assert flushes[0].events == len(rec.batches[0])
    await buf.stop()


async def test_submit_returns_only_after_commit() -> None:
    rec = Recorder()
    rec.gate.clear()
    buf = WriteBuffer(rec.write, interval=0.001)
    buf.start()
    task = asyncio.create_task(buf.submit([event(1)]))
    await asyncio.sleep(0.05)
    assert not task.done() and buf.depth == 1
    rec.gate.set()
    await task
    assert rec.batches == [[1]] and buf.depth == 0
    await buf.stop()


async def test_full_buffer_refuses_instead_of_queueing() -> None:
    rec = Recorder()
    rec.gate.clear()
    buf = WriteBuffer(rec.write, interval=0.001, high_water=10)
    buf.start()
    first = asyncio.create_task(buf.submit([event(i) for i in range(8)]))
    await asyncio.sleep(0.02)
    with pytest.raises(OverloadedError):
        await buf.submit([event(i) for i in range(3)])
    rec.gate.set()
    await first
    await buf.submit([event(9)])  # room again
    await buf.stop()


async def test_store_failure_reaches_every_waiter_and_buffer_survives() -> None:
    rec = Recorder()
    rec.fail = True
    buf = WriteBuffer(rec.write, interval=0.001)
    buf.start()
    results = await asyncio.gather(
        *(buf.submit([event(i)]) for i in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, OverloadedError) for r in results)
    rec.fail = False
    await buf.submit([event(7)])
    assert rec.batches == [[7]]
    await buf.stop()


async def test_size_trigger_flushes_before_the_interval() -> None:
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=10.0, max_events=5)
    buf.start()
    await asyncio.wait_for(buf.submit([event(i) for i in range(5)]), timeout=2)
    await buf.stop()


async def test_stop_flushes_pending_and_then_refuses() -> None:
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=10.0)
    buf.start()
    pending = asyncio.create_task(buf.submit([event(1), event(2)]))
    await asyncio.sleep(0.01)
    await buf.stop()
    await pending
    assert rec.batches == [[1, 2]]
    with pytest.raises(OverloadedError):
        await buf.submit([event(3)])
