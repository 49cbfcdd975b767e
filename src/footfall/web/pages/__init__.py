"""Server-rendered account and site-management pages, and their wiring into the app."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from footfall.accounts.ratelimit import LoginLimiter
from footfall.accounts.service import AccountService
from footfall.config import resolve_secret
from footfall.errors import FootfallError
from footfall.web import errors, users
from footfall.web.access import LoginRequired, SharePasswordRequired, TwoFactorRequired
from footfall.web.pages import (
    auth,
    email,
    funnels,
    imports,
    share,
    shields,
    site_data,
    sites,
    two_factor,
)
from footfall.web.services import Services
from footfall.web.templating import STATIC_DIR, render


class VersionedStatic(StaticFiles):
    """Static files; a URL with ?v=<content hash> never changes, so cache it for a year."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        versioned = b"v=" in scope.get("query_string", b"")

        async def send_with_cache(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start" and versioned:
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                headers.append((b"cache-control", b"public, max-age=31536000, immutable"))
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, send_with_cache)  # type: ignore[arg-type]


# Paths of the HTML pages; every other path (the APIs, /stats, ...) keeps JSON errors.
PAGE_PREFIXES: tuple[str, ...] = (
    "/setup",
    "/login",
    "/logout",
    "/sites",
    "/invite/",
    "/share/",
    "/account",
)
PAGE_PREFIXES += ("/password/", "/email/")  # email's pages (pages/email.py)


def wants_html(request: Request) -> bool:
    """A browser navigating one of the pages (not the JSON API or a script's fetch)."""
    path = request.url.path
    return (
        request.method in ("GET", "HEAD", "POST")
        and (path == "/" or path.startswith(PAGE_PREFIXES))
        and "text/html" in request.headers.get("accept", "")
    )


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if not wants_html(request):
        return errors.error_response(exc)
    if request.method != "GET":  # a form posted after the session expired
        return RedirectResponse("/login", 303)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)


async def _two_factor_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwoFactorRequired)
    if not wants_html(request) or request.method != "GET":
        return errors.error_response(exc)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/account/2fa?next={quote(target, safe='')}", 303)


async def _share_password(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SharePasswordRequired)
    if wants_html(request):
        context = {"domain": exc.domain, "token": exc.token, "error": None}
        return render(request, "share_password.html", context, 401)
    return errors.error_response(exc)


async def _page_error(request: Request, exc: Exception) -> Response:
    """Errors of browser navigations as a page; the API keeps its JSON errors."""
    assert isinstance(exc, FootfallError)
    if wants_html(request) and exc.status < 500:
        return render(
            request, "error.html", {"status": exc.status, "detail": exc.detail}, exc.status
        )
    return errors.error_response(exc)


async def _form_error(request: Request, exc: Exception) -> Response:
    """A form field missing or too long: the same page as any other refusal."""
    assert isinstance(exc, RequestValidationError)
    return await _page_error(request, errors.input_error(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such page, a body that is not a form) as a page."""
    assert isinstance(exc, HTTPException)
    if wants_html(request) and 400 <= exc.status_code < 500:
        context = {"status": exc.status_code, "detail": str(exc.detail)}
        page = render(request, "error.html", context, exc.status_code)
        page.headers.update(exc.headers or {})
        return page
    return await errors.http_error(request, exc)


def install(app: FastAPI, svc: Services) -> None:
    """Account state, page routes, /static, and the HTML renderings of errors."""
    secret = resolve_secret(svc.settings, "secret_key", svc.settings.secret_key)
    limiter = LoginLimiter(svc.clock, shared=svc.shared)
    app.state.accounts = AccountService(svc.stores, secret, svc.clock, limiter)
    routers = (auth.router, sites.router, funnels.router, share.router, users.router)
    assert site_data  # its routes are on sites.router
    assert imports  # so are these
    for router in (*routers, shields.router, two_factor.router):
        app.include_router(router)
    app.include_router(email.router)
    static = VersionedStatic(directory=STATIC_DIR)
    app.mount("/static", GZipMiddleware(static, minimum_size=500), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(SharePasswordRequired, _share_password)
    app.add_exception_handler(TwoFactorRequired, _two_factor_required)
    app.add_exception_handler(FootfallError, _page_error)
    app.add_exception_handler(RequestValidationError, _form_error)
    app.add_exception_handler(HTTPException, _http_error)
