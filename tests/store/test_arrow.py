"""Events as Arrow: the column-wise conversion keeps every field of every event."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from arro3.core import Array, DataType, Table
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.domain import EVENT_FIELDS, Event, EventColumns
from footfall.store import arrow
from footfall.store.arrow import (
    AWARE_UTC,
    NAIVE_UTC,
    column_values,
    concat,
    event_schema,
    events_from_arrow,
    events_to_arrow,
)
from footfall.store.duckdb.journal import Journal

_text = st.text(max_size=8)
_zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)
_instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=_zones
)
_events = st.builds(
    Event,
    site_id=st.integers(1, 2**31 - 1),
    timestamp=_instants,
    name=_text,
    hostname=_text,
    pathname=_text,
    visitor_id=st.integers(0, 2**63 - 1),
    session_id=st.integers(0, 2**63 - 1),
    referrer=_text,
    country=_text,
    props=st.dictionaries(_text, _text, max_size=3),
    revenue_amount=st.none() | st.decimals(-(10**9), 10**9, places=4).map(str),
    revenue_currency=_text,
    interactive=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_events, max_size=30), st.booleans())
def test_every_field_survives_the_round_trip(events: list[Event], aware: bool) -> None:
    """Including instants shared by several events, any zone, props and revenue."""
    if events:  # events of one batch often share their arrival instant
        events.append(replace(events[0], visitor_id=1))
    table = events_to_arrow(events, AWARE_UTC if aware else event_schema().field("timestamp").type)
    assert table.num_rows == len(events)
    back = events_from_arrow(table)
    for got, sent in zip(back, events, strict=True):
        assert got.timestamp.astimezone(UTC) == sent.timestamp.astimezone(UTC)
        assert got == replace(sent, timestamp=got.timestamp)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_events, max_size=12), max_size=5), st.booleans())
def test_a_batch_as_columns_is_the_table_of_its_events(
    parts: list[list[Event]], aware: bool
) -> None:
    """``EventColumns`` (a batch enriched as columns, parts joined at a flush) builds the
    same table as its events, and gives its events back."""
    events = [e for part in parts for e in part]
    time = AWARE_UTC if aware else NAIVE_UTC
    joined = EventColumns.join([EventColumns.of(part) for part in parts] or [[]])
    assert len(joined) == len(events) and joined.events() == events
    assert joined == EventColumns.join(parts or [[]]) == EventColumns.of(events)
    expected = events_to_arrow(events, time)
    assert events_to_arrow(joined, time).to_batches() == expected.to_batches()


@pytest.mark.parametrize("time", [NAIVE_UTC, AWARE_UTC])
def test_duckdb_reads_the_table_as_the_events_were(time: DataType) -> None:
    """DuckDB scans the table through the Arrow PyCapsule interface: the instants as
    UTC, the props as a map, the amounts as decimals."""
    stamps = [
        datetime(2026, 3, 10, 12, 0, 0, 123456, tzinfo=UTC) + timedelta(days=d) for d in range(3)
    ]
    events = [
        Event(1, ts, "pageview", "h", "/", 1, 0, props={"k": str(i)} if i else {})
        for i, ts in enumerate(stamps)
    ]
    events[1] = replace(events[1], revenue_amount="12.3400")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("batch", events_to_arrow(events, time))
    rows = con.execute(
        "SELECT timestamp::TIMESTAMP, props, revenue_amount::VARCHAR FROM batch"
    ).fetchall()
    assert rows == [
        (ts.replace(tzinfo=None), e.props, e.revenue_amount)
        for ts, e in zip(stamps, events, strict=True)
    ]


def test_amounts_that_do_not_fit_are_refused_not_nulled() -> None:
    """Arrow's cast from text makes NULL of what does not fit; the conversion raises
    instead (store.write_events answers StoreError)."""
    now = datetime(2026, 3, 10, tzinfo=UTC)
    for amount in ("1e20", "0.00001", "pi"):
        event = Event(1, now, "purchase", "h", "/", 1, 0, revenue_amount=amount)
        with pytest.raises(ArithmeticError):
            events_to_arrow([event])
    assert column_values(events_to_arrow([]).column("timestamp")) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_events, min_size=1, max_size=12), min_size=1, max_size=12))
def test_concat_keeps_every_row_in_order_in_chunks_of_bounded_size(
    batches: list[list[Event]],
) -> None:
    """The apply's concatenation: every row once, in order, in chunks of about
    CHUNK_ROWS rows (here 10, so that the examples cross several)."""
    tables = [events_to_arrow(b) for b in batches]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrow, "CHUNK_ROWS", 10)
        joined = concat(tables)
    expected = [e for b in batches for e in b]
    assert events_from_arrow(joined) == events_from_arrow(events_to_arrow(expected))
    sizes = [b.num_rows for b in joined.to_batches()]
    assert sum(sizes) == len(expected) and all(0 < n < 10 + 12 for n in sizes)
    assert len(sizes) <= len(expected) // 10 + 1


# A batch's columns are often one value throughout (its site's host, the browser of a
# server-side tracker, the empty ones): values from small pools, some past the length
# of the cached arrays' values.
_pooled = st.sampled_from(["", "pageview", "Chrome", "h" * 64, "h" * 65, "ü", "\x00"])
_pooled_events = st.builds(
    Event,
    site_id=st.sampled_from([1, 2]),
    timestamp=st.just(datetime(2026, 3, 10, 12, tzinfo=UTC)),
    name=_pooled,
    hostname=_pooled,
    pathname=_pooled,
    visitor_id=st.integers(0, 3),
    session_id=st.just(0),
    referrer=_pooled,
    browser=_pooled,
    country=_pooled,
    revenue_currency=_pooled,
)


def _built(events: list[Event]) -> Table:
    """The table with every text column built from its values (no cached arrays)."""
    fast = events_to_arrow(events)
    arrays = [
        Array([getattr(e, n) for e in events], DataType.string())
        if fast.schema.field(n).type == DataType.string()
        else fast.column(n).chunks[0]
        for n in EVENT_FIELDS
    ]
    return Table.from_arrays(arrays, schema=fast.schema)


@settings(max_examples=100, deadline=None)
@given(st.lists(_pooled_events, min_size=1, max_size=40), st.integers(1, 3))
def test_a_column_of_one_value_is_the_column_built_from_its_values(
    events: list[Event], times: int
) -> None:
    """Columns of one value are slices of cached arrays: the events come back, and the
    journal writes the very bytes of the table built value by value (the slice is
    written truncated)."""
    events = events * times
    table = events_to_arrow(events)
    assert events_from_arrow(table) == events
    built = _built(events)
    for name in EVENT_FIELDS:
        assert column_values(table.column(name)) == column_values(built.column(name))
    with tempfile.TemporaryDirectory() as directory:
        journal = Journal(Path(directory), event_schema())
        assert journal._message(table, 1) == journal._message(built, 1)


@pytest.mark.parametrize("rows", [1, 1024, 1025, 4096, 4097])
def test_the_journal_writes_a_column_of_one_value_as_built(tmp_path: Path, rows: int) -> None:
    events = [Event(1, datetime(2026, 3, 10, tzinfo=UTC), "pageview", "h", "/", 7, 0)] * rows
    journal = Journal(tmp_path, event_schema())
    assert journal._message(events_to_arrow(events), 1) == journal._message(_built(events), 1)
    journal.append(events_to_arrow(events))
    ((_, back),) = journal.recover(0)
    assert events_from_arrow(back) == events


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 40_000), min_size=1, max_size=4))
def test_row_numbers_count_every_row_across_chunks(sizes: list[int]) -> None:
    """Numbered as read, whatever the chunking, past the numbers kept so far too."""
    values = [[(n + i) % 7 for i in range(n)] for n in sizes]
    parts = [Table.from_pydict({"x": Array(v, DataType.int32())}) for v in values]
    table = Table.from_batches([b for p in parts for b in p.to_batches()], schema=parts[0].schema)
    numbered = arrow.with_row_numbers(table)
    assert numbered.column_names == ["x", "row_no"]
    assert arrow.column_values(numbered["row_no"]) == list(range(sum(sizes)))
    assert arrow.column_values(numbered["x"]) == [v for part in values for v in part]
