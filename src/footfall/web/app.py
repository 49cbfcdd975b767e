"""The app factory: one FastAPI app with ingest, management and operations routes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footfall import __version__
from footfall.config import Settings, load_settings
from footfall.metrics import Metrics
from footfall.store.base import Store
from footfall.web import admin, errors, ingest, ops
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


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, clock: Clock = utc_now
) -> FastAPI:
    settings = settings or load_settings()
    svc = Services.build(settings, store, clock)

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
    )
    app.state.services = svc
    app.state.started = time.time()
    errors.install(app)
    for router in (ingest.router, admin.router, ops.router):
        app.include_router(router)
    app.add_middleware(RequestMetrics, metrics=svc.metrics)
    return app
