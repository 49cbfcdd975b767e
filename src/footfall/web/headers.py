"""Security headers on every response (pages, APIs, ingest, static files).

The Content-Security-Policy allows scripts from this origin and the one inline theme
script by its hash: no 'unsafe-inline' for scripts, so an injected ``<script>`` or
``onclick`` does not run. Styles keep 'unsafe-inline' (the templates use style
attributes; styles cannot run code). No page may be framed (``frame-ancestors 'none'``,
shared links included: see docs/accounts.md), except a shared dashboard embedded from
the origins its site lists (web/embed.py: that response carries its own policy). HSTS
is sent only over HTTPS, judged from the request or, behind a trusted proxy, from
``X-Forwarded-Proto``. The tracker
script stays loadable from any site: CSP binds the page that carries it, not a script
other pages embed, and no Cross-Origin-Resource-Policy is set.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footfall.proxies import TrustedProxies
from footfall.web.templating import inline_script_hashes

HSTS = (b"strict-transport-security", b"max-age=31536000")
# Swagger UI and ReDoc (operator only, no user data) load their assets from a CDN and
# start with an inline script: their own, looser policy.
DOCS_PATHS = frozenset({"/docs", "/redoc"})
_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {_CDN}; "
    f"style-src 'self' 'unsafe-inline' {_CDN} https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https:; worker-src blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def content_security_policy() -> str:
    scripts = " ".join(("'self'", *inline_script_hashes()))
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies
        # No trusted proxy: X-Forwarded-Proto is never believed, so never looked for.
        self.forwarded = bool(proxies.networks or proxies.hops)
        rest = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
        ]
        self.headers = [(b"content-security-policy", content_security_policy().encode()), *rest]
        self.docs_headers = [(b"content-security-policy", DOCS_POLICY.encode()), *rest]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = self.docs_headers if scope["path"] in DOCS_PATHS else self.headers
        extra = [*headers, HSTS] if self._https(scope) else headers

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                added = [(k, v) for k, v in extra if k not in present]
                if b"content-security-policy" in present:
                    # the route's own policy says who may frame it (an embedded shared
                    # dashboard, web/embed.py); X-Frame-Options has no allow-list
                    added = [(k, v) for k, v in added if k != b"x-frame-options"]
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _https(self, scope: Scope) -> bool:
        if not self.forwarded:
            return bool(scope.get("scheme", "http") == "https")
        client = scope.get("client")
        proto = next((v for k, v in scope["headers"] if k == b"x-forwarded-proto"), None)
        return self.proxies.https(
            scope.get("scheme", "http"),
            client[0] if client else "",
            proto.decode("latin-1") if proto is not None else None,
        )
