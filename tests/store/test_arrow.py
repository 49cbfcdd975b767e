"""Events as Arrow: the column-wise conversion keeps every field of every event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.domain import Event
from footfall.store.arrow import AWARE_UTC, event_schema, events_from_arrow, events_to_arrow

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


def test_the_timestamps_are_those_arrow_reads_from_datetimes() -> None:
    stamps = [
        datetime(2026, 3, 10, 12, 0, 0, 123456, tzinfo=UTC) + timedelta(days=d) for d in range(3)
    ]
    events = [Event(1, ts, "pageview", "h", "/", 1, 0) for ts in stamps]
    expected = pa.array(stamps, AWARE_UTC).cast(pa.timestamp("us"))
    assert events_to_arrow(events).column("timestamp").combine_chunks().equals(expected)
