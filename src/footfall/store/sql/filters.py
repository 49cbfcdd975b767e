"""Filters as small SQL objects rendering SQL with named, bound parameters (never user
text in the SQL), in the builder's dialect. What a filter means is stats/filters.py's."""

from __future__ import annotations

from collections.abc import Sequence

from footfall.domain import Goal
from footfall.errors import InputError
from footfall.stats.filters import DIRECT, by_country_code, glob_pattern, goals_matching
from footfall.stats.query import PROPS_PREFIX, Filter, Logical
from footfall.store.sql.dialect import Params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def column_for(dimension: str, columns: dict[str, str], params: Params) -> str:
    if dimension.startswith(PROPS_PREFIX):
        return params.dialect.prop(params.add(dimension[len(PROPS_PREFIX) :]))
    try:
        return columns[dimension]
    except KeyError:
        raise InputError(
            f"Invalid dimension '{dimension}'", field="dimensions", code="invalid_query"
        ) from None


def goal_condition(goal: Goal, params: Params) -> str:
    if goal.event_name:
        return f"name = {params.add(goal.event_name)}"
    match = params.dialect.regex_match("pathname", params.add(glob_pattern(goal.page_path)))
    return f"(name = 'pageview' AND {match})"


def render(f: Filter, columns: dict[str, str], params: Params, goals: Sequence[Goal] = ()) -> str:
    if isinstance(f, Logical):
        parts = [render(c, columns, params, goals) for c in f.children]
        if f.operator == "not":
            return f"NOT ({parts[0]})"
        joiner = " AND " if f.operator == "and" else " OR "
        return "(" + joiner.join(f"({p})" for p in parts) + ")"
    if f.dimension == "event:goal":
        matched = " OR ".join(goal_condition(g, params) for g in goals_matching(f, goals))
        sql = matched or "FALSE"
        return f"({sql})" if f.operator in ("is", "contains", "matches") else f"NOT ({sql})"
    if f.dimension == "visit:country_name":
        return render(by_country_code(f), columns, params, goals)
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
        regex = params.dialect.regex_match
        sql = " OR ".join(regex(col, params.add(v)) for v in values) or "FALSE"
    return f"({sql})" if f.operator in ("is", "contains", "matches") else f"NOT ({sql})"
