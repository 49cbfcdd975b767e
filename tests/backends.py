"""The storage backends ``make test`` runs, for suites parametrized by backend.

A backend under test says how to make the URL of a fresh, empty database under a
test's directory (the services it needs are started by ``make test``). Adding a
backend to the contract, conformance and chaos suites is one entry in ``BACKENDS``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from footfall.store.postgres import PostgresStore
from footfall.store.registry import Stores, open_stores


@dataclass(frozen=True)
class BackendUnderTest:
    name: str
    fresh_url: Callable[[Path], str]  # the URL of a new, empty database
    shared: bool = False  # several processes may open it at once (replicas, the CLI)

    def open(self, directory: Path) -> Stores:
        return open_stores(self.fresh_url(directory))


# `make test` starts the services (scripts/services/) and sets
# FOOTFALL_TEST_SERVICES=required: then a service that did not start fails the run.
# Run by hand without them, the backends that need them are left out.
REQUIRED = os.environ.get("FOOTFALL_TEST_SERVICES") == "required"


def _service(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value and REQUIRED:
        raise RuntimeError(f"{variable} is not set: its service did not start")
    return value


# A PostgreSQL cluster (scripts/services/postgres.sh), as a superuser URL.
POSTGRES_URL = _service("FOOTFALL_TEST_POSTGRES_URL")


def _on_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@cache
def _postgres_template() -> str:
    """A database migrated once, which every fresh one copies (CREATE DATABASE from a
    template takes ~50 ms; migrating takes longer)."""
    name = f"footfall_template_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    PostgresStore(_on_database(POSTGRES_URL, name)).close()
    return name


def fresh_postgres(_: Path) -> str:
    """The URL of a new database, a copy of the migrated template."""
    name = f"footfall_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template()}"')
    return _on_database(POSTGRES_URL, name)


BACKENDS: list[BackendUnderTest] = [
    BackendUnderTest("duckdb", lambda d: f"duckdb:///{d}/footfall.duckdb"),
]
if POSTGRES_URL:
    BACKENDS.append(BackendUnderTest("postgresql", fresh_postgres, shared=True))

# DynamoDB runs against moto_server (scripts/services/moto.sh exports its address).
AWS_ENDPOINT = _service("FOOTFALL_TEST_AWS_ENDPOINT")
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
    last few: moto copies the whole table at each TransactWriteItems (to roll back),
    so tables left to grow would slow the run down."""
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
