"""One renderer for every error: JSON ``{"error","detail","field"}``; stacks only for 5xx."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from footfall.errors import FootfallError, InputError, OverloadedError, RateLimited

log = logging.getLogger("footfall.web")
GENERIC = "the server failed; see its log"
# A client that left before its request was read (nginx's 499): nobody gets the answer,
# and it is not a failure of ours; counted under this status in /metrics.
CLIENT_GONE = 499


def json_response(
    body: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _text(value: str | None) -> str | None:
    """A sentence the JSON writer takes: an echoed lone surrogate is shown escaped."""
    return value.encode("utf-8", "backslashreplace").decode() if value is not None else None


def error_response(exc: FootfallError) -> Response:
    headers = {}
    if isinstance(exc, OverloadedError | RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    body = exc.as_json()
    if exc.status >= 500 and not isinstance(exc, OverloadedError):
        log.error("server error: %s", exc.detail, exc_info=exc)
    if exc.status == 500:
        # A failure of ours (a StoreError carries the engine's message, with the SQL it
        # ran): the log has it, the client gets the code and a sentence.
        body = {**body, "detail": GENERIC, "field": None}
    body = {k: _text(v) for k, v in body.items()}
    return json_response(body, exc.status, headers)


async def _footfall_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, FootfallError)
    return error_response(exc)


def input_error(exc: RequestValidationError) -> InputError:
    """FastAPI's refusal of a parameter or form field as our 400, naming the field."""
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    where = ".".join(loc) or None
    detail = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg"))
    return InputError(detail, field=where)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(input_error(exc))


async def http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return json_response(
        {"error": code, "detail": str(exc.detail), "field": None}, exc.status_code, exc.headers
    )


async def client_gone(_: Request, __: Exception) -> Response:
    log.debug("the client left before its request was read")
    return Response(status_code=CLIENT_GONE)


async def unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ClientDisconnect):  # the hot ingest routes come here for both
        return await client_gone(request, exc)
    log.error("unhandled error", exc_info=exc)
    body = {"error": "internal_error", "detail": GENERIC, "field": None}
    return json_response(body, 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(FootfallError, _footfall_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, http_error)
    # Its own handler, not the catch-all's: Starlette re-raises what reaches that one
    # (to the server's log), whatever the handler answered.
    app.add_exception_handler(ClientDisconnect, client_gone)
    app.add_exception_handler(Exception, unexpected)
