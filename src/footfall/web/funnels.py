"""Funnels over HTTP: managed under /api/v1 (as goals are), answered by
``POST /api/v2/funnel`` (a stats key) and by the dashboard's ``POST
/api/dashboard/{domain}/funnel`` (a session or shared link). docs/funnels.md.

A funnel answer takes a Plausible v2 body's ``date_range`` and ``filters`` (no
metrics, dimensions or order) and the funnel's name in ``funnel``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from footfall import funnels
from footfall.domain import Site
from footfall.errors import InputError
from footfall.ingest.request import loads
from footfall.offload import offload
from footfall.stats import query as stats_query
from footfall.store.registry import Stores
from footfall.web import dashboard
from footfall.web.access import check_csrf, load_session
from footfall.web.deps import read_body, services, stats_read
from footfall.web.errors import json_response
from footfall.web.management import _admin, _may_touch, _own
from footfall.web.stats import _site_for_key, earliest_day

router = APIRouter(tags=["funnels"])
board = APIRouter(tags=["dashboard"], dependencies=[Depends(load_session)])


class FunnelIn(BaseModel):
    site: str = Field(max_length=253)
    name: str = Field(max_length=funnels.MAX_NAME)
    # {"event_name": ...} or {"page_path": ...}, or "event:NAME" / "page:/PATH"
    steps: list[Any] = Field(max_length=funnels.MAX_STEPS)


@router.get("/api/v1/funnels", summary="List funnels")
async def list_funnels(request: Request, site: str | None = None) -> Response:
    admin, allowed = await _admin(request)
    found = await offload(funnels.FunnelManager(admin.stores).list_json, site)
    return json_response(await offload(_own, admin, allowed, found))


@router.post("/api/v1/funnels", status_code=201, summary="Add a funnel of 2 to 8 steps")
async def add_funnel(request: Request, body: FunnelIn) -> Response:
    admin, allowed = await _admin(request)
    await _may_touch(admin, allowed, body.site)
    manager = funnels.FunnelManager(admin.stores)
    made, site = await offload(manager.add, body.site, body.name, body.steps)
    return json_response(funnels.funnel_json(made, site), 201)


@router.delete("/api/v1/sites/{domain}/funnels/{name:path}", summary="Remove a funnel by name")
async def remove_funnel(request: Request, domain: str, name: str) -> Response:
    admin, allowed = await _admin(request)
    await _may_touch(admin, allowed, domain)
    await offload(funnels.FunnelManager(admin.stores).remove, domain, name)
    return json_response({"removed": name})


def _answer(stores: Stores, q: stats_query.StatsQuery, site: Site, name: str) -> dict[str, Any]:
    """The funnel's answer, its definition and the site's goals read in the same slot."""
    funnel = funnels.FunnelManager(stores).get(site, name)
    goals = stores.catalog.list_goals(site.id)
    return funnels.run(stores.stats, q, site, funnel, goals)


def _split(body: Any) -> tuple[str, dict[str, Any]]:
    """The funnel's name, and the body as the query parser reads it."""
    if not isinstance(body, dict):
        raise InputError("the query must be a JSON object", field="", code="invalid_query")
    name = body.get("funnel")
    if not isinstance(name, str) or not name:
        raise InputError("funnel (a funnel's name) is required", field="funnel")
    for extra in ("metrics", "dimensions", "order_by", "pagination"):
        if extra in body:
            raise InputError(f"a funnel query takes no {extra}", field=extra, code="invalid_query")
    rest = {k: v for k, v in body.items() if k != "funnel"}
    return name, {**rest, "metrics": ["visitors"]}


@router.post("/api/v2/funnel", summary="A funnel's visitors per step (Bearer key, stats scope)")
async def funnel_v2(request: Request) -> Response:
    svc = services(request)
    body: Any = loads(await read_body(request, svc.settings.max_body_bytes))
    name, parsed = _split(body)
    site = await _site_for_key(request, str(parsed.get("site_id") or ""))
    q = stats_query.parse(parsed, svc.clock(), site.timezone, await earliest_day(request, site))
    found = await stats_read(request, _answer, svc.stores, q, site, name)
    found["query"] = {**body, "date_range": [q.start.isoformat(), q.end.isoformat()]}
    return json_response(found)


@board.post(
    "/api/dashboard/{domain}/funnel",
    summary="Dashboard: a funnel of a site you may see (session or shared link)",
)
async def dashboard_funnel(request: Request, domain: str) -> Response:
    access = await dashboard._access(request, domain)
    check_csrf(request, access)
    svc = services(request)
    raw: Any = loads(await read_body(request, svc.settings.max_body_bytes))
    name, parsed = _split(raw)
    site = access.site
    body = dashboard._body(site, parsed, dashboard.site_today(site, request))
    q = await dashboard._parse(request, site, body)
    found = await stats_read(request, _answer, svc.stores, q, site, name)
    found["query"] = {**raw, "date_range": [q.first_day.isoformat(), q.last_day.isoformat()]}
    return json_response(found)


@board.get("/api/dashboard/{domain}/funnels", summary="Dashboard: the site's funnels")
async def dashboard_funnels(request: Request, domain: str) -> Response:
    access = await dashboard._access(request, domain)
    manager = funnels.FunnelManager(services(request).stores)
    found = await offload(manager.list_json, access.site.domain)
    return json_response([{"name": f["name"], "steps": f["steps"]} for f in found])
