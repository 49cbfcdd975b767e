"""The Funnels section of a site's settings: add a funnel of 2 to 8 steps, remove one.
The same FunnelManager as the management API and the CLI (footfall/funnels.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from footfall.funnels import MAX_STEPS, MAX_VALUE, FunnelManager
from footfall.offload import offload
from footfall.web.access import load_session
from footfall.web.deps import services
from footfall.web.pages.sites import CsrfField, SettingsRoute, Short, _back, _form

router = APIRouter(
    include_in_schema=False, route_class=SettingsRoute, dependencies=[Depends(load_session)]
)
Values = Annotated[list[Annotated[str, Form(max_length=MAX_VALUE)]] | None, Form()]


@router.post("/sites/{domain}/funnels")
async def add_funnel(
    request: Request,
    domain: str,
    name: Short = "",
    kind: Values = None,
    value: Values = None,
    csrf_token: CsrfField = None,
) -> Response:
    """Rows of (kind, value) in order; rows left empty are skipped."""
    access = await _form(request, domain, csrf_token)
    rows = zip(kind or [], value or [], strict=False)
    steps = [f"{k if k in ('page', 'event') else 'page'}:{v.strip()}" for k, v in rows if v.strip()]
    manager = FunnelManager(services(request).stores)
    await offload(manager.add, access.site.domain, name, steps[: MAX_STEPS + 1])
    return _back(access, "funnel_added", "funnels")


@router.post("/sites/{domain}/funnels/remove")
async def remove_funnel(
    request: Request, domain: str, name: Short, csrf_token: CsrfField = None
) -> Response:
    access = await _form(request, domain, csrf_token)
    await offload(FunnelManager(services(request).stores).remove, access.site.domain, name)
    return _back(access, "funnel_removed", "funnels")
