"""Plausible Stats API v1 parameters -> a v2 request body, and v2 results -> v1 shapes.

v1's filter string: ``event:page==/blog/**;visit:country==DE|FR;visit:source!=Google``
(``;`` joins conditions, ``|`` lists values, ``==``/``!=`` match, ``~``/``!~`` contain,
``*`` matches within a path segment and ``**`` across them).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from footfall.errors import InputError
from footfall.stats.filters import glob_pattern
from footfall.stats.query import day_bounds

PERIODS = ("12mo", "6mo", "month", "30d", "7d", "day", "custom")
_OPERATORS = (("!=", "is_not"), ("!~", "contains_not"), ("==", "is"), ("~", "contains"))


def _fail(detail: str, field: str) -> InputError:
    return InputError(detail, field=field, code="invalid_query")


def _split(part: str) -> tuple[str, str, str]:
    for token, operator in _OPERATORS:
        if token in part:
            dimension, _, values = part.partition(token)
            return dimension, operator, values
    raise _fail(f"Invalid filter '{part}'", "filters")


def parse_filters(raw: str) -> list[list[Any]]:
    filters: list[list[Any]] = []
    for part in (p.strip() for p in raw.split(";") if p.strip()):
        dimension, operator, values = _split(part)
        clauses = [v.replace("\\|", "|") for v in re.split(r"(?<!\\)\|", values)]
        if operator in ("is", "is_not") and any("*" in c for c in clauses):
            operator = "matches" if operator == "is" else "matches_not"
            clauses = [glob_pattern(c) for c in clauses]
        filters.append([operator, dimension.strip(), clauses])
    return filters


def _month_end(day: date) -> date:
    first_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(first_next.toordinal() - 1)


def date_range(period: str, when: str | None, today: date) -> list[str]:
    """A v2 ``[first, last]`` date range for v1's ``period`` and ``date``."""
    if period not in PERIODS:
        raise _fail(f"Invalid period '{period}'; use one of {', '.join(PERIODS)}", "period")
    try:
        if period == "custom":
            if not when or "," not in when:
                raise _fail("period=custom needs date=YYYY-MM-DD,YYYY-MM-DD", "date")
            first, last = (date.fromisoformat(d.strip()) for d in when.split(",", 1))
            return [d.isoformat() for d in day_bounds(first, last, today, "date")]
        anchor = date.fromisoformat(when) if when else today
    except ValueError:
        raise _fail(f"Invalid date '{when}'", "date") from None
    # A bounded anchor first: the period's arithmetic cannot leave the calendar.
    day_bounds(anchor, anchor, today, "date")
    if period in ("day", "7d", "30d"):
        days = {"day": 1, "7d": 7, "30d": 30}[period]
        first, last = date.fromordinal(anchor.toordinal() - days + 1), anchor
    else:
        months = {"month": 1, "6mo": 6, "12mo": 12}[period]
        year, month = anchor.year, anchor.month - months + 1
        while month <= 0:
            year, month = year - 1, month + 12
        first, last = date(year, month, 1), _month_end(anchor)
    return [d.isoformat() for d in day_bounds(first, last, today, "date")]


def metrics(raw: str | None) -> list[str]:
    return [m.strip() for m in (raw or "visitors").split(",") if m.strip()]


def property_key(prop: str) -> str:
    """``visit:source`` -> ``source``; ``event:props:author`` -> ``author``."""
    return prop.rsplit(":", 1)[-1]
