"""Small request helpers shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

from fastapi import Request
from starlette.requests import ClientDisconnect

from footfall.apikeys import bearer_token, same_secret
from footfall.domain import ApiKey, Scope
from footfall.errors import PayloadTooLarge
from footfall.web.services import Services

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def client_ip(request: Request) -> str:
    """The client's address: the peer, or what FOOTFALL_TRUSTED_PROXIES say it is."""
    client = request.scope.get("client")  # not request.client: no Address built
    peer = client[0] if client else ""
    return services(request).settings.proxies.client(peer, request.headers.get("x-forwarded-for"))


async def read_body(request: Request, limit: int) -> bytes:
    """Read at most ``limit`` bytes; refuse larger bodies before parsing any of them."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    # The ASGI messages themselves, not ``request.stream()``: its async generator cost
    # ~4% of a single-event request's CPU, for one message in the common case.
    more = True
    while more:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is larger than {limit} bytes")
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def presented_token(request: Request) -> str:
    return bearer_token(request.headers.get("authorization"), request.headers.get("x-api-key"))


def is_operator(request: Request, token: str) -> bool:
    """The operator's admin token (the CLI sends it over loopback), compared in constant time."""
    return same_secret(token, services(request).admin_token)


async def api_key(request: Request, scope: Scope) -> ApiKey:
    return await services(request).keys.verify(presented_token(request), scope)


def set_stats_caller(request: Request, caller: str) -> None:
    """Whose share of the stats pool this request's reads use (see ``stats_read``)."""
    request.state.stats_caller = caller


async def stats_read(request: Request, fn: Callable[[*Ts], T], *args: *Ts) -> T:
    """``fn(*args)`` on the stats pool as the request's caller: the API key, user or
    shared-link visitor its route named, else its client address."""
    svc = services(request)
    caller = getattr(request.state, "stats_caller", None)
    if caller is None:
        caller = "ip:" + client_ip(request)
    return await svc.reads.run(caller, fn, *args)
