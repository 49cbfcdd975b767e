"""The realtime view: a page per site (signed in or through a shared link) and the JSON
it polls, one statement per refresh (StatsEngine.realtime, store/sql/live.py).

Polling, not server-sent events: every replica answers any poll from the store alone
(no fan-out of new events between replicas, no connection held open through the ALB,
API Gateway or Lambda), and one cheap statement every few seconds per open tab is what
a realtime view costs either way. See docs/dashboard.md, "Realtime".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from footfall.domain import Site
from footfall.stats import realtime
from footfall.web.access import load_session
from footfall.web.dashboard import _access
from footfall.web.deps import services, stats_read
from footfall.web.errors import json_response
from footfall.web.templating import render

router = APIRouter(tags=["dashboard"], dependencies=[Depends(load_session)])
POLL_SECONDS = 10  # while the tab is visible; at once when it becomes visible again


def _live(engine: Any, site: Site, now: Any) -> dict[str, Any]:
    return realtime.shape(engine.realtime(site, now), now)


async def live(request: Request, site: Site) -> dict[str, Any]:
    svc = services(request)
    return await stats_read(request, _live, svc.stores.stats, site, svc.clock())


async def _page(request: Request, domain: str, shared: bool) -> Response:
    access = await _access(request, domain)
    site = access.site
    back = f"/share/{quote(site.domain, safe='')}" if shared else f"/sites/{quote(site.domain)}"
    return render(
        request,
        "realtime.html",
        {
            "site": site,
            "share_token": access.share_token or "",
            "api_base": f"/api/dashboard/{quote(site.domain, safe='')}",
            "back": back,
            "poll_ms": POLL_SECONDS * 1000,
        },
    )


@router.get("/sites/{domain}/realtime", include_in_schema=False)
async def realtime_page(request: Request, domain: str) -> Response:
    return await _page(request, domain, shared=False)


@router.get("/share/{domain}/realtime", include_in_schema=False)
async def shared_realtime_page(request: Request, domain: str) -> Response:
    return await _page(request, domain, shared=True)


@router.get(
    "/api/dashboard/{domain}/live",
    summary="Dashboard realtime view: the last 30 minutes (per minute, top pages and sources)",
)
async def dashboard_live(request: Request, domain: str) -> Response:
    access = await _access(request, domain)
    return json_response(await live(request, access.site))
