"""The Shields section of a site's settings: the four rule lists in one form (checked
by footfall/shields.py as the management API and the CLI are; the page shows the
site's drops by reason, web/pages/sites.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from footfall.offload import offload
from footfall.shields import parse_lines
from footfall.web.access import load_session
from footfall.web.deps import services
from footfall.web.pages.sites import CsrfField, SettingsRoute, _back, _form

router = APIRouter(
    include_in_schema=False, route_class=SettingsRoute, dependencies=[Depends(load_session)]
)
Rules = Annotated[str, Form(max_length=60_000)]


@router.post("/sites/{domain}/shields")
async def set_shields(
    request: Request,
    domain: str,
    hostnames: Rules = "",
    ips: Rules = "",
    countries: Rules = "",
    pages: Rules = "",
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    rules = {"hostnames": hostnames, "ips": ips, "countries": countries, "pages": pages}
    shields = parse_lines(rules)
    await offload(services(request).stores.catalog.set_shields, access.site.id, shields)
    services(request).sites.invalidate()  # every replica drops by the new rules at once
    return _back(access, "shields", "shields")
