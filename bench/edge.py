"""What the edge layers cost per request: body limits and security headers.

Calls a bare ASGI app that answers 202 (as ingest does) directly, then through
``SecurityHeaders(BodyLimits(app))``, in-process on uvloop (as ``footfall serve``
runs), and prints microseconds per request.

    .venv/bin/python bench/edge.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import time

import uvloop
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footfall.proxies import TrustedProxies
from footfall.web.headers import SecurityHeaders
from footfall.web.limits import BodyLimits

BODY = b'{"n":"pageview","u":"https://example.com/","d":"example.com"}'


async def answer_202(scope: Scope, receive: Receive, send: Send) -> None:
    message = await receive()
    assert message["body"] == BODY
    await send({"type": "http.response.start", "status": 202, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def measure(app: ASGIApp, requests: int, chunked: bool) -> float:
    length = (b"content-length", str(len(BODY)).encode())
    headers = [(b"transfer-encoding", b"chunked")] if chunked else [length]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/event",
        "scheme": "http",
        "client": ("198.51.100.1", 5000),
        "headers": headers,
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(_: Message) -> None:
        return None

    start = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - start) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    wrapped = SecurityHeaders(BodyLimits(answer_202, 1_048_576, 30.0), TrustedProxies())
    rows = []
    for name, app, chunked in (
        ("bare app", answer_202, False),
        ("with limits + headers, Content-Length", wrapped, False),
        ("with limits + headers, chunked", wrapped, True),
    ):
        uvloop.run(measure(app, 1000, chunked))  # warm up
        rows.append((name, uvloop.run(measure(app, args.requests, chunked))))
    print(f"\nEdge layers, {args.requests} in-process requests each\n")
    print(f"{'path':<40} {'µs/request':>11}")
    for name, micros in rows:
        print(f"{name:<40} {micros:>11.2f}")
    print(f"{'overhead':<40} {rows[1][1] - rows[0][1]:>11.2f}")


if __name__ == "__main__":
    main()
