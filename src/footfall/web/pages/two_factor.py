"""Two-factor pages: the code step of a login, enrolment and removal in the account
settings (accounts/totp.py; docs/accounts.md, "Two-factor authentication").

A correct password of a user with 2FA does not start a session: it sets the short-lived,
signed ``footfall_2fa`` cookie and leads to ``/login/2fa``, where a code (or a recovery
code) starts the session.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from footfall.accounts.models import Role
from footfall.accounts.ratelimit import TooManyAttempts
from footfall.errors import AuthError, ConflictError, FootfallError
from footfall.offload import offload
from footfall.web.access import (
    LoginRequired,
    accounts,
    check_form_csrf,
    is_https,
    load_session,
    session_of,
)
from footfall.web.deps import client_ip
from footfall.web.pages import sites
from footfall.web.pages.auth import (
    HALF_COOKIE,
    CsrfField,
    Text,
    safe_next,
    signed_in_response,
)
from footfall.web.templating import refused, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(load_session)])
Code = Annotated[str, Form(max_length=64)]
Next = Annotated[str, Form(max_length=2000)]


@router.get("/login/2fa")
async def code_page(request: Request, next: str | None = None) -> Response:
    if accounts(request).two_factor.half_user(request.cookies.get(HALF_COOKIE)) is None:
        return RedirectResponse("/login", 303)
    return render(request, "login_2fa.html", {"next": next or "", "error": None})


@router.post("/login/2fa")
async def check_code(
    request: Request, code: Code, next: Next = "", csrf_token: CsrfField = None
) -> Response:
    check_form_csrf(request, csrf_token)
    acc = accounts(request)
    user_id = acc.two_factor.half_user(request.cookies.get(HALF_COOKIE))
    stored = None if user_id is None else await offload(acc.users.get_user_by_id, user_id)
    if stored is None:  # expired (5 minutes) or forged: the password again
        return RedirectResponse("/login", 303)
    try:
        await offload(acc.two_factor.verify, stored.user, code, client_ip(request))
    except (AuthError, TooManyAttempts) as exc:
        return refused(request, "login_2fa.html", {"next": next}, exc)
    response = await signed_in_response(request, stored.user, safe_next(next))
    response.delete_cookie(HALF_COOKIE, path="/login", secure=is_https(request), httponly=True)
    return response


# account settings -----------------------------------------------------------------
def _page(request: Request, next: str) -> dict[str, Any]:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    two = accounts(request).two_factor
    context: dict[str, Any] = {"next": safe_next(next) if next else "", "codes": None}
    if two.enabled(session.user.id):
        return {**context, "enabled": True, "left": two.recovery_left(session.user.id)}
    enrolment = two.pending(session.user) or two.begin(session.user)
    return {**context, "enabled": False, "enrolment": enrolment}


MESSAGES = {"disabled": "Two-factor authentication is off."}


@router.get("/account/2fa")
async def account_page(request: Request, next: str = "", msg: str = "") -> Response:
    context = await offload(_page, request, next)
    required = next and not context["enabled"]
    message = MESSAGES.get(msg) or (
        "A site you opened requires two-factor authentication: set it up to continue."
        if required
        else None
    )
    return render(request, "account_2fa.html", {**context, "message": message, "error": None})


@router.post("/account/2fa/confirm")
async def confirm(
    request: Request, code: Code, next: Next = "", csrf_token: CsrfField = None
) -> Response:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    check_form_csrf(request, csrf_token)
    try:
        codes = await offload(accounts(request).two_factor.confirm, session.user, code)
    except FootfallError as exc:
        context = await offload(_page, request, next)
        return refused(request, "account_2fa.html", {**context, "message": None}, exc, 400)
    context = {"enabled": True, "codes": codes, "next": safe_next(next) if next else ""}
    return render(request, "account_2fa.html", {**context, "message": None, "error": None})


@router.post("/account/2fa/disable")
async def disable(
    request: Request, password: Text, code: Code, csrf_token: CsrfField = None
) -> Response:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    check_form_csrf(request, csrf_token)
    acc, ip = accounts(request), client_ip(request)
    try:
        await offload(acc.authenticate, session.user.email, password, ip)
        await offload(acc.two_factor.disable, session.user, code, ip)
    except FootfallError as exc:
        if exc.code == "login_failed":
            exc = AuthError("the password is wrong", code="login_failed", field="password")
        context = await offload(_page, request, "")
        return refused(request, "account_2fa.html", {**context, "message": None}, exc)
    return RedirectResponse("/account/2fa?msg=disabled", 303)


# a site's requirement (its settings page, owners only) ---------------------------------
@sites.router.post("/sites/{domain}/two-factor")
async def require_two_factor(
    request: Request,
    domain: str,
    required: Annotated[str, Form()] = "",
    csrf_token: CsrfField = None,
) -> Response:
    access = await sites._form(request, domain, csrf_token, Role.OWNER)
    session = session_of(request)
    assert session is not None  # an owner's form
    acc = accounts(request)
    if required and not await offload(acc.two_factor.enabled, session.user.id):
        raise ConflictError(
            "turn on two-factor authentication for your own account first (/account/2fa)",
            field="required",
        )
    await offload(acc.users.set_site_requires_2fa, access.site.id, bool(required))
    return sites._back(access, "two_factor", "two-factor")
