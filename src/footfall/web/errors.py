"""One renderer for every error: JSON ``{"error","detail","field"}``; stacks only for 5xx."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from footfall.errors import FootfallError, OverloadedError, RateLimited

log = logging.getLogger("footfall.web")


def json_response(
    body: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def error_response(exc: FootfallError) -> Response:
    headers = {}
    if isinstance(exc, OverloadedError | RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status >= 500 and not isinstance(exc, OverloadedError):
        log.error("server error: %s", exc.detail, exc_info=exc)
    return json_response(exc.as_json(), exc.status, headers)


async def _footfall_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, FootfallError)
    return error_response(exc)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    where = ".".join(loc) or None
    detail = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg"))
    return json_response({"error": "invalid_input", "detail": detail, "field": where}, 400)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return json_response(
        {"error": code, "detail": str(exc.detail), "field": None}, exc.status_code, exc.headers
    )


async def unexpected(_: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    body = {"error": "internal_error", "detail": "the server failed; see its log", "field": None}
    return json_response(body, 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(FootfallError, _footfall_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, unexpected)
