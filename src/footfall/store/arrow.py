"""Events as Arrow tables (arro3: the Arrow PyCapsule interface, which DuckDB scans
directly): DuckDB's journal and inserts, and the DynamoDB engine's frames, one column
per field of ``Event``. Parquet is DuckDB's (store/parquet.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from arro3.core import (
    Array,
    ChunkedArray,
    DataType,
    Field,
    RecordBatch,
    Schema,
    Table,
    list_array,
    struct_array,
)

from footfall.domain import EVENT_FIELDS, Event, EventColumns
from footfall.store.sql.records import event_from_values

NAIVE_UTC = DataType.timestamp("us")  # DuckDB's TIMESTAMP columns: UTC without a zone
AWARE_UTC = DataType.timestamp("us", tz="UTC")

_KEY = Field("key", DataType.string(), nullable=False)
_VALUE = Field("value", DataType.string(), nullable=True)
_PROPS = DataType.map(_KEY, _VALUE, False)  # as pyarrow's map_(string, string)
_DECIMAL = DataType.decimal128(18, 4)
_PLACES = Decimal("0.0001")
_TYPES: dict[str, DataType] = {
    "site_id": DataType.int32(),
    "visitor_id": DataType.int64(),
    "session_id": DataType.int64(),
    "props": _PROPS,
    "revenue_amount": _DECIMAL,
    "interactive": DataType.bool(),
}
_STRING = DataType.string()
_TEXT = frozenset(EVENT_FIELDS) - _TYPES.keys() - {"timestamp"}
# The same columns as DuckDB types (a select list casting Parquet to event_schema()).
_DUCKDB_TYPES = {
    "site_id": "INTEGER",
    "visitor_id": "BIGINT",
    "session_id": "BIGINT",
    "props": "MAP(VARCHAR, VARCHAR)",
    "revenue_amount": "DECIMAL(18, 4)",
    "interactive": "BOOLEAN",
    "timestamp": "TIMESTAMP",
}
# What events_to_arrow raises for events that do not fit the schema (a site id past
# int32, text where a number goes, a revenue amount past decimal(18, 4)).
SCHEMA_ERRORS = (TypeError, ValueError, ArithmeticError)


@cache
def event_schema(time: DataType = NAIVE_UTC) -> Schema:
    types = _TYPES | {"timestamp": time}
    return Schema([Field(n, types.get(n, DataType.string()), nullable=True) for n in EVENT_FIELDS])


def duckdb_columns(replace: Mapping[str, str] | None = None) -> str:
    """A select list giving the event columns in ``event_schema()``'s types, in its
    order (``replace``: SQL for some columns instead)."""
    sql = replace or {}
    return ", ".join(
        f'{sql[n]} AS "{n}"'
        if n in sql
        else f'CAST("{n}" AS {_DUCKDB_TYPES.get(n, "VARCHAR")}) AS "{n}"'
        for n in EVENT_FIELDS
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(stamps: Sequence[datetime]) -> list[int]:
    """Microseconds since the epoch of aware datetimes; each distinct instant once
    (a batch's events often share one: the time it arrived)."""
    seen: dict[datetime, int] = {}
    out: list[int] = []
    for ts in stamps:
        us = seen.get(ts)
        if us is None:
            aware = ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)  # as Arrow reads it
            us = seen[ts] = (aware - _EPOCH) // _MICROSECOND
        out.append(us)
    return out


def timestamps(micros: Sequence[int], time: DataType = NAIVE_UTC) -> Array:
    """Integers, not datetimes: arro3 builds no timestamp array from Python objects,
    and Arrow converted an aware datetime at ~1.5 us each."""
    return Array(micros, DataType.int64()).cast(time)


def datetimes_array(stamps: Sequence[datetime], time: DataType = NAIVE_UTC) -> Array:
    return timestamps(_micros(stamps), time)


_CONSTANT_ROWS = 4096
_REPEAT_ROWS = 1024  # of a cached array of one value (the bound keeps them small)
_REPEAT_CHARS = 64  # the longest value such an array is cached for


@cache
def _constant(kind: str) -> Array:
    """A long array of one value: its slices stand for the columns a batch leaves
    empty (most UTM fields, region, city, props, revenue), ~5 us less a column than
    building one (a slice is written to the journal truncated, as a built array)."""
    if kind == "props":
        return _build_props([None] * _CONSTANT_ROWS)
    if kind == "amount":
        return Array([None] * _CONSTANT_ROWS, DataType.string()).cast(_DECIMAL)
    return Array([""] * _CONSTANT_ROWS, DataType.string())


@lru_cache(maxsize=64)
def _repeated(value: str) -> Array:
    return Array([value] * _REPEAT_ROWS, DataType.string())


def _same_text(values: Sequence[Any]) -> Array | None:
    """A slice of a cached array when every value of a text column is one short string
    (a batch's name and host, often its referrer, browser, OS, country; the columns it
    leaves empty): building the column costs ~4 us plus ~25 ns a value, the check and
    the slice ~1-2 us. (Besides the empty one, at most 64 arrays of 1,024 values of
    up to 64 characters are kept, 4.5 MB at worst; a value not cached costs ~25 us.)"""
    n = len(values)
    if not 0 < n <= _CONSTANT_ROWS:
        return None
    first = values[0]
    if type(first) is not str or len(first) > _REPEAT_CHARS or values.count(first) != n:
        return None
    if not first:
        return _constant("text").slice(0, n)
    return _repeated(first).slice(0, n) if n <= _REPEAT_ROWS else None


def props_array(props: Sequence[Mapping[str, str] | None]) -> Array:
    if len(props) <= _CONSTANT_ROWS and not any(props):
        return _constant("props").slice(0, len(props))
    return _build_props(props)


def _build_props(props: Iterable[Mapping[str, str] | None]) -> Array:
    """A map<string, string> array. arro3 builds none from Python objects, but a map's
    C-interface layout is a list<struct<key, value>>'s (the Arrow format's "Map"
    layout), so the list array built from the flattened pairs is handed over as a map."""
    keys: list[str] = []
    values: list[str] = []
    offsets = [0]
    for p in props:
        if p:
            keys.extend(p)
            values.extend(p.values())
        offsets.append(len(keys))
    entries = struct_array(
        [Array(keys, DataType.string()), Array(values, DataType.string())], fields=[_KEY, _VALUE]
    )
    pairs = list_array(Array(offsets, DataType.int32()), entries)
    _, data = pairs.__arrow_c_array__()
    return Array.from_arrow_pycapsule(_PROPS.__arrow_c_schema__(), data)


def amounts_array(amounts: Sequence[str | Decimal | None]) -> Array:
    """decimal(18, 4) from exact decimal text; ArithmeticError for what does not fit
    (more than 4 places, 14 digits before the point) instead of a silent NULL."""
    if len(amounts) <= _CONSTANT_ROWS and all(a is None for a in amounts):
        return _constant("amount").slice(0, len(amounts))
    text: list[str | None] = []
    for a in amounts:
        if a is None:
            text.append(None)
            continue
        exact = Decimal(a)  # InvalidOperation (an ArithmeticError) for non-numbers
        if exact.quantize(_PLACES) != exact:
            raise ArithmeticError(f"revenue amount {a} has more than 4 decimal places")
        text.append(format(exact, "f"))
    out = Array(text, DataType.string()).cast(_DECIMAL)
    if out.null_count != sum(t is None for t in text):
        raise ArithmeticError("a revenue amount does not fit decimal(18, 4)")
    return out


# Rows of events in Arrow: a table, or the one record batch a flush builds.
Rows = Table | RecordBatch


def columns_to_arrow(columns: dict[str, Any], time: DataType = NAIVE_UTC) -> Table:
    """A table of ``event_schema(time)`` from one Python sequence per field: the
    timestamps as microseconds since the epoch, props as dicts, amounts as text."""
    return Table.from_arrays(_arrays(columns, time), schema=event_schema(time))


def _arrays(columns: dict[str, Any], time: DataType) -> list[Array]:
    arrays: list[Array] = []
    for name in EVENT_FIELDS:
        values = columns[name]
        if name == "timestamp":
            arrays.append(timestamps(values, time))
        elif name == "props":
            arrays.append(props_array(values))
        elif name == "revenue_amount":
            arrays.append(amounts_array(values))
        elif (same := _same_text(values) if name in _TEXT else None) is not None:
            arrays.append(same)
        else:
            arrays.append(Array(values, _TYPES.get(name, _STRING)))
    return arrays


def _columns(events: Sequence[Event] | EventColumns) -> dict[str, Any]:
    """Rows transposed in C (``EventColumns.of``: ``attrgetter`` + ``zip``), or a
    batch's columns as the pipeline made them; the timestamps as microseconds."""
    columns = (events if isinstance(events, EventColumns) else EventColumns.of(events)).named()
    columns["timestamp"] = _micros(columns["timestamp"])
    return columns


def events_to_arrow(events: Sequence[Event] | EventColumns, time: DataType = NAIVE_UTC) -> Table:
    """Column-wise conversion, no per-row Arrow calls."""
    if not events:
        return Table.from_batches([], schema=event_schema(time))
    return columns_to_arrow(_columns(events), time)


def events_to_batch(events: Sequence[Event] | EventColumns) -> RecordBatch:
    """``events_to_arrow`` as one record batch (of at least one event): what the
    embedded store journals and merges (``concat`` takes it as it is; a table's
    ``to_batches`` cost ~40 us, a third of the merge thread's time; issue 17)."""
    return RecordBatch.from_arrays(_arrays(_columns(events), NAIVE_UTC), schema=event_schema())


# arro3 combines chunks holding the GIL (~1.5 us a row of events): combined at once,
# the ~30k rows of a busy second's apply held it ~20 ms at a time, and the event loop
# waited (batch ingest's p99, docs/performance.md). Chunks of about this many rows keep
# each hold to a few milliseconds; DuckDB's Arrow scan pays per chunk, so few of them.
CHUNK_ROWS = 4096


def concat(tables: Sequence[Rows], schema: Schema | None = None) -> Table:
    """The tables' rows in one table of chunks of about CHUNK_ROWS rows (DuckDB's
    Arrow scan pays per chunk; each chunk is combined by one call holding the GIL).
    A batch of CHUNK_ROWS rows or more that comes between chunks is kept as it is (the
    applier's merged ones); every chunk but the last has CHUNK_ROWS rows or more."""
    schema = schema or tables[0].schema
    chunks: list[RecordBatch] = []
    group: list[RecordBatch] = []
    rows = 0

    def combine() -> None:
        nonlocal group, rows
        if len(group) == 1:
            chunks.append(group[0])
        elif group:
            chunks.extend(Table.from_batches(group, schema=schema).combine_chunks().to_batches())
        group, rows = [], 0

    batches = (b for t in tables for b in ([t] if isinstance(t, RecordBatch) else t.to_batches()))
    for batch in batches:
        if not group and batch.num_rows >= CHUNK_ROWS:
            chunks.append(batch)
            continue
        group.append(batch)
        rows += batch.num_rows
        if rows >= CHUNK_ROWS:
            combine()
    combine()
    return Table.from_batches(chunks, schema=schema)


_numbers: list[Array] = []  # 0, 1, 2, ... as one array, grown when a table is longer


def with_row_numbers(table: Table, name: str = "row_no") -> Table:
    """``table`` with one more column, ``name``: each row's number (int64, from 0).
    The numbers are slices of one array kept for the purpose (building 50,000 from a
    list holds the GIL ~5 ms)."""
    numbers = _numbers[0] if _numbers else None  # one read: another thread may grow it
    if numbers is None or len(numbers) < table.num_rows:
        size = max(table.num_rows, 2 * len(numbers) if numbers is not None else 65_536)
        numbers = Array(range(size), DataType.int64())
        _numbers[:] = [numbers]
    chunks, at = [], 0
    for length in table.chunk_lengths:
        chunks.append(numbers.slice(at, length))
        at += length
    column = ChunkedArray(chunks, type=DataType.int64())
    return table.append_column(Field(name, DataType.int64(), nullable=False), column)


def column_values(column: ChunkedArray) -> list[Any]:
    return [v for chunk in column.chunks for v in chunk.to_pylist()]


def events_from_arrow(table: Table) -> list[Event]:
    """The events of a table of ``event_schema`` (either time type)."""
    names = table.column_names
    columns = [column_values(table.column(n)) for n in names]
    rows = zip(*columns, strict=True)
    return [event_from_values(dict(zip(names, row, strict=True))) for row in rows]
