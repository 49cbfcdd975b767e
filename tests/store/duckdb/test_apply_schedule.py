"""The applier's wait between applies: a second while applies are quick, longer (up to
4 s) while they take long, so a busy core spends less of itself on per-apply costs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from footfall.store.duckdb.applier import (
    APPLY_EVERY_SECONDS,
    BUSY_APPLY_EVERY_SECONDS,
    next_delay,
)


def test_quick_applies_keep_the_one_second_period() -> None:
    assert next_delay(0.0) == next_delay(0.08) == APPLY_EVERY_SECONDS


def test_long_applies_space_out_up_to_the_cap() -> None:
    assert next_delay(0.2) == 2.0
    assert next_delay(0.4) == next_delay(30.0) == BUSY_APPLY_EVERY_SECONDS


@given(st.floats(0, 100), st.floats(0, 100))
def test_the_wait_grows_with_the_apply_and_stays_bounded(a: float, b: float) -> None:
    shorter, longer = sorted((a, b))
    assert APPLY_EVERY_SECONDS <= next_delay(shorter) <= next_delay(longer)
    assert next_delay(longer) <= BUSY_APPLY_EVERY_SECONDS
