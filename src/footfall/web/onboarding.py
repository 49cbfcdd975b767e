"""Onboarding: an owner or admin opening a site without events sees its snippet and a
"check installation" button instead of a dashboard of zeros; the page polls
``status`` and turns into the dashboard once the first event is committed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from footfall import install_check
from footfall.accounts.models import Role
from footfall.domain import Site
from footfall.errors import ForbiddenError, InputError
from footfall.ingest.request import loads
from footfall.tracker import snippet
from footfall.web.access import Access, check_csrf, load_session, site_access
from footfall.web.deps import read_body, services, stats_read
from footfall.web.errors import json_response
from footfall.web.templating import render

router = APIRouter(tags=["dashboard"], dependencies=[Depends(load_session)])
POLL_SECONDS = 5


async def has_events(request: Request, site: Site) -> bool:
    stats = services(request).stores.stats
    return await stats_read(request, stats.first_event_at, site.id) is not None


def wants_onboarding(access: Access, shared: bool) -> bool:
    """Only those who can install the snippet see the onboarding (viewers and shared
    links see the dashboard, empty as it is)."""
    return not shared and access.at_least(Role.ADMIN)


def page(request: Request, site: Site) -> Response:
    domain = quote(site.domain, safe="")
    return render(
        request,
        "onboarding.html",
        {
            "site": site,
            "snippet": snippet(site.domain, str(request.base_url).rstrip("/")),
            "api_base": f"/api/dashboard/{domain}",
            "default_url": f"https://{site.domain}/",
            "poll_ms": POLL_SECONDS * 1000,
        },
    )


@router.get(
    "/api/dashboard/{domain}/status",
    summary="Dashboard: whether the site has any event yet (the onboarding polls it)",
)
async def dashboard_status(request: Request, domain: str) -> Response:
    access = await site_access(request, domain)
    return json_response({"has_events": await has_events(request, access.site)})


@router.post(
    "/api/dashboard/{domain}/check-install",
    summary='Onboarding: load a page of the site ({"url"}) and look for the snippet',
)
async def check_install(request: Request, domain: str) -> Response:
    access = await site_access(request, domain)
    if not access.at_least(Role.ADMIN):
        raise ForbiddenError(f"you need the admin role on {access.site.domain} for this")
    check_csrf(request, access)
    svc = services(request)
    body: Any = loads(await read_body(request, svc.settings.max_body_bytes))
    url = body.get("url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url.strip() or len(url) > 2000:
        raise InputError("url must be the address of a page of the site", field="url")
    site = access.site
    found = await install_check.check(
        url.strip(), site.domain, site.umami_website_id or "", svc.settings.install_check_private
    )
    return json_response(
        {"found": found.found, "url": found.url, "status": found.status, "detail": found.detail}
    )
