"""Site management pages: the site list, and one site's settings with its forms.

Every POST checks the session's CSRF token and the user's role on the site, then
calls the same SiteManager facade as the management API and the CLI.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Coroutine
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from footfall import retention
from footfall.accounts.models import Role
from footfall.errors import FootfallError, ForbiddenError, InputError, NotFoundError
from footfall.funnels import FunnelManager
from footfall.offload import offload
from footfall.shields import ShieldManager
from footfall.sites import SiteManager, parse_scopes
from footfall.stats import overview as stats_overview
from footfall.tracker import snippet
from footfall.web import embed, overview
from footfall.web.access import (
    Access,
    LoginRequired,
    accounts,
    check_csrf,
    check_form_csrf,
    load_session,
    session_of,
    site_access,
)
from footfall.web.deps import services
from footfall.web.pages.email import email_invitation, email_settings
from footfall.web.templating import render

CsrfField = Annotated[str | None, Form()]
Short = Annotated[str, Form(max_length=200)]

MESSAGES = {
    "site_added": "Site added. Paste the snippet below into your pages.",
    "timezone": "Time zone saved.",
    "key_revoked": "API key revoked.",
    "goal_added": "Goal added.",
    "goal_removed": "Goal removed.",
    "funnel_added": "Funnel added.",
    "funnel_removed": "Funnel removed.",
    "share_revoked": "Shared link revoked.",
    "embed": "Embedding origins saved.",
    "shields": "Traffic shields saved.",
    "member_removed": "Member removed.",
    "invitation_cancelled": "Invitation cancelled.",
    "site_removed": "Site removed with all its data.",
    "email": "Email reports and alerts saved.",
    "two_factor": "Two-factor requirement saved.",
    "retention": "Retention saved.",
    "range_deleted": "The events of those days were deleted.",
    "reset": "Stats reset: every event of the site was deleted.",
    "import_started": "Import started: its progress is below.",  # pages/imports.py
    "import_removed": "The import was removed.",
}


@cache
def timezones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def pasted_domain(text: str) -> str:
    """People paste URLs: 'https://Example.com/blog' -> 'Example.com' (SiteManager normalizes)."""
    value = text.strip()
    if "://" in value:
        value = value.split("://", 1)[1]
    return value.split("/", 1)[0]


def _admin(request: Request) -> SiteManager:
    svc = services(request)
    return SiteManager(svc.stores, svc.keys)


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _manager(request: Request, domain: str, role: Role = Role.ADMIN) -> Access:
    access = await site_access(request, domain)
    if access.role == "shared" or not access.at_least(role):
        raise ForbiddenError(f"you need the {role.value} role on {access.site.domain} for this")
    return access


def _back(access: Access, message: str, anchor: str = "") -> RedirectResponse:
    url = f"/sites/{quote(access.site.domain)}/settings?msg={message}"
    return RedirectResponse(url + (f"#{anchor}" if anchor else ""), 303)


async def _form(
    request: Request, domain: str, csrf_token: str | None, role: Role = Role.ADMIN
) -> Access:
    """A settings form posted by someone with ``role`` on the site, with its CSRF token."""
    access = await _manager(request, domain, role)
    check_csrf(request, access, csrf_token)
    request.state.settings_form = access  # for SettingsRoute
    return access


class SettingsRoute(APIRoute):
    """A refused settings change (a FootfallError raised once ``_form`` has let the form
    in) shows the settings page again with the reason, at the refusal's status. Refusals
    before that (no session, no role, a bad CSRF token) take the usual error pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except FootfallError as exc:
                access: Access | None = getattr(request.state, "settings_form", None)
                if access is None:
                    raise
                return await _settings(request, access, exc.status, error=exc.detail)

        return handle


router = APIRouter(
    include_in_schema=False, route_class=SettingsRoute, dependencies=[Depends(load_session)]
)


# the site list ----------------------------------------------------------------
def _sites_context(request: Request) -> dict[str, Any]:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    rows = accounts(request).visible_sites(session.user)
    can_add = session.user.role in (Role.OWNER, Role.ADMIN)
    return {"sites": rows, "can_add": can_add, "timezones": timezones()}


@router.get("/sites")
async def sites_page(request: Request, msg: str | None = None) -> Response:
    context = await offload(_sites_context, request)
    context.update(message=MESSAGES.get(msg or ""), error=None, domain="", timezone="UTC")
    session = session_of(request)
    assert session is not None  # _sites_context raised otherwise
    sites = [site for site, _ in context["sites"]]
    context.update(numbers=await overview.numbers(request, sites, session.user.email))
    context.update(sparkline=stats_overview.sparkline)
    return render(request, "sites.html", context)


@router.post("/sites")
async def add_site(
    request: Request,
    domain: Annotated[str, Form(max_length=253)],
    timezone: Short = "UTC",
    csrf_token: CsrfField = None,
) -> Response:
    check_form_csrf(request, csrf_token)
    context = await offload(_sites_context, request)
    if not context["can_add"]:
        raise ForbiddenError("only the instance's owners and admins add sites")
    session = session_of(request)
    assert session is not None
    try:
        site = await offload(_admin(request).add_site, pasted_domain(domain), timezone)
    except FootfallError as exc:
        context.update(message=None, error=exc.detail, domain=domain, timezone=timezone)
        return render(request, "sites.html", context, exc.status)
    await offload(accounts(request).users.set_membership, session.user.id, site.id, Role.OWNER)
    services(request).sites.invalidate()
    return RedirectResponse(f"/sites/{quote(site.domain)}/settings?msg=site_added", 303)


# one site's settings ------------------------------------------------------------
def _settings_context(request: Request, access: Access) -> dict[str, Any]:
    svc = services(request)
    acc = accounts(request)
    site = access.site
    admin = _admin(request)
    members = acc.members(site)
    return {
        "site": site,
        "role": access.role,
        "is_owner": access.at_least(Role.OWNER),
        "snippet": snippet(site.domain, _origin(request)),
        "timezones": timezones(),
        "keys": [k for k in svc.stores.catalog.list_keys(site.id) if k.revoked_at is None],
        "goals": admin.list_goals(site.domain),
        "funnels": FunnelManager(svc.stores).list_json(site.domain),
        "shares": acc.shares(site),
        "embed_origins": svc.stores.catalog.embed_origins(site.id),
        "requires_2fa": acc.users.site_requires_2fa(site.id),  # pages/two_factor.py
        "retention_choices": retention.CHOICES,  # pages/site_data.py
        "imports": (  # pages/imports.py
            svc.stores.imported.list_imports(site.id) if svc.stores.imported else None
        ),
        "import_jobs": svc.import_jobs().of_site(site.id),
        "members": members,
        # instance-wide users not listed already as the site's members: once each (the
        # creator of a site is both an instance owner and the site's owner)
        "everywhere": [
            u
            for u in svc.stores.accounts.list_users()
            if u.role is not None and u.email not in {m.user.email for m in members}
        ],
        "invitations": acc.invitations(site),
        "email": email_settings(svc, site.id, access.user_email),
        "origin": _origin(request),
        "roles": [r.value for r in Role] if access.at_least(Role.OWNER) else ["admin", "viewer"],
        "message": None,
        "error": None,
        "new_key": None,
        "new_share": None,
        "new_invite": None,
    }


async def _settings(request: Request, access: Access, status: int = 200, **extra: Any) -> Response:
    context = await offload(_settings_context, request, access)
    await services(request).flush_drops()  # this replica's latest drops shown too
    shields = ShieldManager(services(request).stores).show
    context["shields"] = await offload(shields, access.site.domain)
    context.update(extra)
    return render(request, "settings.html", context, status)


@router.get("/sites/{domain}/settings")
async def settings_page(request: Request, domain: str, msg: str | None = None) -> Response:
    access = await _manager(request, domain)
    return await _settings(request, access, message=MESSAGES.get(msg or ""))


@router.post("/sites/{domain}/timezone")
async def set_timezone(
    request: Request, domain: str, timezone: Short, csrf_token: CsrfField = None
) -> Response:
    access = await _form(request, domain, csrf_token)
    if timezone not in timezones():
        raise InputError(f"unknown time zone {timezone!r}", field="timezone")
    await offload(services(request).stores.catalog.set_site_timezone, access.site.id, timezone)
    services(request).sites.invalidate()
    return _back(access, "timezone", "general")


@router.post("/sites/{domain}/embed")
async def set_embed_origins(
    request: Request,
    domain: str,
    origins: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    parsed = embed.parse_origins(origins)
    await offload(services(request).stores.catalog.set_embed_origins, access.site.id, parsed)
    return _back(access, "embed", "shares")


@router.post("/sites/{domain}/delete")
async def delete_site(
    request: Request, domain: str, confirm: Short = "", csrf_token: CsrfField = None
) -> Response:
    access = await _form(request, domain, csrf_token, Role.OWNER)
    if confirm.strip().lower() != access.site.domain:
        raise InputError("type the site's domain to confirm its removal", field="confirm")
    await offload(_admin(request).remove_site, access.site.domain)
    services(request).sites.invalidate()
    return RedirectResponse("/sites?msg=site_removed", 303)


@router.post("/sites/{domain}/keys")
async def create_key(
    request: Request,
    domain: str,
    name: Short = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    parsed = parse_scopes(scopes or [])
    if not parsed:
        raise InputError("pick at least one scope", field="scopes")
    new = await offload(_admin(request).create_key, access.site.domain, parsed, name)
    # The key is in this one response only: the store keeps its keyed hash.
    return await _settings(request, access, 200, new_key=new)


@router.post("/sites/{domain}/keys/{prefix}/revoke")
async def revoke_key(
    request: Request, domain: str, prefix: str, csrf_token: CsrfField = None
) -> Response:
    access = await _form(request, domain, csrf_token)
    found = await offload(services(request).stores.catalog.find_key, prefix)
    if found is None or found.key.site_id != access.site.id:
        raise NotFoundError("no such key on this site", field="prefix")
    await offload(_admin(request).revoke_key, prefix)
    return _back(access, "key_revoked", "keys")


@router.post("/sites/{domain}/goals")
async def add_goal(
    request: Request,
    domain: str,
    kind: Short = "event",
    value: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    event, page = (value.strip(), None) if kind == "event" else (None, value.strip())
    await offload(_admin(request).add_goal, access.site.domain, event, page)
    return _back(access, "goal_added", "goals")


@router.post("/sites/{domain}/goals/remove")
async def remove_goal(
    request: Request,
    domain: str,
    name: Annotated[str, Form(max_length=2000)],
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    await offload(_admin(request).remove_goal, access.site.domain, name)
    return _back(access, "goal_removed", "goals")


@router.post("/sites/{domain}/shares")
async def create_share(
    request: Request,
    domain: str,
    name: Short = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    share = await offload(
        accounts(request).create_share, access.site, name or "Shared link", password or None
    )
    return await _settings(request, access, 200, new_share=share)


@router.post("/sites/{domain}/shares/{share_id}/revoke")
async def revoke_share(
    request: Request, domain: str, share_id: int, csrf_token: CsrfField = None
) -> Response:
    access = await _form(request, domain, csrf_token)
    await offload(accounts(request).revoke_share, access.site, share_id)
    return _back(access, "share_revoked", "shares")


@router.post("/sites/{domain}/members")
async def invite(
    request: Request,
    domain: str,
    email: Annotated[str, Form(max_length=254)],
    role: Short = "viewer",
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    try:
        wanted = Role(role)
    except ValueError:
        raise InputError("pick a role", field="role") from None
    if wanted is Role.OWNER and not access.at_least(Role.OWNER):
        raise ForbiddenError("only owners invite owners")
    assert access.user_email is not None
    token = await offload(accounts(request).invite, access.site, email, wanted, access.user_email)
    link = f"{_origin(request)}/invite/{token}"
    emailed = await email_invitation(request, token, access.site.domain)
    new_invite = {"email": email, "link": link, "emailed": emailed}
    return await _settings(request, access, 200, new_invite=new_invite)


@router.post("/sites/{domain}/members/remove")
async def remove_member(
    request: Request,
    domain: str,
    email: Annotated[str, Form(max_length=254)],
    csrf_token: CsrfField = None,
) -> Response:
    access = await _form(request, domain, csrf_token)
    acc = accounts(request)
    members = {m.user.email: m for m in await offload(acc.members, access.site)}
    target = members.get(email.strip().lower())
    if target is not None and target.role is Role.OWNER and not access.at_least(Role.OWNER):
        raise ForbiddenError("only owners remove owners")
    await offload(acc.remove_member, access.site, email)
    return _back(access, "member_removed", "members")


@router.post("/sites/{domain}/invitations/{invitation}/cancel")
async def cancel_invitation(
    request: Request, domain: str, invitation: str, csrf_token: CsrfField = None
) -> Response:
    access = await _form(request, domain, csrf_token)
    await offload(accounts(request).cancel_invitation, access.site, invitation)
    return _back(access, "invitation_cancelled", "members")
