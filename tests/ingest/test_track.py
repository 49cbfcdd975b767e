"""The track dialect's fast check (``_plain``) against pydantic's ``TrackEvent``: what the
fast path takes, pydantic takes alike; everything else still reaches pydantic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.domain import Site
from footfall.errors import FootfallError, InputError
from footfall.ingest import request as rules
from footfall.ingest.dialects import Origin, track
from footfall.ingest.request import MAX_REFERRER_CHARS, IngestRequest
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


def _build_event_as_it_was(item: object, origin: Origin, prefix: str = "") -> IngestRequest:
    """``track.build_event`` before its fast path (main at 605ac7f): every field parsed
    and named as it is read, the request built by keyword."""
    site = origin.keyed_site()
    e = track.fields(item, prefix)
    ts = rules.parse_timestamp(e["timestamp"], origin.now, origin.future, f"{prefix}timestamp")
    track._retention_bound(site, ts, origin.now, f"{prefix}timestamp")
    ip, user_agent, props, revenue = e["ip"], e["user_agent"], e["props"], e["revenue"]
    return IngestRequest(
        name=e["name"],
        url=rules.parse_url(e["url"], f"{prefix}url"),
        timestamp=ts,
        ip=rules.check_ip(ip, f"{prefix}ip") if ip else origin.ip,
        user_agent=user_agent if user_agent is not None else origin.user_agent,
        site_id=site.id,
        referrer=(e["referrer"] or "")[:MAX_REFERRER_CHARS],
        props=rules.parse_props(props, f"{prefix}props"),
        revenue=rules.parse_revenue(revenue, f"{prefix}revenue"),
        interactive=e["interactive"],
        screen_width=e["screen_width"],
        language=e["language"],
    )


_NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
# Values that reach the checks after pydantic's: good and bad URLs, IPs, timestamps
# (future, before 2000, past a retention), props and revenue in every form sent.
_LATER = {
    "url": st.sampled_from(["https://example.com/a?b=1#c", "example.com/a", "data:x", "http://"]),
    "ip": st.sampled_from(["198.51.100.1", " 2001:DB8::1 ", "", "999.1.1.1", "x"]),
    "timestamp": st.sampled_from(
        [None, 1773136800, 1773136800123, 1773140400 + 3600, 946684799, "2026-02-01T00:00:00Z"]
    ),
    "props": st.sampled_from([None, "", {}, {"a": 1, "b": None}, '{"a": "b"}', "[1]", {"": "x"}]),
    "revenue": st.sampled_from(
        [None, "", {"amount": 9.5, "currency": "eur"}, {"amount": "x", "currency": "EUR"}, {}]
    ),
    "referrer": st.sampled_from([None, "", "r" * (MAX_REFERRER_CHARS + 5)]),
}
_BATCH_ITEMS = st.one_of(
    _ITEMS,
    st.fixed_dictionaries({}, optional=_LATER),
    st.fixed_dictionaries({}, optional={k: st.one_of(v, _VALUES) for k, v in _LATER.items()}),
)


@settings(max_examples=500, deadline=None)
@given(
    _BATCH_ITEMS,
    st.sampled_from([None, 0, 30, 3650]),
    st.sampled_from(["", "events.7."]),
)
def test_build_event_answers_as_it_did_before_its_fast_path(
    item: dict[str, Any], retention: int | None, prefix: str
) -> None:
    """The same request for every item, or the same error (detail, field, code) for the
    first bad field, whichever path the item takes."""
    origin = Origin(
        "203.0.113.9",
        CHROME_UA,
        _NOW,
        timedelta(seconds=3600),
        Site(4, "example.com", "UTC", retention_days=retention),
    )
    try:
        expected: IngestRequest | dict[str, Any] = _build_event_as_it_was(item, origin, prefix)
    except FootfallError as exc:
        expected = {"type": type(exc), **exc.as_json()}
    try:
        got: IngestRequest | dict[str, Any] = track.build_event(item, origin, prefix)[0]
    except FootfallError as exc:
        got = {"type": type(exc), **exc.as_json()}
    assert got == expected, item


def _item_by_item(items: list[Any], origin: Origin) -> tuple[list[IngestRequest], list[Any]]:
    good: list[IngestRequest] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            good.extend(track.build_event(item, origin, f"events.{index}."))
        except FootfallError as exc:
            errors.append({"index": index, **exc.as_json()})
    return good, errors


def _origin(retention: int | None = None) -> Origin:
    site = Site(4, "example.com", "UTC", retention_days=retention)
    return Origin("203.0.113.9", CHROME_UA, _NOW, timedelta(seconds=3600), site)


@settings(max_examples=300, deadline=None)
@given(st.lists(_BATCH_ITEMS, max_size=12), st.sampled_from([None, 30]))
def test_build_batch_is_build_event_of_each_item(items: list[Any], retention: int | None) -> None:
    """The batch's requests and error entries are each item's through ``build_event``,
    in order, whichever items take the batch's own path."""
    origin = _origin(retention)
    assert track.build_batch(items, origin) == _item_by_item(items, origin)


def test_build_batch_leaves_every_error_of_a_plain_item_to_build_event() -> None:
    url = "https://example.com/a?b=1"
    items: list[Any] = [
        {"url": url, "ip": "198.51.100.1", "referrer": "https://www.bing.com/"},
        {"url": url, "ip": "999.1.1.1"},
        {"url": "example.com/a", "ip": "198.51.100.1"},
        {"url": url, "ip": ""},
        {"url": url, "timestamp": 946684799},
        {"url": url, "props": "[1]"},
        {"url": url, "revenue": {}},
        {"url": url, "user_agent": None, "ip": None, "props": "", "revenue": ""},
    ]
    good, errors = track.build_batch(items, _origin())
    assert (good, errors) == _item_by_item(items, _origin())
    assert [e["index"] for e in errors] == [1, 2, 4, 5, 6]
    assert [e["field"] for e in errors][:2] == ["events.1.ip", "events.2.url"]
    assert [r.ip for r in good] == ["198.51.100.1", "203.0.113.9", "203.0.113.9"]
