"""What filters mean, apart from any SQL: which side of a query each restricts, which
goals a goal filter names, country names as codes, page wildcards as RE2 patterns.
The SQL builder (store/sql/filters.py) renders them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import re2

from footfall.domain import Goal
from footfall.errors import InputError
from footfall.stats import countries
from footfall.stats.query import Condition, Filter

DIRECT = "Direct / None"


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


def glob_pattern(value: str) -> str:
    """Page wildcards as an anchored RE2 pattern: * within a path segment, ** across."""
    parts = re.split(r"(\*\*|\*)", value)
    body = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
    return f"^{body}$"


def _pattern(text: str) -> Any:
    try:
        return re2.compile(text)
    except re2.error:
        raise InputError(
            f"Invalid pattern '{text}'", field="filters", code="invalid_query"
        ) from None


def goals_matching(f: Condition, goals: Sequence[Goal]) -> list[Goal]:
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


def by_country_code(f: Condition) -> Condition:
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
