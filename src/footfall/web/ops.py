"""Operations endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from footfall.accounts.models import Role
from footfall.errors import AuthError, FootfallError, OverloadedError
from footfall.offload import offload
from footfall.web.access import signed_in
from footfall.web.deps import is_operator, presented_token, services
from footfall.web.errors import error_response, json_response
from footfall.web.services import Services

router = APIRouter(tags=["operations"])


def health_body() -> bytes:
    return orjson.dumps({"status": "ok"})


@router.get("/health", summary="The process is alive")
async def health() -> Response:
    """Documented here; served straight from ASGI by FootfallApp (web/app.py)."""
    return json_response({"status": "ok"})


@router.get("/ready", summary="Store reachable and write buffer below its high-water mark")
async def ready(request: Request) -> Response:
    """200 when the database answers and the buffer has room. Redis, when configured, is
    reported but never makes a replica unready: without it limits count per process."""
    svc = services(request)
    try:
        await offload(svc.stores.ping)
        buffer = svc.buffer
        if buffer is None or buffer.depth >= buffer.high_water:
            raise OverloadedError("write buffer is at its high-water mark")
    except FootfallError as exc:
        return error_response(
            exc if isinstance(exc, OverloadedError) else OverloadedError(exc.detail)
        )
    body: dict[str, object] = {"status": "ready", "database": "ok", "buffer_depth": buffer.depth}
    if svc.shared is not None:
        body["redis"] = "ok" if await offload(svc.shared.ping) else "down"
    return json_response(body)


def operator_only(request: Request) -> None:
    """The operations views that tell about the deployment (/metrics, /docs, /openapi.json)
    need the operator's admin token (``Authorization: Bearer``) or, for a browser, a
    session of an instance owner. FOOTFALL_METRICS_LISTEN serves /metrics without one."""
    try:
        if is_operator(request, presented_token(request)):
            return
    except AuthError:
        pass
    session = signed_in(request)
    if session is None or session.user.role != Role.OWNER:
        raise AuthError(
            "this needs the operator's admin token (Authorization: Bearer) or an owner's session",
            code="operator_only",
        )


def metrics_response(svc: Services) -> Response:
    return Response(generate_latest(svc.metrics.registry), 200, media_type=CONTENT_TYPE_LATEST)


@router.get("/metrics", summary="Prometheus metrics (operator token)")
async def metrics(request: Request) -> Response:
    await offload(operator_only, request)
    return metrics_response(services(request))


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> Response:
    await offload(operator_only, request)
    return json_response(request.app.openapi())


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> Response:
    await offload(operator_only, request)
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Footfall API")


@router.get("/redoc", include_in_schema=False)
async def redoc(request: Request) -> Response:
    await offload(operator_only, request)
    return get_redoc_html(openapi_url="/openapi.json", title="Footfall API")
