"""Parquet files through DuckDB: the DynamoDB engine's day cache, the S3 archive and
``footfall export``/``import`` read and write them with DuckDB's own Parquet reader
and writer (``COPY ... TO``, ``read_parquet``), not with an Arrow library.

One in-memory DuckDB per process, made at first use (one thread: these are small
files, read and written beside requests), and one cursor of it per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from arro3.core import Table
from arro3.core.types import ArrowStreamExportable

_lock = threading.Lock()
_db: duckdb.DuckDBPyConnection | None = None
_local = threading.local()

Error = duckdb.Error  # what a missing, truncated or foreign file raises


def cursor() -> duckdb.DuckDBPyConnection:
    """This thread's cursor (session time zone UTC: times come back as UTC)."""
    cur: duckdb.DuckDBPyConnection | None = getattr(_local, "cur", None)
    if cur is None:
        cur = _local.cur = own_cursor()
    return cur


def own_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the process's DuckDB for the caller alone (its temporary tables,
    a result read across other uses of this thread's): close it when done."""
    global _db
    with _lock:
        if _db is None:
            _db = duckdb.connect(":memory:", config={"threads": "1"})
        cur = _db.cursor()
    cur.execute("SET TimeZone = 'UTC'")
    return cur


def write(data: ArrowStreamExportable, path: Path, compression: str = "snappy") -> None:
    """Arrow data (anything with ``__arrow_c_stream__``) as a Parquet file."""
    cur = cursor()
    cur.register("parquet_out", data)
    try:
        cur.execute(
            f"COPY parquet_out TO $path (FORMAT parquet, COMPRESSION {_codec(compression)})",
            {"path": str(path)},
        )
    finally:
        cur.unregister("parquet_out")


def write_query(sql: str, params: Mapping[str, object], path: Path) -> None:
    """The rows of a SELECT (over ``read_parquet`` ...) as a Parquet file."""
    cursor().execute(f"COPY ({sql}) TO $path (FORMAT parquet)", {**params, "path": str(path)})


def _codec(name: str) -> str:
    if name not in {"snappy", "zstd", "uncompressed"}:
        raise ValueError(f"no Parquet compression {name!r}")
    return name


def num_rows(path: Path) -> int:
    """The rows of a Parquet file, from its footer; duckdb.Error when it is not one."""
    sql = "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata($p)"
    [(rows,)] = cursor().execute(sql, {"p": str(path)}).fetchall()
    return int(rows)


def read(path: Path, columns: str = "*") -> Table:
    """A Parquet file as an Arrow table (``columns``: a select list over it)."""
    rel = cursor().sql(
        f"SELECT {columns} FROM read_parquet($p, hive_partitioning = false)",  # noqa: S608
        params={"p": str(path)},
    )
    return Table.from_arrow(rel)


def rows(path: Path, columns: str, chunk: int) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
    """The rows of a Parquet file as Python values, ``chunk`` at a time, with the
    column names (a cursor of its own: the caller may use this thread's between)."""
    cur = own_cursor()
    try:
        cur.execute(
            f"SELECT {columns} FROM read_parquet($p, hive_partitioning = false)",  # noqa: S608
            {"p": str(path)},
        )
        names = [d[0] for d in cur.description or []]
        while found := cur.fetchmany(chunk):
            yield names, found
    finally:
        cur.close()
