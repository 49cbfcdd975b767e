"""Management API under /api/v1: sites, API keys, goals and traffic shields.

Authorized by the operator's admin token (the CLI uses it over loopback) or by an API
key with the admin scope, which sees and manages only its own site.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from footfall.domain import Scope, Site, normalize_domain
from footfall.errors import ForbiddenError, NotFoundError, PayloadTooLarge
from footfall.imports import service as imports
from footfall.offload import offload
from footfall.shields import MAX_LENGTH, MAX_RULES, ShieldManager
from footfall.sites import SiteManager, goal_json, key_json, parse_scopes, site_json
from footfall.store.registry import Stores
from footfall.web.deps import is_operator, presented_token, services
from footfall.web.errors import json_response

router = APIRouter(prefix="/api/v1", tags=["management"])


class SiteIn(BaseModel):
    domain: str = Field(max_length=253)
    timezone: str = "UTC"
    umami_website_id: str | None = None


class KeyIn(BaseModel):
    site: str = Field(max_length=253)
    scopes: list[str] = Field(min_length=1)
    name: str = Field(default="", max_length=200)


async def _admin(request: Request) -> tuple[SiteManager, int | None]:
    """The SiteManager and the one site the caller may touch (None: every site)."""
    svc = services(request)
    token = presented_token(request)
    admin = SiteManager(svc.stores, svc.keys)
    if is_operator(request, token):
        return admin, None
    return admin, (await svc.keys.verify(token, Scope.ADMIN)).site_id


def _only(allowed: int | None, site_id: int | None) -> None:
    if allowed is not None and site_id != allowed:
        raise ForbiddenError("this key manages only its own site")


async def _may_touch(admin: SiteManager, allowed: int | None, domain: str) -> Site | None:
    """The site named, if any, after checking the caller may manage it."""
    site = await offload(admin.stores.catalog.get_site, normalize_domain(domain))
    _only(allowed, site.id if site else None)
    return site


def _own(
    admin: SiteManager, allowed: int | None, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows of the caller's own site only, for admin-scoped keys."""
    if allowed is None:
        return rows
    own = admin.stores.catalog.get_site_by_id(allowed)
    return [r for r in rows if own is not None and r["site"] == own.domain]


@router.get("/sites", summary="List sites")
async def list_sites(request: Request) -> Response:
    admin, allowed = await _admin(request)
    sites = await offload(admin.stores.catalog.list_sites)
    return json_response([site_json(s) for s in sites if allowed in (None, s.id)])


@router.post("/sites", status_code=201, summary="Add a site")
async def add_site(request: Request, body: SiteIn) -> Response:
    admin, allowed = await _admin(request)
    _only(allowed, None)
    site = await offload(admin.add_site, body.domain, body.timezone, body.umami_website_id)
    services(request).sites.invalidate()
    return json_response(site_json(site), 201)


@router.delete("/sites/{domain}", summary="Remove a site with its events and keys")
async def remove_site(request: Request, domain: str) -> Response:
    admin, allowed = await _admin(request)
    _only(allowed, None)
    await offload(admin.remove_site, domain)
    services(request).sites.invalidate()
    return json_response({"removed": normalize_domain(domain)})


@router.get("/keys", summary="List API keys (never the keys themselves)")
async def list_keys(request: Request, site: str | None = None) -> Response:
    admin, allowed = await _admin(request)
    keys = await offload(admin.list_keys, site)
    return json_response(await offload(_own, admin, allowed, keys))


@router.post("/keys", status_code=201, summary="Create an API key; the key is shown only now")
async def create_key(request: Request, body: KeyIn) -> Response:
    admin, allowed = await _admin(request)
    await _may_touch(admin, allowed, body.site)
    new = await offload(admin.create_key, body.site, parse_scopes(body.scopes), body.name)
    return json_response({"key": new.key, **key_json(new.meta, new.site)}, 201)


@router.delete("/keys/{prefix}", summary="Revoke an API key")
async def revoke_key(request: Request, prefix: str) -> Response:
    admin, allowed = await _admin(request)
    found = await offload(admin.stores.catalog.find_key, prefix)
    _only(allowed, found.key.site_id if found else None)
    await offload(admin.revoke_key, prefix)
    return json_response({"revoked": prefix})


class GoalIn(BaseModel):
    site: str = Field(max_length=253)
    event_name: str | None = Field(default=None, max_length=120)
    page_path: str | None = Field(default=None, max_length=2000)


@router.get("/goals", summary="List goals")
async def list_goals(request: Request, site: str | None = None) -> Response:
    admin, allowed = await _admin(request)
    goals = await offload(admin.list_goals, site)
    return json_response(await offload(_own, admin, allowed, goals))


@router.post("/goals", status_code=201, summary="Add a goal: a custom event or a page path")
async def add_goal(request: Request, body: GoalIn) -> Response:
    admin, allowed = await _admin(request)
    site = await _may_touch(admin, allowed, body.site)
    goal = await offload(admin.add_goal, body.site, body.event_name, body.page_path)
    return json_response(goal_json(goal, site), 201)


@router.delete("/sites/{domain}/goals/{name:path}", summary="Remove a goal by name")
async def remove_goal(request: Request, domain: str, name: str) -> Response:
    admin, allowed = await _admin(request)
    await _may_touch(admin, allowed, domain)
    await offload(admin.remove_goal, domain, name)
    return json_response({"removed": name})


# traffic shields (footfall/shields.py) -----------------------------------------------
class ShieldsIn(BaseModel):
    hostnames: list[str] = Field(default=[], max_length=MAX_RULES)
    ips: list[str] = Field(default=[], max_length=MAX_RULES)
    countries: list[str] = Field(default=[], max_length=MAX_RULES)
    pages: list[str] = Field(default=[], max_length=MAX_RULES)


class ShieldIn(BaseModel):
    value: str = Field(max_length=MAX_LENGTH)


async def _shields(request: Request, domain: str) -> ShieldManager:
    admin, allowed = await _admin(request)
    if await _may_touch(admin, allowed, domain) is None:
        raise NotFoundError(f"no site {domain}", field="site")
    return ShieldManager(admin.stores)


async def _changed(request: Request, manager: ShieldManager, domain: str) -> Response:
    services(request).sites.invalidate()  # every replica drops by the new rules at once
    return await _shown(request, manager, domain)


async def _shown(request: Request, manager: ShieldManager, domain: str) -> Response:
    await services(request).flush_drops()  # this replica's latest tallies included
    return json_response(await offload(manager.show, domain))


@router.get("/sites/{domain}/shields", summary="A site's traffic shields and drop counts")
async def get_shields(request: Request, domain: str) -> Response:
    return await _shown(request, await _shields(request, domain), domain)


@router.put("/sites/{domain}/shields", summary="Replace a site's traffic shields")
async def put_shields(request: Request, domain: str, body: ShieldsIn) -> Response:
    manager = await _shields(request, domain)
    await offload(manager.replace, domain, body.model_dump())
    return await _changed(request, manager, domain)


@router.post("/sites/{domain}/shields/{kind}", summary="Add one traffic shield rule")
async def add_shield(request: Request, domain: str, kind: str, body: ShieldIn) -> Response:
    manager = await _shields(request, domain)
    await offload(manager.add, domain, kind, body.value)
    return await _changed(request, manager, domain)


@router.delete("/sites/{domain}/shields/{kind}/{value:path}", summary="Remove one shield rule")
async def remove_shield(request: Request, domain: str, kind: str, value: str) -> Response:
    manager = await _shields(request, domain)
    await offload(manager.remove, domain, kind, value)
    return await _changed(request, manager, domain)


# imported history (footfall/imports/, docs/transfer.md) ------------------------------
MAX_IMPORT_BYTES = 1 << 30  # a Plausible export of years of a busy site is ~200 MB


async def _imports_of(request: Request, domain: str) -> Stores:
    admin, allowed = await _admin(request)
    if await _may_touch(admin, allowed, domain) is None:
        raise NotFoundError(f"no site {domain}", field="site")
    return admin.stores


@router.get("/sites/{domain}/imports", summary="A site's imports of another tool's history")
async def list_imports(request: Request, domain: str) -> Response:
    stores = await _imports_of(request, domain)
    found = await offload(imports.list_imports, stores, domain)
    return json_response([imports.import_json(i) for i in found])


@router.post(
    "/sites/{domain}/imports/{source}",
    status_code=201,
    summary="Import another tool's export: plausible (its CSV zip) or umami (CSV or zip)",
    openapi_extra={"requestBody": {"content": {"application/zip": {}, "text/csv": {}}}},
)
async def import_history(
    request: Request, domain: str, source: str, name: str = "export.zip"
) -> Response:
    if source not in imports.SOURCES:
        raise NotFoundError(f"no import of {source} (plausible, umami)", field="source")
    stores = await _imports_of(request, domain)
    with tempfile.TemporaryDirectory(prefix="footfall-import-") as folder:
        path = Path(folder) / (Path(name).name or "export.zip")
        size = 0
        with path.open("wb") as out:  # streamed to disk: the zip is never all in memory
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_IMPORT_BYTES:
                    raise PayloadTooLarge(f"an import is at most {MAX_IMPORT_BYTES} bytes")
                await offload(out.write, chunk)
        info = await offload(imports.SOURCES[source], stores, domain, path)
    return json_response(imports.import_json(info), 201)


@router.delete("/sites/{domain}/imports", summary="Remove every import of a site")
async def remove_imports(request: Request, domain: str) -> Response:
    stores = await _imports_of(request, domain)
    return json_response({"removed": await offload(imports.remove_imports, stores, domain)})
