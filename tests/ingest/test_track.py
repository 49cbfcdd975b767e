"""The track dialect's fast check (``_plain``) against pydantic's ``TrackEvent``: what the
fast path takes, pydantic takes alike; everything else still reaches pydantic."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.errors import InputError
from footfall.ingest.dialects import track
from tests.support import CHROME_UA

_KEYS = [*track.TrackEvent.model_fields, "bogus"]
_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "https://example.com/a", "\ud800", "x" * 36, "n" * 121, "5", "true"]),
    st.text(min_size=990, max_size=1010, alphabet="ab"),
)
_VALUES = st.one_of(
    _TEXT,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, 100_000, 100_001, -1, 2**53, 2**53 - 1, 1773136800, 1773136800123]),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
# Each field's own edges beside any value: lengths around its bound, numbers around its range.
_EDGES: dict[str, list[object]] = {
    "url": ["x" * 8000, "x" * 8001],
    "name": ["", "n" * 120, "n" * 121],
    "user_agent": ["u" * 1000, "u" * 1001],
    "language": ["l" * 35, "l" * 36],
    "screen_width": [-1, 0, 100_000, 100_001, 5.0, "5"],
    "timestamp": [2**53 - 1, 2**53, -(2**53), 1773136800, 1773136800123, "x", True],
    "interactive": [0, 1, "true", None],
}
_ITEMS = st.fixed_dictionaries(
    {},
    optional={
        key: st.one_of(_VALUES, st.sampled_from([*_EDGES.get(key, []), "\ud800", None]))
        for key in _KEYS
    },
)


@settings(max_examples=500, deadline=None)
@given(_ITEMS, st.booleans())
def test_what_the_fast_path_takes_pydantic_takes_alike(item: dict[str, Any], url: bool) -> None:
    if url:
        item = {**item, "url": "https://example.com/"}
    plain = track._plain(item)
    try:
        validated = track.TrackEvent.model_validate(item).model_dump()
    except ValueError:
        assert plain is None, item  # pydantic refuses it: only pydantic may word why
        return
    if plain is not None:
        assert plain == validated
        # An integer timestamp stays an integer (pydantic makes it a float): equal
        # values, and parse_timestamp reads both alike below 2**53.
        assert [type(v) for k, v in plain.items() if k != "timestamp"] == [
            type(validated[k]) for k in plain if k != "timestamp"
        ]


@pytest.mark.parametrize(
    "item",
    [
        {"url": "https://example.com/p", "ip": "198.51.100.1", "user_agent": CHROME_UA},
        {
            "url": "https://example.com/ü",
            "name": "Signup",
            "timestamp": "2026-03-10T11:00:00Z",
            "referrer": "https://www.bing.com/",
            "props": {"plan": "pro"},
            "revenue": {"amount": 9.5, "currency": "EUR"},
            "screen_width": 1280,
            "language": "de-DE",
            "interactive": False,
        },
        {"url": "https://example.com/", "timestamp": 1773136800.5, "user_agent": None},
    ],
)
def test_usual_items_take_the_fast_path(item: dict[str, Any]) -> None:
    assert track._plain(item) == track.TrackEvent.model_validate(item).model_dump()


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"url": "https://example.com/", "bogus": 1}, "events.3.bogus"),
        ({}, "events.3.url"),
        ({"url": "https://example.com/", "name": ""}, "events.3.name"),
        ({"url": "https://example.com/", "screen_width": -1}, "events.3.screen_width"),
        ({"url": "https://example.com/", "language": "\ud800"}, "events.3.language"),
        ([], "events.3"),
    ],
)
def test_a_bad_item_is_answered_by_pydantic_naming_its_field(item: object, field: str) -> None:
    with pytest.raises(InputError) as caught:
        track.fields(item, "events.3.")
    assert caught.value.field == field
