"""Pages of email (docs/email.md): forgotten password, reset by link, and report
unsubscription by link (no login: the link is signed)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from footfall.errors import AuthError, FootfallError, ForbiddenError, InputError, NotFoundError
from footfall.mail.account_mail import AccountMail
from footfall.mail.models import MailKind, Subscription
from footfall.mail.unsubscribe import verify
from footfall.offload import offload
from footfall.web.access import accounts, check_csrf, check_form_csrf, load_session, site_access
from footfall.web.deps import client_ip, services
from footfall.web.pages.auth import after_password
from footfall.web.services import Services
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
    # The link stands in for the password only: a user with 2FA still gives a code.
    return await after_password(request, user, "/sites")


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


# reports and alerts ------------------------------------------------------------
def email_settings(svc: Services, site_id: int, email: str | None) -> dict[str, Any]:
    """The settings page's email section: what ``email`` gets of the site (blocking)."""
    enabled = svc.mail is not None and svc.mail.enabled
    box = svc.stores.mailbox
    mine = {
        s.kind: s.threshold
        for s in (box.subscriptions(site_id) if box is not None else [])
        if s.email == email
    }
    return {
        "enabled": enabled,
        "weekly": MailKind.WEEKLY in mine,
        "monthly": MailKind.MONTHLY in mine,
        "spike": mine.get(MailKind.SPIKE, 0),
        "drop": mine.get(MailKind.DROP, 0),
    }


Threshold = Annotated[int, Form(ge=0, le=100_000_000)]


@router.post("/sites/{domain}/email")
async def set_email(
    request: Request,
    domain: str,
    weekly: Annotated[str, Form(max_length=10)] = "",
    monthly: Annotated[str, Form(max_length=10)] = "",
    spike: Threshold = 0,
    drop: Threshold = 0,
    csrf_token: CsrfField = None,
) -> Response:
    """The signed-in user's own reports and alerts of the site (0: no alert)."""
    access = await site_access(request, domain)
    if access.user_email is None:
        raise ForbiddenError("sign in to get reports")
    check_csrf(request, access, csrf_token)
    box = services(request).stores.mailbox
    if box is None or not _enabled(request):
        raise InputError("this Footfall sends no email: set FOOTFALL_SMTP_URL", field="email")
    wanted = {MailKind.WEEKLY: 0 if weekly else None, MailKind.MONTHLY: 0 if monthly else None}
    wanted |= {MailKind.SPIKE: spike or None, MailKind.DROP: drop or None}
    site_id, email = access.site.id, access.user_email

    def save() -> None:
        assert box is not None
        for kind, threshold in wanted.items():
            if threshold is None:
                box.remove_subscription(site_id, email, kind.value)
            else:
                box.set_subscription(Subscription(site_id, email, kind, threshold))

    await offload(save)
    target = f"/sites/{quote(access.site.domain)}/settings?msg=email#email"
    return RedirectResponse(target, 303)


def _unsubscribe_context(request: Request, token: str) -> dict[str, Any]:
    secret = services(request).reports
    assert secret is not None
    found = verify(secret.secret, token)
    if found is None:
        raise NotFoundError("this unsubscribe link is not valid", field="token")
    site_id, kind, email = found
    return {"token": token, "kind": kind.value, "email": email, "site_id": site_id}


@router.get("/email/unsubscribe/{token}")
async def unsubscribe_page(request: Request, token: str) -> Response:
    """A page with a button: a mail scanner that follows links unsubscribes nobody."""
    context = _unsubscribe_context(request, token)
    site = await offload(services(request).stores.catalog.get_site_by_id, context["site_id"])
    return render(request, "unsubscribe.html", {**context, "site": site, "done": False})


@router.post("/email/unsubscribe/{token}")
async def unsubscribe(request: Request, token: str) -> Response:
    """No login and no CSRF token: the signed link is the permission, and RFC 8058's
    one-click POST from a mail client carries neither."""
    context = _unsubscribe_context(request, token)
    box = services(request).stores.mailbox
    if box is not None:
        await offload(box.remove_subscription, context["site_id"], context["email"],
                      context["kind"])  # fmt: skip
    site = await offload(services(request).stores.catalog.get_site_by_id, context["site_id"])
    return render(request, "unsubscribe.html", {**context, "site": site, "done": True})
