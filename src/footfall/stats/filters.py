"""Filters as small SQL objects rendering SQL with named, bound parameters (never user
text in the SQL). ``matches`` patterns run in DuckDB's RE2 engine (linear time)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import re2

from footfall.domain import Goal
from footfall.errors import InputError
from footfall.stats import countries
from footfall.stats.query import PROPS_PREFIX, Condition, Filter, Logical

DIRECT = "Direct / None"


class Params:
    """Named parameters (``$p0``, ``$p1``...) so one expression can appear twice."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def is_event_dimension(dimension: str) -> bool:
    return dimension.startswith("event:")


def kind(f: Filter) -> str:
    """'event' or 'visit': which side of the query a filter restricts."""
    if isinstance(f, Condition):
        return "event" if is_event_dimension(f.dimension) else "visit"
    kinds = {kind(c) for c in f.children}
    if len(kinds) != 1:
        raise InputError(
            f"Invalid filter: '{f.operator}' cannot mix event and visit dimensions",
            field="filters",
            code="invalid_query",
        )
    return kinds.pop()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def column_for(dimension: str, columns: dict[str, str], params: Params) -> str:
    if dimension.startswith(PROPS_PREFIX):
        return f"coalesce(props[{params.add(dimension[len(PROPS_PREFIX) :])}], '')"
    try:
        return columns[dimension]
    except KeyError:
        raise InputError(
            f"Invalid dimension '{dimension}'", field="dimensions", code="invalid_query"
        ) from None


def glob_pattern(value: str) -> str:
    """Page wildcards as an anchored RE2 pattern: * within a path segment, ** across."""
    parts = re.split(r"(\*\*|\*)", value)
    body = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
    return f"^{body}$"


def goal_condition(goal: Goal, params: Params) -> str:
    if goal.event_name:
        return f"name = {params.add(goal.event_name)}"
    return (
        f"(name = 'pageview' AND regexp_matches(pathname, "
        f"{params.add(glob_pattern(goal.page_path))}))"
    )


def _pattern(text: str) -> Any:
    try:
        return re2.compile(text)
    except re2.error:
        raise InputError(
            f"Invalid pattern '{text}'", field="filters", code="invalid_query"
        ) from None


def _goals_matching(f: Condition, goals: Sequence[Goal]) -> list[Goal]:
    names = {g.display_name: g for g in goals}
    fold = (lambda t: t) if f.case_sensitive else str.lower
    picked: list[Goal] = []
    for clause in f.clauses:
        if f.operator in ("is", "is_not"):
            found = [g for n, g in names.items() if fold(n) == fold(clause)]
            if not found:
                raise InputError(
                    f"The goal `{clause}` is not configured for this site",
                    field="filters",
                    code="invalid_query",
                )
        elif f.operator in ("contains", "contains_not"):
            found = [g for n, g in names.items() if fold(clause) in fold(n)]
        else:
            try:
                pattern = re2.compile(clause)
            except re2.error:
                raise InputError(
                    f"Invalid pattern '{clause}'", field="filters", code="invalid_query"
                ) from None
            found = [g for n, g in names.items() if pattern.search(n)]
        picked += [g for g in found if g not in picked]
    return picked


def _by_country_code(f: Condition) -> Condition:
    """A filter on country names as the same filter on the stored ISO codes."""
    fold = (lambda t: t) if f.case_sensitive else str.lower
    if f.operator in ("is", "is_not"):
        wanted = {fold(c) for c in f.clauses}
        codes = countries.codes_matching(lambda n: fold(n) in wanted)
    elif f.operator in ("contains", "contains_not"):
        codes = countries.codes_matching(lambda n: any(fold(c) in fold(n) for c in f.clauses))
    else:
        patterns = [_pattern(c) for c in f.clauses]
        codes = countries.codes_matching(lambda n: any(p.search(n) for p in patterns))
    positive = f.operator in ("is", "contains", "matches")
    return Condition("is" if positive else "is_not", "visit:country", tuple(codes))


def render(f: Filter, columns: dict[str, str], params: Params, goals: Sequence[Goal] = ()) -> str:
    if isinstance(f, Logical):
        parts = [render(c, columns, params, goals) for c in f.children]
        if f.operator == "not":
            return f"NOT ({parts[0]})"
        joiner = " AND " if f.operator == "and" else " OR "
        return "(" + joiner.join(f"({p})" for p in parts) + ")"
    if f.dimension == "event:goal":
        matched = " OR ".join(goal_condition(g, params) for g in _goals_matching(f, goals))
        sql = matched or "FALSE"
        return f"({sql})" if f.operator in ("is", "contains", "matches") else f"NOT ({sql})"
    if f.dimension == "visit:country_name":
        return render(_by_country_code(f), columns, params, goals)
    col = column_for(f.dimension, columns, params)
    values = [("" if v == DIRECT and f.dimension == "visit:source" else v) for v in f.clauses]
    if not f.case_sensitive:
        col, values = f"lower({col})", [v.lower() for v in values]
    if f.operator in ("is", "is_not"):
        sql = f"{col} IN ({', '.join(params.add(v) for v in values)})" if values else "FALSE"
    elif f.operator in ("contains", "contains_not"):
        like = [f"{col} LIKE {params.add(f'%{_escape_like(v)}%')} ESCAPE '\\'" for v in values]
        sql = " OR ".join(like) or "FALSE"
    else:
        sql = " OR ".join(f"regexp_matches({col}, {params.add(v)})" for v in values) or "FALSE"
    return f"({sql})" if f.operator in ("is", "contains", "matches") else f"NOT ({sql})"
