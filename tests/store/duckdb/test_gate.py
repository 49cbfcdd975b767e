"""The statements' gate (store/duckdb/gate.py) on its own: nested passes of a thread
inside never wait on a closing, and closing waits for the statements under way."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from footfall.store.duckdb.gate import Gate


def test_a_thread_inside_passes_again_while_the_gate_is_closing() -> None:
    gate = Gate()
    inside, nested = threading.Event(), threading.Event()
    order: list[str] = []

    def statement() -> None:
        with gate.passing():
            inside.set()
            nested.wait()  # the closing is waiting for us by now, or soon
            with gate.passing():  # would deadlock on a plain writer-preferring lock
                order.append("nested")

    def close() -> bool:
        inside.wait()
        with gate.closed(timeout=60) as shut:
            order.append("closed")
            return shut

    with ThreadPoolExecutor(2) as pool:
        reader = pool.submit(statement)
        closer = pool.submit(close)
        nested.set()
        reader.result()
        assert closer.result()
    assert order == ["nested", "closed"]


def test_closing_is_bounded_and_leaves_the_gate_open() -> None:
    gate = Gate()
    with gate.passing(), ThreadPoolExecutor(1) as pool:
        assert not pool.submit(lambda: gate.closed(0.05).__enter__()).result()
        with gate.passing():  # open: a statement of another thread passes
            pass
        assert pool.submit(lambda: _passes(gate)).result()
    with gate.closed(0) as shut:
        assert shut


def _passes(gate: Gate) -> bool:
    with gate.passing():
        return True
