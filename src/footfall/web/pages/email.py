"""Pages of email (docs/email.md): forgotten password, reset by link, and report
unsubscription by link (no login: the link is signed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from footfall.errors import AuthError, FootfallError
from footfall.mail.account_mail import AccountMail
from footfall.offload import offload
from footfall.web.access import accounts, check_form_csrf, load_session
from footfall.web.deps import client_ip, services
from footfall.web.pages.auth import signed_in_response
from footfall.web.templating import refused, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(load_session)])
Text = Annotated[str, Form(max_length=1024)]
CsrfField = Annotated[str | None, Form()]
SENT = "If an account has that address, a link to choose a new password is on its way."


def account_mail(request: Request) -> AccountMail:
    svc = services(request)
    assert svc.mail is not None
    return AccountMail(svc.mail, svc.stores, svc.settings.origin, svc.clock)


def _enabled(request: Request) -> bool:
    mail = services(request).mail
    return mail is not None and mail.enabled


@router.get("/password/forgot")
async def forgot_page(request: Request) -> Response:
    context = {"email": "", "error": None, "message": None, "enabled": _enabled(request)}
    return render(request, "forgot.html", context)


@router.post("/password/forgot")
async def forgot(request: Request, email: Text, csrf_token: CsrfField = None) -> Response:
    check_form_csrf(request, csrf_token)
    context = {"email": email, "enabled": _enabled(request)}
    # Counted like failed logins of the address: nobody floods an inbox with links.
    subject, ip = f"reset:{email.strip().lower()}", client_ip(request)
    limiter = accounts(request).limiter
    try:
        limiter.check(subject, ip)
        limiter.failed(subject, ip)
        mail = account_mail(request)
        if await offload(mail.send_reset, email):
            mail.outbox.nudge()
    except FootfallError as exc:  # a bad address, or TooManyAttempts
        return refused(request, "forgot.html", context, exc, 400)
    return render(request, "forgot.html", {**context, "error": None, "message": SENT})


@router.get("/password/reset/{token}")
async def reset_page(request: Request, token: str) -> Response:
    return render(request, "reset.html", {"token": token, "error": None})


@router.post("/password/reset/{token}")
async def reset(
    request: Request, token: str, password: Text, password2: Text, csrf_token: CsrfField = None
) -> Response:
    check_form_csrf(request, csrf_token)
    try:
        if password != password2:
            raise AuthError("the two passwords differ", field="password2")
        user = await offload(account_mail(request).reset, token, password)
    except FootfallError as exc:
        return refused(request, "reset.html", {"token": token}, exc, 400)
    return await signed_in_response(request, user, "/sites")


async def email_invitation(request: Request, token: str, domain: str) -> bool:
    """Queue a new invitation's email (the settings page shows its link either way)."""
    if not _enabled(request):
        return False
    mail = account_mail(request)
    invitation = await offload(accounts(request).invitation, token)
    queued = await offload(mail.send_invitation, invitation, token, domain)
    if queued:
        mail.outbox.nudge()
    return queued
