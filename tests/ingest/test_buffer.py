from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import Event, EventColumns
from footfall.errors import OverloadedError, StoreError
from footfall.ingest.buffer import GATHER_LIMIT, FlushStats, WriteBuffer


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
    columns: list[EventColumns] = []  # a flush of events alone is written as events
    buf = WriteBuffer(
        rec.write, interval=0.02, on_flush=flushes.append, write_columns=columns.append
    )
    buf.start()
    await asyncio.gather(*(buf.submit([event(i)]) for i in range(50)))
    assert sorted(i for batch in rec.batches for i in batch) == list(range(50))
    assert columns == []
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


class Gated:
    """A store whose every write waits for its own gate: several may be in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: list[list[int]] = []
        self.most = 0
        self.committed: list[list[int]] = []
        self.gates: dict[int, threading.Event] = {}

    def gate(self, visitor: int) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(visitor, threading.Event())

    def write(self, events: Sequence[Event]) -> None:
        ids = [e.visitor_id for e in events]
        with self.lock:
            self.in_flight.append(ids)
            self.most = max(self.most, len(self.in_flight))
        for i in ids:
            self.gate(i).wait(5)
        with self.lock:
            self.in_flight.remove(ids)
            self.committed.append(ids)


async def until(check: Callable[[], bool]) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_flushes_run_at_once_up_to_the_concurrency_each_answered_at_its_commit() -> None:
    store = Gated()
    buf = WriteBuffer(store.write, interval=0.001, concurrency=2)
    buf.start()
    first = asyncio.create_task(buf.submit([event(1)]))
    await until(lambda: store.in_flight == [[1]])
    second = asyncio.create_task(buf.submit([event(2)]))
    await until(lambda: len(store.in_flight) == 2)
    third = asyncio.create_task(buf.submit([event(3)]))
    await asyncio.sleep(0.05)
    assert len(store.in_flight) == 2 and buf.depth == 3  # the third waits for a slot
    store.gate(2).set()
    await second  # answered at its own commit, the first still in flight
    assert not first.done() and [2] in store.committed
    await until(lambda: [3] in store.in_flight)
    assert not third.done()
    store.gate(1).set()
    store.gate(3).set()
    await asyncio.gather(first, third)
    assert store.most == 2 and buf.depth == 0
    await buf.stop()


async def test_stop_waits_for_every_flush_in_flight() -> None:
    store = Gated()
    buf = WriteBuffer(store.write, interval=0.001, concurrency=3)
    buf.start()
    tasks = []
    for i in range(3):
        tasks.append(asyncio.create_task(buf.submit([event(i)])))
        await until(lambda: len(store.in_flight) == len(tasks))
    stopping = asyncio.create_task(buf.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()
    for i in range(3):
        store.gate(i).set()
    await stopping
    await asyncio.gather(*tasks)
    assert sorted(i for b in store.committed for i in b) == [0, 1, 2]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    concurrency=st.integers(1, 4),
    requests=st.lists(st.tuples(st.integers(1, 5), st.booleans()), min_size=1, max_size=30),
)
def test_every_answer_matches_its_commit_whatever_the_concurrency(
    concurrency: int, requests: list[tuple[int, bool]]
) -> None:
    """Requests of random sizes, some into failing batches: a request succeeds exactly
    when the batch holding its events committed, and no more than ``concurrency``
    batches are ever in flight."""
    failing = {i for i, (_, fails) in enumerate(requests) if fails}

    async def run() -> None:
        lock = threading.Lock()
        state = {"now": 0, "most": 0}
        committed: set[int] = set()

        def write(events: Sequence[Event]) -> None:
            with lock:
                state["now"] += 1
                state["most"] = max(state["most"], state["now"])
            try:
                time.sleep(0.001)
                if any(e.session_id in failing for e in events):
                    raise StoreError("refused")
                with lock:
                    committed.update(e.session_id for e in events)
            finally:
                with lock:
                    state["now"] -= 1

        buf = WriteBuffer(write, interval=0.001, max_events=4, concurrency=concurrency)
        buf.start()

        async def send(n: int, size: int) -> bool:
            await asyncio.sleep(0.0005 * (n % 3))
            batch = [Event(1, datetime(2026, 1, 1, tzinfo=UTC), "pageview", "h", "/", n, n)] * size
            try:
                await buf.submit(batch)
            except OverloadedError:
                return False
            return True

        answers = await asyncio.gather(*(send(n, size) for n, (size, _) in enumerate(requests)))
        await buf.stop()
        for n, ok in enumerate(answers):
            assert ok == (n in committed), n
        assert not failing & committed
        assert state["most"] <= concurrency and buf.depth == 0

    asyncio.run(run())


async def test_quiet_flushes_a_few_events_without_waiting_out_the_interval() -> None:
    """With ``quiet``, events that stop coming are committed once none has come for
    ``quiet``, not after the interval (here a minute: the test would hang)."""
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=60, quiet=0.005)
    buf.start()
    await asyncio.wait_for(asyncio.gather(*(buf.submit([event(i)]) for i in range(20))), 30)
    assert sorted(i for batch in rec.batches for i in batch) == list(range(20))
    await buf.stop()


async def test_quiet_leaves_large_flushes_to_the_interval() -> None:
    """From QUIET_UNDER_EVENTS pending on, the interval decides: a batch of 100 waits
    for company (a flush costs the same for 100 events as for 1)."""
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=0.3, quiet=0.005)
    buf.start()
    started = time.monotonic()
    await buf.submit([event(i) for i in range(100)])
    assert time.monotonic() - started >= 0.25  # not at the first quiet 5 ms
    late = asyncio.create_task(buf.submit([event(100)]))  # after a flush: a new gathering
    await asyncio.wait_for(late, 30)
    assert [len(b) for b in rec.batches] == [100, 1]
    await buf.stop()


@pytest.mark.parametrize("with_columns", [True, False])
async def test_batches_as_columns_and_single_events_share_a_flush(with_columns: bool) -> None:
    """A flush holding a batch's columns writes every part as columns (the embedded
    store), or as events where the store takes only events; nothing lost, in order."""
    rec = Recorder()
    written: list[list[int]] = []

    def write_columns(columns: EventColumns) -> None:
        written.append(columns.named()["visitor_id"])

    buf = WriteBuffer(
        rec.write, interval=0.05, write_columns=write_columns if with_columns else None
    )
    buf.start()
    parts: list[Sequence[Event] | EventColumns] = [
        [event(0)],
        EventColumns.of([event(1), event(2)]),
        [event(3), event(4)],
        EventColumns.of([]),
        EventColumns.of([event(5)]),
    ]
    for part in parts:  # one after the other: submit appends before it waits
        asyncio.get_running_loop().create_task(buf.submit(part))
        await asyncio.sleep(0)
    assert buf.depth == 6
    await buf.stop()
    assert (written if with_columns else rec.batches) == [[0, 1, 2, 3, 4, 5]]
    assert (rec.batches if with_columns else written) == []


async def _request(buf: WriteBuffer, events: list[Event], delay: float) -> None:
    """An ingest request as the hot routes serve one: expected from its start, then
    ``delay`` of work before it submits (nothing when ``events`` is empty)."""
    buf.expect()
    try:
        await asyncio.sleep(delay)
        if events:
            await buf.submit(events)
    finally:
        buf.settle()


@pytest.mark.parametrize("later_submits", [True, False])
async def test_a_full_buffer_waits_for_the_requests_on_their_way(later_submits: bool) -> None:
    """Past max_events, the flush waits for the requests being served (here 0.1 s of
    work, the interval a minute) and then flushes at once: with the later request's
    events, or without them when it ends having submitted none."""
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=60, max_events=5)
    buf.start()
    later = [event(i) for i in range(5, 8)] if later_submits else []
    started = time.monotonic()
    await asyncio.wait_for(
        asyncio.gather(_request(buf, [event(i) for i in range(5)], 0), _request(buf, later, 0.1)),
        30,
    )
    assert 0.09 <= time.monotonic() - started < 30
    assert rec.batches == [list(range(8 if later_submits else 5))]
    await buf.stop()


async def test_a_full_buffer_stops_gathering_at_the_limit() -> None:
    """Requests still on their way never hold a flush past GATHER_LIMIT events."""
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=60, max_events=5)
    buf.start()
    waiting = asyncio.create_task(_request(buf, [], 60))  # never submits
    await asyncio.sleep(0)
    size = GATHER_LIMIT // 2
    batches = [[event(i) for i in range(k * size, (k + 1) * size)] for k in range(2)]
    await asyncio.wait_for(asyncio.gather(*(buf.submit(b) for b in batches)), 30)
    assert [len(b) for b in rec.batches] == [GATHER_LIMIT]
    waiting.cancel()
    await buf.stop()


async def test_a_full_buffer_lets_requests_that_have_come_start_first() -> None:
    """A request whose handler starts a turn of the event loop after the buffer filled
    (its bytes had come) shares the flush; the interval (a minute) is not waited."""
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=60, max_events=5)
    buf.start()

    async def a_turn_later() -> None:
        await asyncio.sleep(0)
        await buf.submit([event(i) for i in range(5, 10)])

    await asyncio.wait_for(
        asyncio.gather(buf.submit([event(i) for i in range(5)]), a_turn_later()), 30
    )
    assert rec.batches == [list(range(10))]
    await buf.stop()


async def test_a_request_is_settled_once_whichever_of_its_tasks_submits() -> None:
    """A task the request starts (its context copied) submits: the request's own end
    settles nothing more, so the count of requests on their way stays right."""
    rec = Recorder()
    buf = WriteBuffer(rec.write, interval=60, max_events=5)
    buf.start()

    async def request() -> None:
        buf.expect()
        try:
            await asyncio.create_task(buf.submit([event(i) for i in range(5)]))
        finally:
            buf.settle()

    await asyncio.wait_for(request(), 30)
    assert buf._coming == 0
    await asyncio.wait_for(buf.submit([event(5)] * 5), 30)  # flushed at once, not in a minute
    await buf.stop()
