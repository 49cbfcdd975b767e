"""Stats API: Plausible v2 ``POST /api/v2/query`` and the original ``GET /stats``."""

from __future__ import annotations

import asyncio
from datetime import UTC, date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from footfall.domain import Scope, Site
from footfall.errors import NotFoundError
from footfall.ingest.request import loads, normalize_domain
from footfall.stats import query as stats_query
from footfall.stats.runner import run
from footfall.web.deps import api_key, read_body, services
from footfall.web.errors import json_response

router = APIRouter(tags=["stats"])


def _site_for_key(request: Request, domain: str) -> Site:
    """The key's own site; any other answers the same whether it exists or not."""
    key = api_key(request, Scope.STATS)
    site = services(request).sites.by_id(key.site_id)
    if site is None or site.domain != normalize_domain(domain):
        raise NotFoundError(f"Site '{domain}' not found for this API key", field="site_id")
    return site


async def _earliest(request: Request, site: Site) -> date:
    first = await asyncio.to_thread(services(request).store.first_event_at, site.id)
    return (first or site.created_at or services(request).clock()).astimezone(UTC).date()


@router.post("/api/v2/query", summary="Plausible Stats API v2 query (Bearer key, stats scope)")
async def query_v2(request: Request) -> Response:
    svc = services(request)
    body: Any = loads(await read_body(request, svc.settings.max_body_bytes))
    domain = body.get("site_id") if isinstance(body, dict) else None
    site = _site_for_key(request, str(domain or ""))
    q = stats_query.parse(body, svc.clock(), site.timezone, await _earliest(request, site))
    answer = await asyncio.to_thread(run, svc.store, q, site)
    answer["query"] = {
        **body,
        "site_id": site.domain,
        "date_range": [q.start.isoformat(), q.end.isoformat()],
    }
    return json_response(answer)


@router.get("/stats", summary="The original microservice's summary of one site (last 30 days)")
async def summary(request: Request, site: str) -> Response:
    svc = services(request)
    found = _site_for_key(request, site)
    earliest = await _earliest(request, found)
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
    total = await asyncio.to_thread(run, svc.store, totals, found)
    top = await asyncio.to_thread(run, svc.store, pages, found)
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
