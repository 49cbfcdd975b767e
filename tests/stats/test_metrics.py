"""The table of metrics drives the parser and the comparison rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footfall.errors import InputError
from footfall.stats import metrics
from footfall.stats.compare import change
from footfall.stats.query import METRICS, parse

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def test_the_parser_knows_exactly_the_metrics_of_the_table() -> None:
    assert set(METRICS) == set(metrics.TABLE)
    with pytest.raises(InputError, match="Unknown metric"):
        parse({"site_id": "s", "metrics": ["nope"], "date_range": "7d"}, NOW, "UTC", NOW.date())


@pytest.mark.parametrize("name", [m.name for m in metrics.TABLE.values() if m.dimensions])
def test_a_metric_refuses_dimensions_its_row_does_not_allow(name: str) -> None:
    body = {"site_id": "s", "metrics": [name], "date_range": "7d", "dimensions": ["visit:os"]}
    with pytest.raises(InputError, match=f"Metric `{name}` can only be used with"):
        parse(body, NOW, "UTC", NOW.date())


@pytest.mark.parametrize("name", [m.name for m in metrics.TABLE.values() if m.needs_goal])
def test_goal_metrics_need_a_goal(name: str) -> None:
    body = {"site_id": "s", "metrics": [name], "date_range": "7d", "dimensions": ["visit:os"]}
    with pytest.raises(InputError, match="event:goal"):
        parse(body, NOW, "UTC", NOW.date())


amounts = st.integers(min_value=0, max_value=10**6)


@given(name=st.sampled_from(METRICS), now=amounts, before=amounts)
def test_each_metric_changes_by_its_rule(name: str, now: int, before: int) -> None:
    rule = metrics.TABLE[name].change
    found = change(name, now, before)
    if rule == "points":
        assert found == now - before
    elif before == 0:
        assert found == (100 if now > 0 else 0)
    else:
        exact = (now - before) / before * 100
        assert found == (round(exact, 1) if rule == "percent_decimal" else round(exact))


def test_nothing_measured_has_no_change() -> None:
    assert change("time_on_page", None, 12) is None


GOAL = ["is", "event:goal", ["Signup"]]
SESSION = [m for m in METRICS if metrics.session(m)]


@pytest.mark.parametrize("name", SESSION)
@pytest.mark.parametrize("goal", [GOAL, ["not", GOAL], ["or", [GOAL, ["is", "visit:os", ["Mac"]]]]])
def test_metrics_of_visits_refuse_a_goal_filter_with_plausibles_sentence(
    name: str, goal: list[object]
) -> None:
    """A visit is not a conversion: Plausible answers these 400s, word for word."""
    body = {"site_id": "s", "metrics": ["visitors", name], "date_range": "7d", "filters": [goal]}
    with pytest.raises(InputError) as refused:
        parse(body, NOW, "UTC", NOW.date())
    assert refused.value.detail == (
        f"Session metric `{name}` cannot be queried when using a filter on `event:goal`."
    )
    body = {"site_id": "s", "metrics": [name], "date_range": "7d", "dimensions": ["event:goal"]}
    with pytest.raises(InputError) as refused:
        parse(body, NOW, "UTC", NOW.date())
    assert refused.value.detail == (
        f"Session metric `{name}` cannot be queried for breakdown by `event:goal`."
    )


def test_the_goal_view_asks_what_a_goal_filter_allows() -> None:
    """The dashboard's top stats under a goal filter (GOAL_TOP) parse, with and without
    a breakdown; the unfiltered ones hold metrics of visits."""
    assert SESSION and not set(SESSION) & set(metrics.GOAL_TOP)
    assert set(SESSION) & set(metrics.TOP)
    for extra in ({}, {"dimensions": ["visit:os"]}, {"dimensions": ["time:day"]}):
        body = {"site_id": "s", "metrics": list(metrics.GOAL_TOP), "date_range": "7d"}
        parse({**body, "filters": [GOAL], **extra}, NOW, "UTC", NOW.date())
    labels = [metrics.TABLE[m].describe()["goal_label"] for m in metrics.GOAL_TOP]
    assert labels == ["Unique conversions", "Total conversions", "Conversion rate", "Revenue"]
