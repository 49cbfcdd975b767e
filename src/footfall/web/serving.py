"""How ``footfall serve`` runs uvicorn: read timeouts, a connection cap, a metrics port.

uvicorn closes idle keep-alive connections but has no deadline for a request's
headers: a client that sends half a request line holds its connection forever. The
protocol below closes a connection whose request headers are not complete within
``FOOTFALL_HEADER_TIMEOUT_SECONDS`` of its opening (or, on a kept-alive connection,
of the next request's first byte); bytes dribbled in do not extend it. Nor may the
headers grow past ``MAX_HEADER_BYTES`` (httptools sets no bound of its own). The
body's deadline is kept by web/limits.py, which can answer 408.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from footfall.config import Settings
from footfall.web.ops import metrics_response
from footfall.web.services import Services

MAX_HEADER_BYTES = 65_536  # a request line and headers larger than this are refused


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol with the header deadline. A module-level class, so
    several workers can unpickle it; each worker process reads the deadline from the
    environment it inherits (the parent validated it as a setting)."""

    seconds = float(os.environ.get("FOOTFALL_HEADER_TIMEOUT_SECONDS") or 10.0)
    _deadline: asyncio.TimerHandle | None = None
    _armed_for: object = None
    _armed_at = 0.0
    _head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        between = self.cycle is None or self.cycle.response_complete
        if between:
            if self._armed_for is not self.cycle or self._deadline is None:
                self._arm()  # the first byte of a kept-alive connection's next request
            self._head_bytes += len(data)
        super().data_received(data)
        still_in_head = between and self.cycle is self._armed_for
        if still_in_head and self._head_bytes > MAX_HEADER_BYTES:
            self.transport.close()  # headers without end: not worth parsing further

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        # One timer per connection, not one per request: a kept-alive connection's
        # requests only note when their head began; a timer that comes due while a
        # later head is still arriving waits on for that head's own deadline.
        self._armed_for = self.cycle
        self._armed_at = self.loop.time()
        self._head_bytes = 0
        if self._deadline is None:
            self._deadline = self.loop.call_at(self._armed_at + self.seconds, self._expire)

    def _expire(self) -> None:
        self._deadline = None
        if self.cycle is not self._armed_for or self.transport.is_closing():
            return  # the head arrived in time; the next request's first byte arms anew
        due = self._armed_at + self.seconds
        if self.loop.time() < due:
            self._deadline = self.loop.call_at(due, self._expire)
        else:
            self.transport.close()  # no complete request headers in time


def _header_deadline(settings: Settings) -> type[asyncio.Protocol]:
    HeaderDeadline.seconds = settings.header_timeout_seconds  # this process's workers
    return HeaderDeadline


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options shared by the one-process and the several-workers servers."""
    return {
        "host": settings.host,
        "port": settings.port,
        "http": _header_deadline(settings),
        "limit_concurrency": settings.max_connections,  # above it: 503, not a hang
        "timeout_keep_alive": 5,
        "access_log": False,
        "log_config": None,
        "proxy_headers": False,  # footfall reads X-Forwarded-For itself (footfall.proxies)
        "server_header": False,
        "timeout_graceful_shutdown": 10,
    }


def metrics_server(settings: Settings, svc: Services) -> uvicorn.Server:
    """/metrics alone, without a token, on FOOTFALL_METRICS_LISTEN (a port that only the
    scraper can reach), run in a thread beside the main server."""
    host, _, port = settings.metrics_listen.rpartition(":")

    async def metrics(_: Request) -> Response:
        return metrics_response(svc)

    app = Starlette(routes=[Route("/metrics", metrics)])
    options = server_options(settings) | {"host": host.strip("[]"), "port": int(port)}
    return uvicorn.Server(uvicorn.Config(app, lifespan="off", **options))


def start_in_thread(server: uvicorn.Server) -> threading.Thread:
    thread = threading.Thread(target=server.run, name="metrics-listener", daemon=True)
    thread.start()
    return thread
