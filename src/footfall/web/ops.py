"""Operations endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from footfall.errors import FootfallError, OverloadedError
from footfall.web.deps import services
from footfall.web.errors import error_response, json_response

router = APIRouter(tags=["operations"])


@router.get("/health", summary="The process is alive")
async def health() -> Response:
    return json_response({"status": "ok"})


@router.get("/ready", summary="Store reachable and write buffer below its high-water mark")
async def ready(request: Request) -> Response:
    svc = services(request)
    try:
        await asyncio.to_thread(svc.store.ping)
        buffer = svc.buffer
        if buffer is None or buffer.depth >= buffer.high_water:
            raise OverloadedError("write buffer is at its high-water mark")
    except FootfallError as exc:
        return error_response(
            exc if isinstance(exc, OverloadedError) else OverloadedError(exc.detail)
        )
    return json_response({"status": "ready", "buffer_depth": buffer.depth})


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(services(request).metrics.registry), 200, media_type=CONTENT_TYPE_LATEST
    )
