"""The store's time limit stops a running DuckDB query in the engine (interrupt) and
never touches another statement or another thread's query."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.errors import QueryTimeout, StoreError
from footfall.store.duckdb import DuckDBStore
from footfall.web.errors import error_response
from footfall.web.readpool import ReadPool

# ~10^10 row pairs: a minute or more of work on two cores, unless it is interrupted.
SLOW = "SELECT count(*) FROM range(100000000) a, range(100) b WHERE a.range + b.range = -1"


def test_a_slow_read_is_interrupted_with_a_clear_error(store: DuckDBStore) -> None:
    with store.time_limit(0.2), pytest.raises(QueryTimeout) as caught:
        store.read(SLOW, {})
    error = caught.value
    assert error.status == 400
    assert error.as_json() == {
        "error": "query_timeout",
        "detail": error.detail,
        "field": "date_range",
    }
    assert "0.2 s" in error.detail and "narrow the date range" in error.detail
    assert "SELECT" not in error.detail and "range(" not in error.detail
    # The thread's cursor works again once the limit is left.
    assert store.read("SELECT 42", {}) == [(42,)]


def test_reads_after_the_deadline_are_refused_without_running(store: DuckDBStore) -> None:
    with store.time_limit(0.2):
        with pytest.raises(QueryTimeout):
            store.read(SLOW, {})
        with pytest.raises(QueryTimeout):
            store.read("SELECT 1", {})
    assert store.read("SELECT 1", {}) == [(1,)]


# One store for every example, on purpose: its cursor carries over between them.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.floats(0.001, 0.05), reads=st.integers(1, 200))
def test_an_interrupt_reaches_only_the_statement_it_was_set_for(
    store: DuckDBStore, limit: float, reads: int
) -> None:
    """Quick reads racing their deadline: each answers right or times out, never with
    another error, and nothing is left pending for the reads after the block."""
    with store.time_limit(limit):
        for i in range(reads):
            with contextlib.suppress(QueryTimeout):
                assert store.read("SELECT $i * 2", {"i": i}) == [(i * 2,)]
    for i in range(20):
        assert store.read("SELECT $i + 1", {"i": i}) == [(i + 1,)]


def test_one_threads_limit_does_not_stop_another_threads_reads(store: DuckDBStore) -> None:
    slow_done = threading.Event()
    outcome: list[BaseException] = []

    def slow() -> None:
        try:
            with store.time_limit(0.5):
                store.read(SLOW, {})
        except BaseException as exc:  # handed to the main thread
            outcome.append(exc)
        finally:
            slow_done.set()

    thread = threading.Thread(target=slow)
    thread.start()
    answered = 0
    try:
        while not slow_done.is_set() or answered == 0:
            assert store.read("SELECT count(*) FROM range(1000)", {}) == [(1000,)]
            answered += 1
    finally:
        thread.join()
    assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeout)
    assert not isinstance(outcome[0], StoreError)


@pytest.fixture
def pool(store: DuckDBStore) -> Iterator[ReadPool]:
    found = ReadPool(store, threads=1, per_caller=1, timeout=0.3, wait=0.1)
    yield found
    found.close()


async def test_a_slow_read_is_interrupted_and_answered_as_json(
    pool: ReadPool, store: DuckDBStore
) -> None:
    with pytest.raises(QueryTimeout) as caught:
        await pool.run("key:abc", store.read, SLOW, {})
    response = error_response(caught.value)
    assert response.status_code == 400
    body = orjson.loads(bytes(response.body))
    assert body["error"] == "query_timeout" and body["field"] == "date_range"
    assert "narrow the date range" in body["detail"] and "SELECT" not in body["detail"]
    # The same thread and caller answer the next read.
    assert await pool.run("key:abc", store.read, "SELECT 7", {}) == [(7,)]
