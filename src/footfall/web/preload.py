"""The dashboard's first view, answered inside the page's own response.

dashboard.js asks for the top stats, the chart and the panels' first tabs as soon as it
runs. The server knows those questions from the URL alone, so it answers them while the
browser is still loading styles and scripts, and streams the answers at the end of the
page. ``first_view`` builds the same bodies the script would send (static/dashboard.js:
readState, loadTop, loadChart, loadPanel); the script looks each body up by ``key`` and
asks the server only for what is not there. If the two ever drift apart, the page still
works: it fetches. tests/web/test_preload.py fails when they do.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import HTMLResponse, StreamingResponse

from footfall.stats import metrics

log = logging.getLogger("footfall.web")
MARKER = "<!--footfall:preload-->"
PROPERTIES = "properties"  # the key of the custom property keys of the view
TOP = list(metrics.TOP)
GOAL_TOP = list(metrics.GOAL_TOP)
# The periods and, for each, the chart intervals it offers (dashboard.js: INTERVALS).
INTERVALS = {
    "today": ["hour"],
    "yesterday": ["hour"],
    "7d": ["hour", "day"],
    "30d": ["day", "week"],
    "month": ["day", "week"],
    "last_month": ["day", "week"],
    "6mo": ["day", "week", "month"],
    "12mo": ["day", "week", "month"],
    "all": ["day", "week", "month"],
    "custom": ["hour", "day", "week", "month"],
}
DEFAULT_INTERVAL = {"6mo": "month", "12mo": "month", "all": "month", "7d": "day"}
# Each panel's first tab; the custom-properties panel needs its keys first, so it asks.
FIRST_TABS = ("visit:channel", "event:page", "visit:country_name", "visit:browser")
PANEL = {"metrics": ["visitors"], "pagination": {"limit": 9}}
# The countries map's counts (dashboard.js: MAP), asked with the Countries tab.
MAP = {"metrics": ["visitors"], "dimensions": ["visit:country"], "pagination": {"limit": 300}}
GOALS = {"metrics": list(metrics.GOAL_ROWS), "dimensions": ["event:goal"]}


def _interval(period: str, asked: str) -> str:
    allowed = INTERVALS[period]
    if asked in allowed:
        return asked
    wanted = DEFAULT_INTERVAL.get(period) or ("day" if "day" in allowed else allowed[0])
    return wanted if wanted in allowed else allowed[0]


def parse_filter(raw: str) -> list[Any] | None:
    """``is,visit:source,Google`` (operator, dimension, then the value, which may hold
    commas) as a v2 filter; None when it is not of that form. ``G|is,...`` puts the
    condition in "or" group ``G`` (a short label): a fourth element."""
    op, _, rest = raw.partition(",")
    group, bar, grouped_op = op.partition("|")
    op = grouped_op if bar else op
    dimension, sep, value = rest.partition(",")
    if not (op and dimension and sep) or (bar and not group):
        return None
    return [op, dimension, [value], group] if bar else [op, dimension, [value]]


def grouped(filters: list[list[Any]]) -> list[list[Any]]:
    """One filter per operator and dimension, its values in URL order: several ``f`` of
    ``is,visit:source,...`` mean "source is any of them" (``is_not``: none of them), as
    Plausible's filters with several values (dashboard.js: grouped). The conditions of
    one "or" group become one ``["or", [...]]`` where the group first appears (a group
    of one condition is that condition); the filters are ANDed."""
    found: dict[tuple[str, str, str], list[Any]] = {}
    order: list[str | tuple[str, str, str]] = []
    for f in filters:
        op, dimension, values = f[:3]
        group = f[3] if len(f) > 3 else ""
        k = (group, op, dimension)
        if k not in found:
            found[k] = [op, dimension, []]
            if not group:
                order.append(k)
            elif group not in order:
                order.append(group)
        found[k][2].extend(values)
    out: list[list[Any]] = []
    for entry in order:
        if isinstance(entry, tuple):
            out.append(found[entry])
            continue
        members = [c for (g, _, _), c in found.items() if g == entry]
        out.append(members[0] if len(members) == 1 else ["or", members])
    return out


def has_goal(filters: list[list[Any]]) -> bool:
    """Whether an ``event:goal`` condition is among the filters, in a group or not
    (dashboard.js: goalView), so the view shows conversions."""
    return any(
        has_goal(f[1]) if f and f[0] in ("or", "and") else len(f) > 1 and f[1] == "event:goal"
        for f in filters
    )


def _filters(params: QueryParams) -> list[list[Any]]:
    """The URL's filters, skipping malformed ones as dashboard.js does."""
    return grouped([f for f in map(parse_filter, params.getlist("f")) if f is not None])


def _period(params: QueryParams) -> tuple[str, dict[str, Any]]:
    """The period as dashboard.js reads it, and the two fields every body starts with."""
    period = params.get("period", "")
    period = period if period in INTERVALS else "30d"
    first, last = params.get("from", ""), params.get("to", "")
    if period == "custom" and not (first and last):
        period = "30d"
    common = {
        "date_range": [first, last] if period == "custom" else period,
        "filters": _filters(params),
    }
    return period, common


def date_range(params: QueryParams) -> Any:
    """The URL's ``date_range`` as dashboard.js reads it (the page checks it first)."""
    return _period(params)[1]["date_range"]


# The URL's ``compare`` (dashboard.js: COMPARE_URL); previous period when absent.
COMPARE = {"0": "off", "yoy": "year_over_year", "custom": "custom"}


def _comparisons(params: QueryParams) -> dict[str, Any]:
    """The ``include`` entry of the view's comparison, as dashboard.js: comparisons()."""
    mode = COMPARE.get(params.get("compare", ""), "previous_period")
    first, last = params.get("cfrom", ""), params.get("cto", "")
    if mode == "custom" and not (first and last):
        mode = "previous_period"
    if mode == "off":
        return {}
    if mode == "custom":
        return {"comparisons": {"mode": "custom", "date_range": [first, last]}}
    return {"comparisons": {"mode": mode}}


def first_view(params: QueryParams, goal_count: int) -> list[dict[str, Any]]:
    """The query bodies dashboard.js sends first for a dashboard URL."""
    period, common = _period(params)
    # dashboard.js: topMetrics (a goal filter shows conversions)
    shown = GOAL_TOP if has_goal(common["filters"]) else TOP
    metric = params.get("metric", "")
    metric = metric if metric in shown else "visitors"
    comparisons = _comparisons(params)
    compare = bool(comparisons)
    top = {"metrics": shown, **({"include": comparisons} if compare else {})}
    interval = _interval(period, params.get("interval", ""))
    chart = {
        "metrics": [metric],
        "dimensions": [f"time:{interval}"],
        "include": {"time_labels": True, **comparisons},
    }
    panels = [{**PANEL, "dimensions": [d]} for d in FIRST_TABS] + [MAP]
    goals = [{**GOALS, "pagination": {"limit": 9}}] if goal_count else []
    return [{**common, **body} for body in (top, chart, *panels, *goals)]


def props_view(params: QueryParams, keys: list[str]) -> dict[str, Any] | None:
    """The custom-properties panel's body, once its keys are known (dashboard.js asks
    for the keys, then for the chosen key's values)."""
    if not keys:
        return None
    chosen = params.get("prop", "")
    chosen = chosen if chosen in keys else keys[0]
    return {
        **_period(params)[1],
        "metrics": ["visitors", "events", "percentage"],
        "dimensions": [f"event:props:{chosen}"],
        "pagination": {"limit": 9},
    }


def key(body: dict[str, Any]) -> str:
    """Canonical JSON (sorted keys, no spaces), as dashboard.js's canonical() writes it."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def script(answers: dict[str, Any]) -> str:
    """A JSON script element; ``<`` is escaped, so no visitor's value can end it early."""
    data = json.dumps(answers, separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/json" id="preloaded">{data}</script>'


def stream(shell: HTMLResponse, tail: Awaitable[str]) -> StreamingResponse:
    """The rendered page up to MARKER at once, then ``tail``, then the rest."""
    html = bytes(shell.body).decode()
    head, _, rest = html.partition(MARKER)

    async def parts() -> AsyncIterator[str]:
        yield head
        try:
            yield await tail
        except Exception:
            # The status line is gone already: a failure here would cut the page short.
            # Without its preload the page still works (the script asks for itself).
            log.exception("preloading the dashboard's first view failed")
        yield rest

    response = StreamingResponse(parts(), shell.status_code)
    # the shell's headers (content type, cache and security headers, cookies) but its length
    response.raw_headers = [(k, v) for k, v in shell.raw_headers if k != b"content-length"]
    return response
