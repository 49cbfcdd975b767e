"""Stats API: Plausible v2 ``POST /api/v2/query`` and the original ``GET /stats``."""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from footfall.domain import Scope, Site, normalize_domain
from footfall.errors import InputError, NotFoundError
from footfall.imports import merge
from footfall.ingest.request import loads
from footfall.stats import query as stats_query
from footfall.stats import runner, v1
from footfall.store.registry import Stores
from footfall.web.deps import api_key, read_body, services, set_stats_caller, stats_read
from footfall.web.errors import json_response

router = APIRouter(tags=["stats"])


async def _site_for_key(request: Request, domain: str) -> Site:
    """The key's own site; any other answers the same whether it exists or not."""
    key = await api_key(request, Scope.STATS)
    set_stats_caller(request, f"key:{key.prefix}")
    site = await services(request).sites.by_id(key.site_id)
    if site is None or site.domain != normalize_domain(domain):
        raise NotFoundError(f"Site '{domain}' not found for this API key", field="site_id")
    return site


async def earliest_day(request: Request, site: Site) -> date:
    svc = services(request)
    return await stats_read(request, runner.first_day, svc.stores.stats, site, svc.clock())


async def realtime_visitors(request: Request, site: Site) -> int:
    svc = services(request)
    return await stats_read(request, runner.realtime_visitors, svc.stores.stats, site, svc.clock())


def answer(stores: Stores, q: stats_query.StatsQuery, site: Site, filled: bool) -> dict[str, Any]:
    """The runner's answer, with the site's goals read in the same pool slot."""
    goals = stores.catalog.list_goals(site.id)
    run = runner.run_filled if filled else runner.run
    if q.include_imports:
        return merge.run(stores.stats, stores.imported, q, site, goals, run)
    return run(stores.stats, q, site, goals)


async def run_query(
    request: Request, q: stats_query.StatsQuery, site: Site, filled: bool = False
) -> dict[str, Any]:
    return await stats_read(request, answer, services(request).stores, q, site, filled)


@router.post("/api/v2/query", summary="Plausible Stats API v2 query (Bearer key, stats scope)")
async def query_v2(request: Request) -> Response:
    svc = services(request)
    body: Any = loads(await read_body(request, svc.settings.max_body_bytes))
    domain = body.get("site_id") if isinstance(body, dict) else None
    site = await _site_for_key(request, str(domain or ""))
    q = stats_query.parse(body, svc.clock(), site.timezone, await earliest_day(request, site))
    found = await run_query(request, q, site)
    found["query"] = {
        **body,
        "site_id": site.domain,
        "date_range": [q.start.isoformat(), q.end.isoformat()],
    }
    return json_response(found)


async def _v1(request: Request, site: Site, body: dict[str, Any]) -> dict[str, Any]:
    """Run a v2 body built from v1 parameters (and v1's filter string)."""
    svc = services(request)
    raw_filters = request.query_params.get("filters")
    if raw_filters:
        body["filters"] = v1.parse_filters(raw_filters)
    first = await earliest_day(request, site)
    q = stats_query.parse({"site_id": site.domain, **body}, svc.clock(), site.timezone, first)
    return await run_query(request, q, site)


def _today(request: Request, site: Site) -> date:
    return services(request).clock().astimezone(zoneinfo.ZoneInfo(site.timezone)).date()


@router.get("/api/v1/stats/realtime/visitors", summary="Visitors in the last 5 minutes")
async def realtime(request: Request, site_id: str) -> Response:
    site = await _site_for_key(request, site_id)
    return json_response(await realtime_visitors(request, site))


@router.get("/api/v1/stats/aggregate", summary="Plausible v1 aggregate")
async def aggregate(
    request: Request,
    site_id: str,
    period: str = "30d",
    date: str | None = None,
    metrics: str | None = None,
    compare: str | None = None,
) -> Response:
    site = await _site_for_key(request, site_id)
    names = v1.metrics(metrics)
    body: dict[str, Any] = {
        "metrics": names,
        "date_range": v1.date_range(period, date, _today(request, site)),
    }
    if compare is not None:
        if compare != "previous_period":
            raise InputError(
                "compare must be previous_period", field="compare", code="invalid_query"
            )
        body["include"] = {"comparisons": {"mode": "previous_period"}}
    answer = await _v1(request, site, body)
    row = answer["results"][0]
    results = {}
    for i, name in enumerate(names):
        results[name] = {"value": row["metrics"][i]}
        if compare is not None:
            results[name]["change"] = row["comparison"]["change"][i]
    return json_response({"results": results})


@router.get("/api/v1/stats/timeseries", summary="Plausible v1 timeseries")
async def timeseries(
    request: Request,
    site_id: str,
    period: str = "30d",
    date: str | None = None,
    metrics: str | None = None,
    interval: str = "day",
) -> Response:
    if interval not in ("day", "month", "hour", "week"):
        raise InputError(
            "interval must be day, week, month or hour", field="interval", code="invalid_query"
        )
    site = await _site_for_key(request, site_id)
    names = v1.metrics(metrics)
    days = v1.date_range(period, date, _today(request, site))
    v1.check_interval(interval, days)
    body = {
        "metrics": names,
        "dimensions": [f"time:{interval}"],
        "date_range": days,
        "include": {"time_labels": True},
    }
    answer = await _v1(request, site, body)
    found = {r["dimensions"][0]: r["metrics"] for r in answer["results"]}
    zero = [0 for _ in names]
    return json_response(
        {
            "results": [
                {"date": label, **dict(zip(names, found.get(label, zero), strict=True))}
                for label in answer["meta"]["time_labels"]
            ]
        }
    )


@router.get("/api/v1/stats/breakdown", summary="Plausible v1 breakdown")
async def breakdown(
    request: Request,
    site_id: str,
    property: str,
    period: str = "30d",
    date: str | None = None,
    metrics: str | None = None,
    limit: int = 100,
    page: int = 1,
) -> Response:
    if not 1 <= limit <= 1000:
        raise InputError("limit must be 1 to 1000", field="limit", code="invalid_query")
    pages = stats_query.MAX_OFFSET // limit + 1
    if not 1 <= page <= pages:
        raise InputError(f"page must be 1 to {pages}", field="page", code="invalid_query")
    site = await _site_for_key(request, site_id)
    names = v1.metrics(metrics)
    body = {
        "metrics": names,
        "dimensions": [property],
        "date_range": v1.date_range(period, date, _today(request, site)),
        "pagination": {"limit": limit, "offset": (page - 1) * limit},
    }
    answer = await _v1(request, site, body)
    key = v1.property_key(property)
    return json_response(
        {
            "results": [
                {key: r["dimensions"][0], **dict(zip(names, r["metrics"], strict=True))}
                for r in answer["results"]
            ]
        }
    )


@router.get("/stats", summary="The original microservice's summary of one site (last 30 days)")
async def summary(request: Request, site: str) -> Response:
    svc = services(request)
    found = await _site_for_key(request, site)
    earliest = await earliest_day(request, found)
    metrics = ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"]
    totals = stats_query.parse(
        {"site_id": found.domain, "metrics": metrics, "date_range": "30d"},
        svc.clock(),
        found.timezone,
        earliest,
    )
    pages = stats_query.parse(
        {
            "site_id": found.domain,
            "metrics": ["visitors", "pageviews"],
            "date_range": "30d",
            "dimensions": ["event:page"],
            "pagination": {"limit": 10},
        },
        svc.clock(),
        found.timezone,
        earliest,
    )
    total = await run_query(request, totals, found)
    top = await run_query(request, pages, found)
    values = total["results"][0]["metrics"]
    return json_response(
        {
            "site": found.domain,
            "period": "30d",
            **dict(zip(metrics, values, strict=True)),
            "top_pages": [
                {
                    "page": r["dimensions"][0],
                    "visitors": r["metrics"][0],
                    "pageviews": r["metrics"][1],
                }
                for r in top["results"]
            ],
        }
    )
