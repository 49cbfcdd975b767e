"""Plausible v1 parameters translated into a v2 body (stats/v1.py)."""

from __future__ import annotations

import re2
from hypothesis import given
from hypothesis import strategies as st

from footfall.stats import v1

CLAUSE = st.text("ab/|.-", min_size=1, max_size=6).filter(lambda c: c.strip() == c)


@given(
    dimension=st.sampled_from(["event:page", "visit:source", "event:props:author"]),
    token=st.sampled_from(["==", "!=", "~", "!~"]),
    clauses=st.lists(CLAUSE, min_size=1, max_size=3),
)
def test_filters_translate_with_escaped_pipes(
    dimension: str, token: str, clauses: list[str]
) -> None:
    raw = dimension + token + "|".join(c.replace("|", "\\|") for c in clauses)
    operator = {"==": "is", "!=": "is_not", "~": "contains", "!~": "contains_not"}[token]
    assert v1.parse_filters(raw) == [[operator, dimension, clauses]]


def test_wildcards_become_anchored_patterns_and_filters_join_with_semicolons() -> None:
    [page, source] = v1.parse_filters("event:page==/blog/**|/a/*; visit:source!=Google")
    assert page[:2] == ["matches", "event:page"]
    assert [bool(re2.search(p, "/blog/x/y")) for p in page[2]] == [True, False]
    assert [bool(re2.search(p, "/a/b")) for p in page[2]] == [False, True]
    assert source == ["is_not", "visit:source", ["Google"]]


def test_metrics_and_property_keys() -> None:
    assert v1.metrics(None) == ["visitors"]
    assert v1.metrics("visitors, pageviews,") == ["visitors", "pageviews"]
    assert v1.property_key("visit:source") == "source"
    assert v1.property_key("event:props:author") == "author"
