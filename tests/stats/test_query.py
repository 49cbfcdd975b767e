"""The parser's bounds: any date range, v1 period or body either parses into a bounded
query or is an InputError naming its field; nothing else escapes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.errors import InputError
from footfall.stats import v1
from footfall.stats.query import EARLIEST_DAY, MAX_FILTER_DEPTH, YEARS_AHEAD, parse

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
LATEST = date(NOW.year + YEARS_AHEAD, 12, 31)
ZONES = st.sampled_from(["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin"])
BOUNDED = settings(max_examples=100, deadline=None)
T = TypeVar("T")


def _query(date_range: Any, zone: str = "UTC", **more: Any) -> Any:
    body = {"site_id": "s", "metrics": ["visitors"], "date_range": date_range, **more}
    return parse(body, NOW, zone, NOW.date())


def _outcome(call: Callable[[], T]) -> T | InputError:
    try:
        return call()
    except InputError as exc:
        return exc


@BOUNDED
@given(first=st.dates(), last=st.dates(), zone=ZONES, exact=st.booleans())
def test_a_date_range_is_within_the_bounds_or_refused(
    first: date, last: date, zone: str, exact: bool
) -> None:
    raw = [first.isoformat(), last.isoformat()]
    if exact:
        raw = [f"{raw[0]}T00:00:00", f"{raw[1]}T23:59:59"]
    compare = {"comparisons": {"mode": "previous_period"}}
    q = _outcome(lambda: _query(raw, zone, include=compare))
    if not EARLIEST_DAY <= first <= last <= LATEST:
        assert isinstance(q, InputError) and q.field == "date_range"
        return
    assert not isinstance(q, InputError)
    assert q.start < q.end and (q.first_day, q.last_day) == (first, last)


@BOUNDED
@given(period=st.sampled_from(v1.PERIODS), anchor=st.dates(), other=st.dates())
def test_a_v1_period_is_within_the_bounds_or_refused(
    period: str, anchor: date, other: date
) -> None:
    when = f"{anchor},{other}" if period == "custom" else anchor.isoformat()
    answer = _outcome(lambda: v1.date_range(period, when, NOW.date()))
    if isinstance(answer, InputError):
        # no period reaches back a year: one ending after 2000 is refused only when custom
        assert answer.field == "date"
        assert period == "custom" or not date(2001, 1, 1) <= anchor <= LATEST
        return
    first, last = (date.fromisoformat(d) for d in answer)
    assert first >= EARLIEST_DAY and last <= LATEST


@pytest.mark.parametrize(
    ("pagination", "ok"),
    [
        ({"limit": 1, "offset": 0}, True),
        ({"limit": 10_000, "offset": 1_000_000_000}, True),
        ({"limit": 0}, False),
        ({"limit": 10_001}, False),
        ({"limit": True}, False),
        ({"limit": "5"}, False),
        ({"offset": -1}, False),
        ({"offset": 2**63}, False),
        ({"offset": 1.5}, False),
    ],
)
def test_pagination_is_bounded_integers(pagination: dict[str, Any], ok: bool) -> None:
    if ok:
        assert _query("7d", pagination=pagination).limit == pagination["limit"]
        return
    with pytest.raises(InputError) as caught:
        _query("7d", pagination=pagination)
    assert str(caught.value.field).startswith("pagination.")


def _nested(levels: int) -> list[Any]:
    f: list[Any] = ["is", "visit:source", ["Google"]]
    for i in range(levels - 1):
        f = ["not", f] if i % 2 else ["or", [f, ["is", "visit:source", ["Bing"]]]]
    return f


def test_filters_nest_up_to_the_limit() -> None:
    assert _query("7d", filters=[_nested(MAX_FILTER_DEPTH)]).filters
    with pytest.raises(InputError, match=f"at most {MAX_FILTER_DEPTH} levels"):
        _query("7d", filters=[_nested(MAX_FILTER_DEPTH + 1)])


@pytest.mark.parametrize(
    "body",
    [
        {"dimensions": ["event:props:\ud800"]},
        {"filters": [["is", "event:page", ["/\udfff"]]]},
        {"include": {"\ud800": True}},
        {"x": {"y": ["\ud800"]}},
        {"filters": [["is", "event:page", ["x" * 4001]]]},
        {"filters": [["is", "event:page", ["x"] * 1001]]},
    ],
)
def test_text_no_writer_takes_is_refused_before_it_is_echoed(body: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        _query("7d", **body)
    # the error itself must be writable: it names the field, never the text
    assert caught.value.detail.encode() and str(caught.value.field).encode()


def test_all_time_starts_no_earlier_than_the_earliest_day() -> None:
    body = {"site_id": "s", "metrics": ["visitors"], "date_range": "all"}
    q = parse(body, NOW, "UTC", date(1970, 1, 1))
    assert q.first_day == EARLIEST_DAY
    assert q.start == datetime(2000, 1, 1, tzinfo=UTC) and q.end - q.start > timedelta(0)
