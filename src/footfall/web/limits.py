"""Request body limits for every route, before any handler reads a byte.

One ASGI middleware around the whole app (the hot ingest routes and FastAPI's):
a declared ``Content-Length`` above ``FOOTFALL_MAX_BODY_BYTES`` is answered 413 at
once; a chunked body is counted as it streams and cut off at the limit; and the
whole body must arrive within ``FOOTFALL_BODY_TIMEOUT_SECONDS`` of the request's
start, else 408. Both answers close the connection. A body within the declared
length needs no counting (the HTTP server never delivers more than declared), so
the common case costs one deadline per ``receive``.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footfall.errors import InputError, PayloadTooLarge


class BodyTimeout(InputError):
    status = 408
    code = "request_timeout"


class BodyLimits:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _answer(send, PayloadTooLarge(self._too_large()))
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        count = declared is None  # chunked: the server does not bound it for us
        received = 0
        body_done = False
        started = answered = False

        async def limited_receive() -> Message:
            nonlocal received, body_done, answered
            if body_done:
                return await receive()  # waiting for a disconnect: no deadline
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                error: InputError = BodyTimeout(
                    f"the request body did not arrive within {self.timeout:g} seconds"
                )
            else:
                if message["type"] != "http.request":
                    return message
                body_done = not message.get("more_body", False)
                if count:
                    received += len(message.get("body", b""))
                if received <= self.max_bytes:
                    return message
                error = PayloadTooLarge(self._too_large())
            if not started:
                answered = True
                await _answer(send, error)
            raise error  # the app stops reading; whatever it answers is dropped

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the app's own answer to the refusal is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not answered:
                raise  # the app's own failure, not the refusal

    def _too_large(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _answer(send: Send, error: InputError) -> None:
    body = orjson.dumps(error.as_json())
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
