"""Events as Arrow tables: DuckDB's journal and inserts, and the Parquet files of
``footfall export`` (footfall/transfer.py), one column per field of ``Event``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from footfall.domain import Event
from footfall.store.sql.records import event_from_values

NAIVE_UTC = pa.timestamp("us")  # DuckDB's TIMESTAMP columns: UTC without a zone
AWARE_UTC = pa.timestamp("us", tz="UTC")

_TYPES: dict[str, pa.DataType] = {
    "site_id": pa.int32(),
    "visitor_id": pa.int64(),
    "session_id": pa.int64(),
    "props": pa.map_(pa.string(), pa.string()),
    "revenue_amount": pa.decimal128(18, 4),
    "interactive": pa.bool_(),
}
EVENT_FIELDS = [f.name for f in dataclasses.fields(Event)]


def event_schema(time: pa.DataType = NAIVE_UTC) -> pa.Schema:
    types = _TYPES | {"timestamp": time}
    return pa.schema([(n, types.get(n, pa.string())) for n in EVENT_FIELDS])


def events_to_arrow(events: Sequence[Event], time: pa.DataType = NAIVE_UTC) -> pa.Table:
    """Column-wise conversion: one Python list per column, no per-row Arrow calls."""
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_FIELDS}
    appenders = [(columns[name].append, name) for name in EVENT_FIELDS]
    for event in events:
        for append, name in appenders:
            append(getattr(event, name))
    # Arrow converts aware datetimes to UTC itself, far faster than astimezone per row.
    stamps = pa.array(columns.pop("timestamp"), AWARE_UTC)
    columns["timestamp"] = stamps.cast(time)
    columns["props"] = [list(p.items()) for p in columns["props"]]
    columns["revenue_amount"] = [
        None if a is None else Decimal(a) for a in columns["revenue_amount"]
    ]
    return pa.Table.from_pydict(columns, schema=event_schema(time))


def events_from_arrow(batch: pa.RecordBatch | pa.Table) -> list[Event]:
    """The events of a table of ``event_schema`` (either time type)."""
    return [event_from_values(row) for row in batch.to_pylist()]
