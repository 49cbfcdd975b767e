"""The storage backends ``make test`` runs, for suites parametrized by backend.

A backend under test says how to make the URL of a fresh, empty database under a
test's directory (the services it needs are started by ``make test``). Adding a
backend to the contract, conformance and chaos suites is one entry in ``BACKENDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from footfall.store.registry import Stores, open_stores


@dataclass(frozen=True)
class BackendUnderTest:
    name: str
    fresh_url: Callable[[Path], str]  # the URL of a new, empty database
    shared: bool = False  # several processes may open it at once (replicas, the CLI)

    def open(self, directory: Path) -> Stores:
        return open_stores(self.fresh_url(directory))


BACKENDS: list[BackendUnderTest] = [
    BackendUnderTest("duckdb", lambda d: f"duckdb:///{d}/footfall.duckdb"),
]


def by_backend() -> pytest.MarkDecorator:
    """Parametrize a test's ``backend`` argument by every backend under test."""
    return pytest.mark.parametrize("backend", BACKENDS, ids=[b.name for b in BACKENDS])


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> BackendUnderTest:
    chosen: BackendUnderTest = request.param
    return chosen


@pytest.fixture
def stores(backend: BackendUnderTest, tmp_path: Path) -> Iterator[Stores]:
    """A fresh database on each backend under test, closed afterwards."""
    opened = backend.open(tmp_path)
    yield opened
    opened.close()
