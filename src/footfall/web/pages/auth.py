"""The front door: /, the one-time /setup, /login, /logout and /invite/{token}."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from footfall.accounts.models import Role, User
from footfall.accounts.ratelimit import TooManyAttempts
from footfall.accounts.service import SESSION_LIFETIME, AccountService
from footfall.accounts.totp import HALF_LIFETIME
from footfall.errors import AuthError, FootfallError, NotFoundError
from footfall.offload import offload
from footfall.web.access import (
    SESSION_COOKIE,
    LoginRequired,
    accounts,
    check_form_csrf,
    is_https,
    load_session,
    session_of,
)
from footfall.web.deps import client_ip, services
from footfall.web.templating import refused, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(load_session)])
Text = Annotated[str, Form(max_length=1024)]
CsrfField = Annotated[str | None, Form()]
HALF_COOKIE = "footfall_2fa"  # a correct password awaiting its code (pages/two_factor.py)


def safe_next(target: str | None) -> str:
    """Only local paths: '/sites/x' yes; '//evil', 'https://evil', '/\\evil' no."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\t\\")
    ):
        return "/sites"
    return target


def _rotate(acc: AccountService, old: str | None, user: User) -> str:
    if old:
        acc.end_session(old)
    return acc.start_session(user)


async def signed_in_response(request: Request, user: User, target: str) -> Response:
    """Start a new session (rotated: the previous one of this browser ends)."""
    token = await offload(_rotate, accounts(request), request.cookies.get(SESSION_COOKIE), user)
    response = RedirectResponse(target, 303)
    _set_cookie(request, response, SESSION_COOKIE, token, SESSION_LIFETIME, "/")
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, life: timedelta, path: str
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(life.total_seconds()),
        httponly=True,
        secure=is_https(request),
        samesite="lax",
        path=path,
    )


async def after_password(request: Request, user: User, target: str) -> Response:
    """A checked password: the session, or for a user with 2FA the code step first."""
    two = accounts(request).two_factor
    if not await offload(two.enabled, user.id):
        return await signed_in_response(request, user, target)
    response = RedirectResponse(f"/login/2fa?next={quote(target, safe='')}", 303)
    _set_cookie(request, response, HALF_COOKIE, two.half_token(user), HALF_LIFETIME, "/login")
    return response


@router.get("/")
async def home(request: Request) -> Response:
    if not await offload(accounts(request).has_users):
        return RedirectResponse("/setup", 303)
    if session_of(request) is None:
        return RedirectResponse("/login", 303)
    return RedirectResponse("/sites", 303)


@router.get("/setup")
async def setup_page(request: Request) -> Response:
    if await offload(accounts(request).has_users):
        return RedirectResponse("/login", 303)
    return render(request, "setup.html", {"email": "", "error": None})


@router.post("/setup")
async def setup(
    request: Request, email: Text, password: Text, password2: Text, csrf_token: CsrfField = None
) -> Response:
    check_form_csrf(request, csrf_token)
    acc = accounts(request)
    if await offload(acc.has_users):
        raise NotFoundError("this instance is already set up; log in instead")
    try:
        if password != password2:
            raise AuthError("the two passwords differ", field="password2")
        user = await offload(acc.add_user, email, password, Role.OWNER)
    except FootfallError as exc:
        return refused(request, "setup.html", {"email": email}, exc, 400)
    return await signed_in_response(request, user, "/sites")


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if not await offload(accounts(request).has_users):
        return RedirectResponse("/setup", 303)
    if session_of(request) is not None:
        return RedirectResponse(safe_next(next), 303)
    return render(request, "login.html", {"email": "", "next": next or "", "error": None})


@router.post("/login")
async def login(
    request: Request,
    email: Text,
    password: Text,
    next: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: CsrfField = None,
) -> Response:
    check_form_csrf(request, csrf_token)
    ip = client_ip(request)
    try:
        user = await offload(accounts(request).authenticate, email, password, ip)
    except (AuthError, TooManyAttempts) as exc:
        return refused(request, "login.html", {"email": email, "next": next}, exc)
    return await after_password(request, user, safe_next(next))


@router.post("/logout")
async def logout(request: Request, csrf_token: CsrfField = None) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if session_of(request) is not None:
        check_form_csrf(request, csrf_token)
        assert token is not None
        await offload(accounts(request).end_session, token)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=is_https(request), httponly=True)
    return response


@router.get("/invite/{token}")
async def invite_page(request: Request, token: str) -> Response:
    acc = accounts(request)
    invitation = await offload(acc.invitation, token)
    site = await offload(services(request).stores.catalog.get_site_by_id, invitation.site_id)
    existing = await offload(acc.users.get_user, invitation.email)
    context = {
        "invitation": invitation,
        "site": site,
        "token": token,
        "existing": existing is not None,
        "error": None,
    }
    return render(request, "invite.html", context)


@router.post("/invite/{token}")
async def accept_invite(
    request: Request,
    token: str,
    password: Text = "",
    password2: Text = "",
    csrf_token: CsrfField = None,
) -> Response:
    check_form_csrf(request, csrf_token)
    acc = accounts(request)
    invitation = await offload(acc.invitation, token)
    existing = await offload(acc.users.get_user, invitation.email)
    try:
        if existing is None:
            if password != password2:
                raise AuthError("the two passwords differ", field="password2")
            user = await offload(acc.accept, token, password)
        else:
            # An existing account proves itself with its password, then gains the role.
            user = await offload(
                acc.authenticate,
                invitation.email,
                password,
                client_ip(request),
            )
            await offload(acc.accept, token, None)
    except FootfallError as exc:
        site = await offload(services(request).stores.catalog.get_site_by_id, invitation.site_id)
        context = {
            "invitation": invitation,
            "site": site,
            "token": token,
            "existing": existing is not None,
        }
        return refused(request, "invite.html", context, exc, 400)
    site = await offload(services(request).stores.catalog.get_site_by_id, invitation.site_id)
    return await after_password(request, user, f"/sites/{site.domain}" if site else "/sites")


@router.get("/account")
async def account_page(request: Request, changed: bool = False) -> Response:
    if session_of(request) is None:
        raise LoginRequired()
    message = "Password changed. Other browsers were signed out." if changed else None
    return render(request, "account.html", {"error": None, "message": message})


@router.post("/account/password")
async def change_password(
    request: Request,
    current: Text,
    password: Text,
    password2: Text,
    csrf_token: CsrfField = None,
) -> Response:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    check_form_csrf(request, csrf_token)
    ip = client_ip(request)
    acc = accounts(request)
    try:
        if password != password2:
            raise AuthError("the two new passwords differ", field="password2")
        await offload(acc.change_password, session.user, current, password, ip)
    except FootfallError as exc:
        if exc.code == "login_failed":
            exc = AuthError("the current password is wrong", code="login_failed")
        return refused(request, "account.html", {"message": None}, exc)
    # every session ended, this one included: start a fresh one for this browser
    return await signed_in_response(request, session.user, "/account?changed=1")
