"""Server-rendered pages: Jinja with autoescape, and versioned static URLs."""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from footfall.errors import FootfallError, RateLimited
from footfall.web.access import PRE_CSRF_COOKIE, is_https, session_of

STATIC_DIR = Path(str(resources.files("footfall.web") / "static"))


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("footfall.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    env.globals["theme_script"] = Markup(theme_script())  # noqa: S704 (our own static file)
    return env


@cache
def theme_script() -> str:
    """The one inline script (base.html), kept in static/theme.js; it runs before the
    first paint, so it cannot be a deferred file."""
    return (STATIC_DIR / "theme.js").read_text()


def inline_script_hashes() -> tuple[str, ...]:
    """CSP source expressions allowing exactly the inline scripts the pages carry."""
    digest = hashlib.sha256(theme_script().encode()).digest()
    return (f"'sha256-{base64.b64encode(digest).decode()}'",)


@cache
def _content_hash(name: str, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """'dashboard.js' -> '/static/dashboard.js?v=<content hash>' (cached for a year)."""
    path = STATIC_DIR / name
    if ".." in Path(name).parts or not path.is_file():
        raise ValueError(f"no static file {name!r}")
    return f"/static/{name}?v={_content_hash(name, path.stat().st_mtime_ns)}"


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template with autoescape; the context always gets ``user`` (email or
    None), ``csrf_token`` and ``static_url``. Before login, the CSRF token is a random
    double-submit value kept in a cookie."""
    session = session_of(request)
    new_pre_token: str | None = None
    if session is not None:
        csrf: str | None = session.csrf_token
    else:
        csrf = request.cookies.get(PRE_CSRF_COOKIE)
        if not csrf or len(csrf) > 100:
            csrf = new_pre_token = secrets.token_urlsafe(32)
    values: dict[str, Any] = {
        "request": request,
        "user": session.user.email if session else None,
        "is_instance_owner": bool(session and session.user.role and session.user.role == "owner"),
        "csrf_token": csrf,
        "static_url": static_url,
        **(context or {}),
    }
    html = _env().get_template(name).render(values)
    response = HTMLResponse(html, status_code)
    response.headers["Cache-Control"] = "no-store"  # security headers: web/headers.py
    if new_pre_token is not None:
        response.set_cookie(
            PRE_CSRF_COOKIE,
            new_pre_token,
            httponly=True,
            secure=is_https(request),
            samesite="lax",
            path="/",
        )
    return response


def refused(
    request: Request,
    name: str,
    context: dict[str, Any],
    exc: FootfallError,
    status_code: int | None = None,
) -> HTMLResponse:
    """A form shown again with the reason it was refused; a rate limit keeps its 429 and
    says when to come back (``Retry-After``)."""
    limited = isinstance(exc, RateLimited)
    status = exc.status if limited or status_code is None else status_code
    response = render(request, name, {**context, "error": exc.detail}, status)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
