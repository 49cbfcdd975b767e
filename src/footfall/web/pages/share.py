"""Unlocking a password-protected shared link."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from footfall.accounts.ratelimit import TooManyAttempts
from footfall.domain import normalize_domain
from footfall.errors import AuthError, NotFoundError
from footfall.offload import offload
from footfall.web.access import SHARE_COOKIE, accounts, check_form_csrf, is_https, load_session
from footfall.web.deps import client_ip, services
from footfall.web.templating import refused

router = APIRouter(include_in_schema=False, dependencies=[Depends(load_session)])


@router.post("/share/{domain}/unlock")
async def unlock(
    request: Request,
    domain: str,
    auth: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_form_csrf(request, csrf_token)
    acc = accounts(request)
    share = await offload(acc.share, auth)
    site = await services(request).sites.by_domain(normalize_domain(domain))
    if share is None or site is None or share.site_id != site.id:
        raise NotFoundError("this shared link is unknown or was revoked", field="auth")
    ip = client_ip(request)
    try:
        value = await offload(acc.unlock_share, share, password, ip)
    except (AuthError, TooManyAttempts) as exc:
        context = {"domain": site.domain, "token": auth}
        return refused(request, "share_password.html", context, exc)
    response = RedirectResponse(f"/share/{quote(site.domain)}?auth={quote(auth)}", 303)
    response.set_cookie(
        SHARE_COOKIE.format(id=share.id),
        value,
        httponly=True,
        secure=is_https(request),
        samesite="lax",
        path="/",
    )
    return response
