"""Who is asking: the signed-in user (session cookie) or a shared link, and CSRF checks.

The dashboard routes call ``site_access`` for every request; pages and forms call
``check_csrf`` on every unsafe request made with a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService, SignedIn
from footfall.apikeys import same_secret
from footfall.domain import Site, normalize_domain
from footfall.errors import AuthError, ForbiddenError, NotFoundError
from footfall.offload import offload
from footfall.web.deps import services

SESSION_COOKIE = "footfall_session"
PRE_CSRF_COOKIE = "footfall_csrf"  # double-submit token for forms shown before login
SHARE_COOKIE = "footfall_share_{id}"  # set by POST /share/{domain}/unlock
_UNSET = object()


class LoginRequired(AuthError):
    """No valid session: HTML GETs redirect to /login?next=..., the rest answer 401."""

    code = "login_required"

    def __init__(self) -> None:
        super().__init__("log in first")


class SharePasswordRequired(AuthError):
    """A password-protected shared link without its unlock cookie."""

    code = "share_password_required"

    def __init__(self, domain: str, token: str) -> None:
        super().__init__("this shared link needs its password")
        self.domain = domain
        self.token = token


class TwoFactorRequired(ForbiddenError):
    """The site's owner requires 2FA of every member and this user has none: pages send
    them to enrolment (/account/2fa?next=...), the rest answer 403."""

    code = "two_factor_required"

    def __init__(self) -> None:
        super().__init__("this site requires two-factor authentication; set it up in /account/2fa")


@dataclass(frozen=True)
class Access:
    site: Site
    role: Literal["owner", "admin", "viewer", "shared"]
    user_email: str | None  # None for a shared link
    csrf_token: str | None  # the session's token; None for a shared link
    share_token: str | None  # the shared link's token when role == "shared"

    def at_least(self, role: Role) -> bool:
        """True when a user's role on the site is ``role`` or higher (never for shares)."""
        return self.role != "shared" and Role(self.role).at_least(role)


def accounts(request: Request) -> AccountService:
    found: AccountService = request.app.state.accounts
    return found


def signed_in(request: Request) -> SignedIn | None:
    """The request's valid session, looked up once per request (a small indexed read):
    blocking, so in worker threads; on the loop, ``load_session`` then ``session_of``."""
    cached = getattr(request.state, "signed_in", _UNSET)
    if cached is _UNSET:
        cached = accounts(request).signed_in(request.cookies.get(SESSION_COOKIE))
        request.state.signed_in = cached
    assert cached is None or isinstance(cached, SignedIn)
    return cached


async def load_session(request: Request) -> None:
    """Look the request's session up off the loop (a dependency of every page router),
    so ``session_of`` can answer on the loop."""
    if getattr(request.state, "signed_in", _UNSET) is _UNSET:
        await offload(signed_in, request)


def session_of(request: Request) -> SignedIn | None:
    """The session ``load_session`` found; None when it did not run (a page rendered
    for a request no page route took shows as signed out, and forms fail closed)."""
    cached = getattr(request.state, "signed_in", None)
    return cached if isinstance(cached, SignedIn) else None


def is_https(request: Request) -> bool:
    """Behind a proxy or the ALB the scheme comes from X-Forwarded-Proto, when the peer is
    one of FOOTFALL_TRUSTED_PROXIES."""
    peer = request.client.host if request.client else ""
    proxies = services(request).settings.proxies
    return proxies.https(request.url.scheme, peer, request.headers.get("x-forwarded-proto"))


_NO_SHARE = "this shared link is unknown or was revoked"


def _share_access(request: Request, site: Site | None, token: str) -> Access:
    """A shared link's access; an unknown site and an unknown link get the same answer,
    so a stranger cannot tell which sites exist."""
    acc = accounts(request)
    share = acc.share(token)
    if share is None or site is None or share.site_id != site.id:
        raise NotFoundError(_NO_SHARE, field="auth")
    if not acc.unlocked(share, request.cookies.get(SHARE_COOKIE.format(id=share.id))):
        raise SharePasswordRequired(site.domain, token)
    return Access(site, "shared", None, None, token)


def _resolve(request: Request, domain: str) -> Access:
    site = services(request).sites.get("domain", normalize_domain(domain))
    session = signed_in(request)
    if session is not None and site is not None:
        role = accounts(request).role_on(session.user, site)
        if role is not None:
            _check_two_factor(request, site, session)
            return Access(site, role.value, session.user.email, session.csrf_token, None)
    token = request.query_params.get("auth") or request.headers.get("x-share-token")
    if token:
        return _share_access(request, site, token)  # raises for a bad or revoked link
    if session is None:
        raise LoginRequired()  # whether or not the site exists
    raise NotFoundError(f"no site {domain}", field="domain")  # same answer as no such site


def _check_two_factor(request: Request, site: Site, session: SignedIn) -> None:
    acc = accounts(request)
    if acc.users.site_requires_2fa(site.id) and not acc.two_factor.enabled(session.user.id):
        raise TwoFactorRequired()


async def site_access(request: Request, domain: str) -> Access:
    """Who may see this site's dashboard: a signed-in user with a role on it, or a valid,
    unrevoked shared link (``?auth=`` or header ``X-Share-Token``); a password-protected
    link also needs the unlock cookie. Raises LoginRequired (anonymous, whether or not
    the site exists), SharePasswordRequired, or NotFoundError (no such site or no right
    to it, or an unknown link: the same 404 either way)."""
    return await offload(_resolve, request, domain)


def check_csrf(request: Request, access: Access, form_token: str | None = None) -> None:
    """Unsafe requests made with a session must carry its CSRF token (header
    ``X-CSRF-Token`` or form field ``csrf_token``); shared-link access is exempt."""
    if access.role == "shared":
        return
    _compare(request.headers.get("x-csrf-token") or form_token, access.csrf_token)


def check_form_csrf(request: Request, form_token: str | None) -> None:
    """CSRF check for forms posted with or without a session (login, setup)."""
    session = session_of(request)
    expected = session.csrf_token if session else request.cookies.get(PRE_CSRF_COOKIE)
    _compare(request.headers.get("x-csrf-token") or form_token, expected)


def _compare(given: str | None, expected: str | None) -> None:
    if not same_secret(given, expected):
        raise ForbiddenError(
            "the form's security token is missing or stale; reload the page and try again",
            code="csrf_failed",
        )
