"""The storage backends ``make test`` runs, for suites parametrized by backend.

A backend under test says how to make the URL of a fresh, empty database under a
test's directory (the services it needs are started by ``make test``). Adding a
backend to the contract, conformance and chaos suites is one entry in ``BACKENDS``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
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

# DynamoDB runs against the moto_server that `make test` starts (scripts/services/moto.sh
# exports its address). Run by hand without it, the backend is left out, unless
# FOOTFALL_TEST_SERVICES=required (as `make test` sets): then its absence fails.
AWS_ENDPOINT = os.environ.get("FOOTFALL_TEST_AWS_ENDPOINT", "")
if not AWS_ENDPOINT and os.environ.get("FOOTFALL_TEST_SERVICES") == "required":
    raise RuntimeError("FOOTFALL_TEST_AWS_ENDPOINT is not set: moto_server did not start")
_tables = itertools.count(1)
_KEEP_TABLES = 4


def use_moto(endpoint: str = AWS_ENDPOINT) -> None:
    """Point boto3 at moto_server with dummy credentials (this process and its children)."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.pop("AWS_PROFILE", None)


def fresh_table_url(directory: Path) -> str:
    """A table no test used before. Its Parquet cache is the default temp dir's (files
    are named by table and content). Tables of earlier tests are dropped, all but the
    last few: moto copies every item of a table at each TransactWriteItems (to roll
    back), so tables left to grow would make the run quadratic."""
    number = next(_tables)
    if number > _KEEP_TABLES:
        with contextlib.suppress(Exception):  # already gone: fine
            import boto3

            client = boto3.client("dynamodb", region_name="us-east-1")
            client.delete_table(TableName=f"t{os.getpid()}-{number - _KEEP_TABLES}")
    return f"dynamodb://t{os.getpid()}-{number}?region=us-east-1"


if AWS_ENDPOINT:
    use_moto()
    BACKENDS.append(BackendUnderTest("dynamodb", fresh_table_url, shared=True))


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
