"""The app factory: one FastAPI app with ingest, management and operations routes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footfall import __version__
from footfall.config import Settings, load_settings
from footfall.errors import FootfallError
from footfall.metrics import Metrics
from footfall.store.registry import Stores
from footfall.web import (
    dashboard,
    errors,
    funnels,
    ingest,
    management,
    onboarding,
    ops,
    pages,
    realtime,
    segments,
    site_data,
    stats,
    tracker,
)
from footfall.web.headers import SecurityHeaders
from footfall.web.limits import BodyLimits
from footfall.web.services import Clock, Services, utc_now


class RequestMetrics:
    """Counts requests by route template (never the raw path: unbounded labels)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route: Any = scope.get("route")
            name = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(name, scope["method"], str(status)).inc()


Endpoint = Callable[[Request], Awaitable[Response]]
# What ops.health answers, prebuilt (each send gets a new list: later layers add to it).
_HEALTH = ops.health_body()
_HEALTH_LENGTH = str(len(_HEALTH)).encode()
HEALTH_BODY: Message = {"type": "http.response.body", "body": _HEALTH}
_CORS = [(k.encode(), v.encode()) for k, v in ingest.CORS_HEADERS.items()]


class FootfallApp:
    """The ASGI app served: hot ingest routes straight from ASGI, the rest via FastAPI.

    FastAPI's routing and middleware layers cost about half the CPU of an ingest
    request here (profiled with py-spy), so POSTs to the ingest paths skip them. The
    same endpoint functions stay registered with FastAPI, which documents them in
    /openapi.json; errors and request metrics are handled here the same way. So does
    ``GET /health`` (a load balancer asks it every few seconds per target; it is the
    cheapest route, ~70% of whose CPU was FastAPI's stack): its answer is prebuilt.
    """

    def __init__(
        self, api: FastAPI, hot: Mapping[str, Endpoint], metrics: Metrics, settings: Settings
    ) -> None:
        self.api = api
        self.hot = hot
        self.metrics = metrics
        self._counters: dict[tuple[str, str, int], Any] = {}  # hot paths only: bounded
        # Outermost, for every route: body limits, then security headers on every answer.
        limited = BodyLimits(self._dispatch, settings.max_body_bytes, settings.body_timeout_seconds)
        self._entry = SecurityHeaders(limited, settings.proxies)

    @property
    def state(self) -> State:
        return self.api.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._entry(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/health" and scope["method"] == "GET":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-length", _HEALTH_LENGTH),
                        (b"content-type", b"application/json"),
                    ],
                }
            )
            await send(HEALTH_BODY)
            self._count("/health", "GET", 200)
            return
        endpoint = self.hot.get(scope["path"]) if scope["type"] == "http" else None
        if endpoint is None or scope["method"] not in ("POST", "OPTIONS"):
            await self.api(scope, receive, send)
            return
        browser = scope["path"] in ingest.BROWSER_ROUTES
        scope["app"] = self.api
        if scope["method"] == "OPTIONS":
            status = 204 if browser else 405
            response = Response(
                status_code=status, headers=ingest.PREFLIGHT_HEADERS if browser else None
            )
        else:
            # On its way to the write buffer until it submits (ingest/buffer.py): a
            # full buffer's flush waits for it.
            services = getattr(self.state, "services", None)
            buffer = services.buffer if services is not None else None
            if buffer is not None:
                buffer.expect()
            try:
                response = await endpoint(Request(scope, receive))
            except FootfallError as exc:
                response = errors.error_response(exc)
            except Exception as exc:  # the same last resort FastAPI's stack would give
                response = await errors.unexpected(Request(scope), exc)
            finally:
                if buffer is not None:
                    buffer.settle()
            if browser:
                response.raw_headers.extend(_CORS)  # no route of these sets it itself
        await response(scope, receive, send)
        self._count(scope["path"], scope["method"], response.status_code)

    def _count(self, path: str, method: str, status: int) -> None:
        """The request counter's child for these labels, looked up once (``labels``
        builds and locks on every call: ~2% of an ingest request's CPU)."""
        key = (path, method, status)
        child = self._counters.get(key)
        if child is None:
            child = self._counters[key] = self.metrics.requests.labels(path, method, str(status))
        child.inc()


def create_app(
    settings: Settings | None = None, *, stores: Stores | None = None, clock: Clock = utc_now
) -> FootfallApp:
    settings = settings or load_settings()
    svc = Services.build(settings, stores, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await svc.start()
        try:
            yield
        finally:
            await svc.stop()

    app = FastAPI(
        title="Footfall",
        version=__version__,
        summary="Privacy-first web analytics: cookieless, no stored IPs.",
        lifespan=lifespan,
        openapi_url=None,  # served by ops.py behind the operator token, as are /docs and /redoc
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = svc
    app.state.started = time.time()
    errors.install(app)
    for router in (ingest.router, stats.router, management.router, ops.router, tracker.router):
        app.include_router(router)
    app.include_router(dashboard.router)
    app.include_router(funnels.router)
    app.include_router(funnels.board)
    app.include_router(segments.router)
    app.include_router(realtime.router)
    app.include_router(onboarding.router)
    app.include_router(site_data.router)
    pages.install(app, svc)  # accounts, site pages, /static, HTML error pages
    app.add_middleware(RequestMetrics, metrics=svc.metrics)
    return FootfallApp(app, ingest.HOT_ROUTES, svc.metrics, settings)
