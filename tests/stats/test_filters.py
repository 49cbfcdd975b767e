"""Filters: what they mean (stats/filters.py) and the SQL the builder renders for them
(store/sql/filters.py), executed on DuckDB and compared with the same filter evaluated
in Python, so no SQL text is pinned."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.domain import Goal
from footfall.errors import InputError
from footfall.stats.filters import by_country_code, glob_pattern, goals_matching, kind
from footfall.stats.query import Condition, Filter, Logical
from footfall.store.duckdb.dialect import DUCKDB
from footfall.store.sql.dialect import Params
from footfall.store.sql.filters import goal_condition, render

ALPHABET = "aAbB/_%\\.*é"
VALUES = st.text(ALPHABET, max_size=6)
OPERATORS = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")


def _holds(f: Filter, value: str) -> bool:
    """The filter's meaning (docs/api.md), on one page path."""
    if isinstance(f, Logical):
        parts = [_holds(c, value) for c in f.children]
        if f.operator == "not":
            return not parts[0]
        return all(parts) if f.operator == "and" else any(parts)
    fold = (lambda t: t) if f.case_sensitive else str.lower
    if f.operator.startswith("is"):
        hit = any(fold(value) == fold(c) for c in f.clauses)
    elif f.operator.startswith("contains"):
        hit = any(fold(c) in fold(value) for c in f.clauses)
    else:
        hit = any(re2.search(fold(c), fold(value)) for c in f.clauses)
    return hit if f.operator in ("is", "contains", "matches") else not hit


def _valid(operator: str, clause: str) -> bool:
    """The parser refuses patterns RE2 cannot compile (stats/query.py)."""
    try:
        return not operator.startswith("matches") or bool(re2.compile(clause))
    except re2.error:
        return False


@st.composite
def _leaf(draw: st.DrawFn) -> Condition:
    operator = draw(st.sampled_from(OPERATORS))
    clause = st.one_of(VALUES, st.sampled_from(["^a", "b$", "a.b", "[ab]/"]))
    clauses = draw(st.lists(clause.filter(lambda c: _valid(operator, c)), min_size=1, max_size=3))
    return Condition(operator, "event:page", tuple(clauses), draw(st.booleans()))


def conditions() -> st.SearchStrategy[Filter]:
    leaf = _leaf()
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(
                Logical,
                st.sampled_from(["and", "or"]),
                st.lists(inner, min_size=1, max_size=3).map(tuple),
            ),
            st.builds(Logical, st.just("not"), st.tuples(inner)),
        ),
        max_leaves=4,
    )


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    c.execute("CREATE TABLE pages (pathname VARCHAR)")
    yield c
    c.close()


@settings(max_examples=200, deadline=None)
@given(f=conditions(), values=st.lists(VALUES, min_size=1, max_size=8))
def test_rendered_filters_select_what_they_mean(
    con: duckdb.DuckDBPyConnection, f: Filter, values: list[str]
) -> None:
    p = Params(DUCKDB)
    where = render(f, {"event:page": "pathname"}, p)
    rows = con.execute(
        f"SELECT i FROM (SELECT unnest($vals) AS pathname, generate_subscripts($vals, 1) AS i)"  # noqa: S608
        f" WHERE {where} ORDER BY i",
        {**p.values, "vals": values},
    ).fetchall()
    assert [r[0] - 1 for r in rows] == [i for i, v in enumerate(values) if _holds(f, v)]


@settings(max_examples=100, deadline=None)
@given(pattern=st.text("ab/*", max_size=6), path=st.text("ab/", max_size=8))
def test_page_wildcards(con: duckdb.DuckDBPyConnection, pattern: str, path: str) -> None:
    """* stays within a path segment, ** crosses them; the goal's SQL agrees."""
    regex = (
        "^"
        + "".join(
            {"**": ".*", "*": "[^/]*"}.get(t, re2.escape(t))
            for t in __import__("re").split(r"(\*\*|\*)", pattern)
            if t
        )
        + "$"
    )
    expected = re2.search(regex, path) is not None
    assert (re2.search(glob_pattern(pattern), path) is not None) == expected
    p = Params(DUCKDB)
    sql = goal_condition(Goal(1, 1, "", pattern, "g"), p)
    [(found,)] = con.execute(
        f"SELECT {sql} FROM (SELECT 'pageview' AS name, $path AS pathname)",  # noqa: S608
        {**p.values, "path": path},
    ).fetchall()
    assert found == expected


def test_a_filter_restricts_one_side_only() -> None:
    page = Condition("is", "event:page", ("/",))
    source = Condition("is", "visit:source", ("Google",))
    assert kind(page) == "event"
    assert kind(Logical("or", (source, source))) == "visit"
    with pytest.raises(InputError, match="cannot mix event and visit"):
        kind(Logical("or", (page, source)))


def test_goal_filters_name_configured_goals() -> None:
    goals = [Goal(1, 1, "Signup", "", "Signup"), Goal(2, 1, "", "/pricing", "Visit /pricing")]
    assert goals_matching(Condition("is", "event:goal", ("signup",), False), goals) == goals[:1]
    assert goals_matching(Condition("contains", "event:goal", ("i",)), goals) == goals
    assert goals_matching(Condition("matches", "event:goal", ("^V",)), goals) == goals[1:]
    with pytest.raises(InputError, match="not configured"):
        goals_matching(Condition("is", "event:goal", ("Nope",)), goals)


def test_country_names_become_codes() -> None:
    f = by_country_code(Condition("contains_not", "visit:country_name", ("germany",), False))
    assert f == Condition("is_not", "visit:country", ("DE",))
