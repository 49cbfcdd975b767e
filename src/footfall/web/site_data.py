"""Management API of a site's data: retention, reset, deleting a date range
(``footfall site retention|reset|delete-range``; docs/retention.md). The operator's
admin token, or an admin-scoped key of the site itself."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from footfall.offload import offload
from footfall.sites import site_json
from footfall.web.deps import services
from footfall.web.errors import json_response
from footfall.web.management import _admin, _may_touch

router = APIRouter(prefix="/api/v1", tags=["management"])


class RetentionIn(BaseModel):
    retention_days: int | None = Field(ge=1, le=36_500)


class RangeIn(BaseModel):
    start: date = Field(alias="from")
    end: date = Field(alias="to")


@router.put("/sites/{domain}/retention", summary="Keep the site's events N days (null: always)")
async def set_retention(request: Request, domain: str, body: RetentionIn) -> Response:
    admin, allowed = await _admin(request)
    await _may_touch(admin, allowed, domain)
    site = await offload(admin.set_retention, domain, body.retention_days)
    services(request).sites.invalidate()
    return json_response(site_json(site))


@router.post("/sites/{domain}/reset", summary="Delete every event of the site, keep the site")
async def reset(request: Request, domain: str) -> Response:
    admin, allowed = await _admin(request)
    await _may_touch(admin, allowed, domain)
    site = await offload(admin.reset_stats, domain)
    return json_response({"reset": site.domain})


@router.post("/sites/{domain}/delete-range", summary="Delete the site's events of some days")
async def delete_range(request: Request, domain: str, body: RangeIn) -> Response:
    admin, allowed = await _admin(request)
    await _may_touch(admin, allowed, domain)
    site = await offload(admin.delete_range, domain, body.start, body.end)
    first, last = body.start.isoformat(), body.end.isoformat()
    return json_response({"deleted": {"site": site.domain, "from": first, "to": last}})
