"""Request body limits for every route, before any handler reads a byte.

One ASGI middleware around the whole app (the hot ingest routes and FastAPI's):
a declared ``Content-Length`` above ``FOOTFALL_MAX_BODY_BYTES`` is answered 413 at
once; a chunked body is counted as it streams and cut off at the limit; and the
whole body must arrive within ``FOOTFALL_BODY_TIMEOUT_SECONDS`` of the request's
start, else 408. Both answers close the connection. A body within the declared
length needs no counting (the HTTP server never delivers more than declared), and a
request without a body is passed through untouched.
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
        declared, chunked = _framing(scope)
        if declared is not None and declared > self.max_bytes:
            await _answer(send, PayloadTooLarge(self.too_large()))
            return
        if not chunked and not declared:
            await self.app(scope, receive, send)  # no body (HTTP/1.1 framing): nothing to guard
            return
        await _Guarded(self, send, counting=chunked).run(scope, receive)

    def too_large(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes"


class _Guarded:
    """One request with a body: the deadline, the count, and the refusal, sent once.

    One timer per request (cheaper than a timeout around every ``receive``): if it
    fires while the app waits in ``receive``, that wait is cancelled and turned into
    the 408; if the app is busy elsewhere, its next ``receive`` gets the 408.
    """

    def __init__(self, limits: BodyLimits, send: Send, counting: bool) -> None:
        self.limits = limits
        self.send = send
        self.counting = counting  # chunked: the server does not bound the size for us
        self.received = 0
        self.body_done = self.expired = self.waiting = False
        self.started = self.answered = False
        self.task = asyncio.current_task()

    async def run(self, scope: Scope, receive: Receive) -> None:
        self.upstream = receive
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.limits.timeout, self._expire)
        try:
            await self.limits.app(scope, self.receive, self.guarded_send)
        except Exception:
            if not self.answered:
                raise  # the app's own failure, not the refusal
        finally:
            timer.cancel()

    def _expire(self) -> None:
        if self.body_done:
            return
        self.expired = True
        if self.waiting and self.task is not None:
            self.task.cancel()

    async def receive(self) -> Message:
        if self.body_done:
            return await self.upstream()  # waiting for a disconnect: no deadline
        message = None if self.expired else await self._wait()
        error: InputError
        if message is None:
            seconds = f"{self.limits.timeout:g}"
            error = BodyTimeout(f"the request body did not arrive within {seconds} seconds")
        elif message["type"] != "http.request":
            return message
        else:
            self.body_done = not message.get("more_body", False)
            if self.counting:
                self.received += len(message.get("body", b""))
            if self.received <= self.limits.max_bytes:
                return message
            error = PayloadTooLarge(self.limits.too_large())
        if not self.started:
            self.answered = True
            await _answer(self.send, error)
        raise error  # the app stops reading; whatever it answers is dropped

    async def _wait(self) -> Message | None:
        """The next message, or None when the deadline cancelled the wait."""
        self.waiting = True
        try:
            return await self.upstream()
        except asyncio.CancelledError:
            if not self.expired or self.task is None:
                raise  # cancelled by someone else
            self.task.uncancel()
            return None
        finally:
            self.waiting = False

    async def guarded_send(self, message: Message) -> None:
        if self.answered:
            return  # the app's own answer to the refusal is dropped
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """(declared Content-Length, chunked). With neither, an HTTP/1.1 request has no body."""
    declared: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = int(value) if value.isdigit() else None
            chunked = chunked or declared is None  # unreadable length: count it
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked


async def _answer(send: Send, error: InputError) -> None:
    body = orjson.dumps(error.as_json())
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
