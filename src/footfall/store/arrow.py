"""Events as Arrow tables: DuckDB's journal and inserts, and the Parquet files of
``footfall export`` (footfall/transfer.py), one column per field of ``Event``."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
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


@cache
def event_schema(time: pa.DataType = NAIVE_UTC) -> pa.Schema:
    types = _TYPES | {"timestamp": time}
    return pa.schema([(n, types.get(n, pa.string())) for n in EVENT_FIELDS])


_FIELDS_OF = operator.attrgetter(*EVENT_FIELDS)
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


def events_to_arrow(events: Sequence[Event], time: pa.DataType = NAIVE_UTC) -> pa.Table:
    """Column-wise conversion: the rows transposed in C (``attrgetter`` + ``zip``), one
    Python sequence per column, no per-row Arrow calls."""
    if not events:
        return event_schema(time).empty_table()
    rows = map(_FIELDS_OF, events)
    columns: dict[str, Any] = dict(zip(EVENT_FIELDS, zip(*rows, strict=True), strict=True))
    # Integers, not datetimes: Arrow converts an aware datetime at ~1.5 us each.
    columns["timestamp"] = pa.array(_micros(columns["timestamp"]), pa.int64()).cast(time)
    columns["props"] = [list(p.items()) if p else [] for p in columns["props"]]
    amounts = columns["revenue_amount"]
    if any(a is not None for a in amounts):
        columns["revenue_amount"] = [None if a is None else Decimal(a) for a in amounts]
    return pa.Table.from_pydict(columns, schema=event_schema(time))


def events_from_arrow(batch: pa.RecordBatch | pa.Table) -> list[Event]:
    """The events of a table of ``event_schema`` (either time type)."""
    return [event_from_values(row) for row in batch.to_pylist()]
