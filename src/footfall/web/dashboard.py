"""The site dashboard: its page, the JSON it reads, realtime and the CSV export.

The page is server-rendered; static/dashboard.js reads ``POST /api/dashboard/{domain}
/query`` (a Plausible v2 body run through the same parser and runner as /api/v2/query)
and draws everything else. Access is a logged-in role on the site or a shared link
(``access.site_access``); the read routes never change anything.
"""

from __future__ import annotations

import asyncio
import dataclasses
import zoneinfo
from datetime import UTC, date, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from footfall.domain import Site
from footfall.errors import FootfallError, InputError
from footfall.ingest.request import loads
from footfall.offload import offload
from footfall.stats import metrics, timeline
from footfall.stats import query as stats_query
from footfall.web import details, export, onboarding, preload, readpool
from footfall.web.access import Access, check_csrf, load_session, site_access
from footfall.web.deps import read_body, services, set_stats_caller, stats_read
from footfall.web.embed import EmbedView, frame_policy
from footfall.web.errors import json_response
from footfall.web.stats import answer, earliest_day, realtime_visitors, run_query
from footfall.web.templating import render, static_url

router = APIRouter(tags=["dashboard"], dependencies=[Depends(load_session)])

# The URL's vocabulary is preload's (the first view is read from the same URL).
PERIODS = tuple(p for p in preload.INTERVALS if p != "custom")
INTERVALS = tuple(preload.INTERVALS["custom"])
# The most keys the property picker offers (most used first).
MAX_PROP_KEYS = 100


async def _access(request: Request, domain: str) -> Access:
    """``site_access``; a user's stats reads count as theirs, a shared link's visitors'
    as their address's (many people may hold one link)."""
    access = await site_access(request, domain)
    if access.user_email is not None:
        set_stats_caller(request, f"user:{access.user_email}")
    return access


def _fail(detail: str, field: str) -> InputError:
    return InputError(detail, field=field, code="invalid_query")


def site_today(site: Site, request: Request) -> date:
    return services(request).clock().astimezone(zoneinfo.ZoneInfo(site.timezone)).date()


def date_range(raw: Any, today: date) -> Any:
    """A dashboard period as a v2 ``date_range``: the dashboard's names that v2 lacks
    (today, yesterday, last_month) become the days they mean; the rest pass through."""
    if raw == "today":
        return "day"
    if raw == "yesterday":
        day = (today - timedelta(days=1)).isoformat()
        return [day, day]
    if raw == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return [last.replace(day=1).isoformat(), last.isoformat()]
    return raw


def _parse_filter(raw: str) -> list[Any]:
    parsed = preload.parse_filter(raw)
    if parsed is None:
        raise _fail(f"Invalid filter '{raw}': expected operator,dimension,value", "f")
    return parsed


@dataclasses.dataclass(frozen=True)
class ViewState:
    """The dashboard's URL state (see docs/dashboard.md) as v2 query parts."""

    date_range: Any
    filters: list[list[Any]]
    interval: str

    @classmethod
    def from_request(cls, request: Request, today: date) -> ViewState:
        params = request.query_params
        period = params.get("period", "30d")
        if period == "custom":
            first, last = params.get("from", ""), params.get("to", "")
            if not first or not last:
                raise _fail("a custom period needs from and to (YYYY-MM-DD)", "from")
            raw: Any = [first, last]
        elif period in PERIODS:
            raw = date_range(period, today)
        else:
            raise _fail(f"Invalid period '{period}'", "period")
        interval = params.get("interval", "day")
        if interval not in INTERVALS:
            raise _fail(f"Invalid interval '{interval}'", "interval")
        filters = preload.grouped([_parse_filter(f) for f in params.getlist("f")])
        return cls(raw, filters, interval)


async def _earliest_for(request: Request, site: Site, date_range: Any) -> date:
    """The first day of "all time"; no other range needs it (it costs a scan)."""
    if date_range == "all":
        return await earliest_day(request, site)
    return services(request).clock().astimezone(UTC).date()


async def _parse(request: Request, site: Site, body: dict[str, Any]) -> stats_query.StatsQuery:
    svc = services(request)
    earliest = await _earliest_for(request, site, body.get("date_range"))
    return stats_query.parse(body, svc.clock(), site.timezone, earliest)


def _body(site: Site, raw: Any, today: date) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail("the query must be a JSON object", "")
    if "date_range" not in raw:
        raise _fail("date_range is required", "date_range")
    return {**raw, "site_id": site.domain, "date_range": date_range(raw["date_range"], today)}


async def _preloaded(request: Request, site: Site, goal_count: int) -> str:
    """The first view's answers, as the script element dashboard.js reads before it asks
    for anything (keys: its request bodies in canonical JSON). A query that fails is
    left out: the page asks for it and shows the error as usual. They wait for the
    caller's share of the stats pool as long as a query may run rather than be refused
    after the usual wait (the page waits for them anyway; on a busy machine, or with a
    previous page's queries still running, the later ones would otherwise be dropped)."""
    readpool.PATIENCE.set(services(request).reads.timeout)

    async def one(body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        try:
            return preload.key(body), await _query(request, site, body)
        except FootfallError:
            return None

    async def props() -> list[tuple[str, Any]]:
        try:
            state = ViewState.from_request(request, site_today(site, request))
            keys = await _prop_keys(request, site, state)
        except FootfallError:
            return []
        body = preload.props_view(request.query_params, keys)
        values = await one(body) if body is not None else None
        return [(preload.PROPERTIES, {"keys": keys}), *([values] if values else [])]

    bodies = preload.first_view(request.query_params, goal_count)
    found, extra = await asyncio.gather(asyncio.gather(*(one(b) for b in bodies)), props())
    return preload.script(dict([r for r in found if r is not None] + extra))


def _check_period(request: Request, site: Site) -> None:
    """A URL whose period no query can read (a malformed date, year 9999) answers 400
    with the reason, rather than a page whose every panel shows that error."""
    svc = services(request)
    today = site_today(site, request)
    raw = date_range(preload.date_range(request.query_params), today)
    body = {"site_id": site.domain, "metrics": ["visitors"], "date_range": raw}
    stats_query.parse(body, svc.clock(), site.timezone, today)


async def _page(request: Request, domain: str, shared: bool) -> Response:
    access = await _access(request, domain)
    site = access.site
    _check_period(request, site)
    if onboarding.wants_onboarding(access, shared) and not await onboarding.has_events(
        request, site
    ):
        return onboarding.page(request, site)
    embed = EmbedView.from_params(request.query_params) if shared else None
    readonly = shared or access.role in ("viewer", "shared")
    goals = await offload(services(request).stores.catalog.list_goals, site.id)
    imported = services(request).stores.imported
    has_imports = imported is not None and bool(await offload(imported.list_imports, site.id))
    shell = render(
        request,
        "dashboard.html",
        {
            "site": site,
            "today": site_today(site, request).isoformat(),
            "share_token": access.share_token or "",
            "embed": embed,
            "readonly": readonly,
            "goal_count": len(goals),
            "has_imports": has_imports,  # dashboard.js adds them where they answer
            # regions and cities need a city database (else the page says how to add one)
            "has_cities": services(request).settings.geoip_db is not None,
            "world_url": static_url("world-110m.json"),
            "can_settings": access.role in ("owner", "admin") and not shared,
            "api_base": f"/api/dashboard/{quote(site.domain, safe='')}",
            # the metric table's labels and formats (stats/metrics.py), for dashboard.js
            "metrics": {
                "top": metrics.TOP,
                "goal_top": metrics.GOAL_TOP,
                "details": details.describe(),
                # what the filter editor offers (country codes: by their names)
                "dimensions": [
                    *stats_query.EVENT_DIMENSIONS,
                    *(d for d in stats_query.VISIT_DIMENSIONS if d != "visit:country"),
                ],
                "about": metrics.describe_all(),
            },
        },
    )
    # The shell goes out at once (styles and scripts load meanwhile); the answers of the
    # first view follow in the same response as soon as the server has them, so the
    # page draws without a round trip of its own.
    response = preload.stream(shell, _preloaded(request, site, len(goals)))
    if embed is not None:
        catalog = services(request).stores.catalog
        response.headers["content-security-policy"] = frame_policy(
            await offload(catalog.embed_origins, site.id)
        )
    return response


@router.get("/sites/{domain}", include_in_schema=False)
async def dashboard_page(request: Request, domain: str) -> Response:
    return await _page(request, domain, shared=False)


@router.get("/share/{domain}", include_in_schema=False)
async def shared_page(request: Request, domain: str) -> Response:
    return await _page(request, domain, shared=True)


async def _query(request: Request, site: Site, raw: Any) -> dict[str, Any]:
    """One dashboard query, answered as the page reads it."""
    body = _body(site, raw, site_today(site, request))
    q = await _parse(request, site, body)
    result = await run_query(request, q, site, filled=True)
    result["query"] = {**body, "date_range": [q.first_day.isoformat(), q.last_day.isoformat()]}
    return result


@router.post(
    "/api/dashboard/{domain}/query",
    summary="Dashboard query: a Plausible v2 body for a site you may see (session or shared link)",
)
async def dashboard_query(request: Request, domain: str) -> Response:
    access = await _access(request, domain)
    check_csrf(request, access)
    raw = loads(await read_body(request, services(request).settings.max_body_bytes))
    return json_response(await _query(request, access.site, raw))


@router.get("/api/dashboard/{domain}/realtime", summary="Dashboard: visitors in the last 5 minutes")
async def dashboard_realtime(request: Request, domain: str) -> Response:
    access = await _access(request, domain)
    return json_response({"visitors": await realtime_visitors(request, access.site)})


async def _prop_keys(request: Request, site: Site, state: ViewState) -> list[str]:
    q = await _parse(
        request,
        site,
        {"site_id": site.domain, "metrics": ["visitors"], "date_range": state.date_range},
    )
    stats = services(request).stores.stats
    return await stats_read(request, stats.prop_keys, site, q.start, q.end, MAX_PROP_KEYS)


@router.get(
    "/api/dashboard/{domain}/properties",
    summary="Dashboard: the custom property keys seen in a period (most used first)",
)
async def dashboard_properties(request: Request, domain: str) -> Response:
    access = await _access(request, domain)
    state = ViewState.from_request(request, site_today(access.site, request))
    return json_response({"keys": await _prop_keys(request, access.site, state)})


@router.get(
    "/api/dashboard/{domain}/export",
    summary="Dashboard CSV export: a ZIP of CSVs for the period and filters in the query string",
)
async def dashboard_export(request: Request, domain: str) -> Response:
    access = await _access(request, domain)
    svc = services(request)
    site = access.site
    state = ViewState.from_request(request, site_today(site, request))
    keys = await _prop_keys(request, site, state)
    base: dict[str, Any] = {
        "site_id": site.domain,
        "date_range": state.date_range,
        "filters": state.filters,
    }
    # Validate once here, so a bad filter or interval is a 400 before any work.
    first = await _parse(request, site, {**base, "metrics": ["visitors"]})
    timeline.check(f"time:{state.interval}", first.first_day, first.last_day, "interval")
    earliest = await _earliest_for(request, site, state.date_range)
    now = svc.clock()

    def ask(body: dict[str, Any]) -> dict[str, Any]:
        q = stats_query.parse(body, now, site.timezone, earliest)
        return answer(svc.stores, q, site, filled=True)

    has_goals = bool(await offload(svc.stores.catalog.list_goals, site.id))
    data = await stats_read(request, export.build_zip, ask, base, state.interval, keys, has_goals)
    name = f"footfall-{site.domain}-{first.first_day.isoformat()}-{first.last_day.isoformat()}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/api/dashboard/{domain}/details.csv",
    summary="Dashboard: a panel's details view (details=DIMENSION, search, order) as CSV",
)
async def dashboard_details_csv(request: Request, domain: str) -> Response:
    access = await _access(request, domain)
    site = access.site
    params = request.query_params
    state = ViewState.from_request(request, site_today(site, request))
    key = params.get("details", "")
    if not key:
        raise _fail("details must name a dimension", "details")
    raw = details.body(
        key, state.filters, params.get("search", ""), params.get("order", ""), state.date_range
    )
    answer = await _query(request, site, raw)
    header = [d.rpartition(":")[2] for d in raw["dimensions"]] + raw["metrics"]
    rows = [[*r["dimensions"], *r["metrics"]] for r in answer["results"]]
    name = f"footfall-{site.domain}-{key.replace(':', '-')}.csv"
    return Response(
        export.to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
