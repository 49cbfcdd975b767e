"""Ingest routes. Each one only translates: parse -> ingest core -> status code."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from footfall.domain import DropReason, Scope, Site
from footfall.errors import FootfallError, InputError, NotFoundError
from footfall.ingest.dialects import Build, Origin, plausible, track, umami
from footfall.ingest.pipeline import Outcome
from footfall.ingest.request import IngestRequest, loads
from footfall.ingest.service import Ingestor
from footfall.web.deps import api_key, client_ip, read_body, services
from footfall.web.errors import json_response

router = APIRouter(tags=["ingest"])
_BOT_REASONS = {DropReason.BOT_USER_AGENT, DropReason.HEADLESS_BROWSER, DropReason.EMPTY_USER_AGENT}
_JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


class _Edge:
    """What every ingest route reads off the request, in one place."""

    def __init__(self, request: Request) -> None:
        svc = services(request)
        self.svc = svc
        self.now = svc.clock()
        self.future = timedelta(seconds=svc.settings.future_tolerance_seconds)
        self.ip = client_ip(request)
        self.user_agent = request.headers.get("user-agent", "")
        assert svc.ingestor is not None, "app not started"
        assert svc.ingest_limits is not None, "app not started"
        self.ingestor: Ingestor = svc.ingestor
        self.limits = svc.ingest_limits
        self.sender = ("ip", self.ip)  # whose rate limit counts: the key's once known

    async def ingest(
        self, requests: Sequence[IngestRequest], endpoint: str, *, batch: bool = False
    ) -> list[Outcome]:
        """``batch``: enriched as columns, the outcomes without their events."""
        await self.limits.check(*self.sender, len(requests))
        return await self.ingestor.ingest(requests, endpoint, columns=batch)

    async def json(self, request: Request) -> Any:
        return loads(await read_body(request, self.svc.settings.max_body_bytes))

    def origin(self, site: Site | None = None) -> Origin:
        return Origin(self.ip, self.user_agent, self.now, self.future, site)

    async def keyed(self, request: Request) -> Origin:
        """The origin with the site the request's ingest key writes to."""
        key = await api_key(request, Scope.INGEST)
        self.sender = ("key", key.prefix)
        site = await self.svc.sites.by_id(key.site_id)
        if site is None:
            raise NotFoundError("the key's site no longer exists")
        return self.origin(site)


def _dropped_header(outcomes: list[Outcome]) -> dict[str, str]:
    reasons = sorted({o.dropped.value for o in outcomes if o.dropped is not None})
    return {"x-footfall-dropped": ",".join(reasons)} if reasons else {}


@router.post(
    "/api/event", status_code=202, summary="Plausible Events API", openapi_extra=_JSON_BODY
)
async def plausible_event(request: Request) -> Response:
    edge = _Edge(request)
    body = await read_body(request, edge.svc.settings.max_body_bytes)
    try:
        requests = plausible.build(loads(body), edge.origin())
    except InputError as exc:
        # Plausible answers {"errors": {field: [message]}}; ours rides along.
        payload: dict[str, Any] = {
            **exc.as_json(),
            "errors": {exc.field or "request": [exc.detail]},
        }
        return json_response(payload, exc.status)
    outcomes = await edge.ingest(requests, "plausible")
    if request.headers.get("x-debug-request") == "true":
        return json_response({"ip": edge.ip, "dropped": _dropped_header(outcomes)}, 200)
    return json_response({}, 202, _dropped_header(outcomes))


def _umami_answer(outcome: Outcome) -> dict[str, str]:
    if outcome.dropped in _BOT_REASONS:
        return {"beep": "boop"}
    if outcome.event is None:
        return {}
    # The visit is the store's to decide (footfall/visits.py) once every event is in;
    # Umami's tracker keeps neither id, so the visitor's stands for both.
    session = str(uuid.UUID(int=outcome.event.visitor_id))
    return {"cache": "", "sessionId": session, "visitId": session}


@router.post("/api/send", summary="Umami event", openapi_extra=_JSON_BODY)
async def umami_send(request: Request) -> Response:
    edge = _Edge(request)
    data = await edge.json(request)
    requests = umami.build(data, edge.origin())
    if not requests:
        return json_response({})
    outcomes = await edge.ingest(requests, "umami")
    return json_response(_umami_answer(outcomes[0]), 200, _dropped_header(outcomes))


def _build_each(
    items: list[Any], build: Build, origin: Origin, prefix: str
) -> tuple[list[IngestRequest], list[dict[str, Any]]]:
    """Build every item on its own: a bad one becomes an error entry, never a 4xx."""
    good: list[IngestRequest] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            good.extend(build(item, origin, f"{prefix}{index}."))
        except FootfallError as exc:
            errors.append({"index": index, **exc.as_json()})
    return good, errors


@router.post("/api/batch", summary="Umami batch", openapi_extra=_JSON_BODY)
async def umami_batch(request: Request) -> Response:
    edge = _Edge(request)
    data = await edge.json(request)
    if not isinstance(data, list):
        raise InputError("body must be a JSON array of Umami events")
    if len(data) > track.MAX_BATCH:
        raise InputError(f"a batch holds at most {track.MAX_BATCH} events", code="batch_too_large")
    good, errors = _build_each(data, umami.build, edge.origin(), "events.")
    outcomes = await edge.ingest(good, "umami", batch=True)
    body = {
        "size": len(data),
        "processed": len(data) - len(errors),
        "errors": len(errors),
        "details": errors,
        "cache": "",
    }
    return json_response(body, 200, _dropped_header(outcomes))


def _report(total: int, outcomes: list[Outcome], errors: list[dict[str, Any]]) -> dict[str, Any]:
    dropped = sum(1 for o in outcomes if o.dropped is not None)
    return {
        "processed": total - len(errors),
        "failed": len(errors),
        "dropped": dropped,
        "errors": errors,
    }


async def _keyed_single(request: Request, build: Build, endpoint: str) -> Response:
    """One server-side event under an ingest key: /api/v1/track/event and /log-visit."""
    edge = _Edge(request)
    origin = await edge.keyed(request)
    outcomes = await edge.ingest(build(await edge.json(request), origin), endpoint)
    return json_response(_report(1, outcomes, []), 202, _dropped_header(outcomes))


@router.post(
    "/api/v1/track/event",
    status_code=202,
    summary="Server-side event (X-API-Key)",
    openapi_extra=_JSON_BODY,
)
async def track_event(request: Request) -> Response:
    return await _keyed_single(request, track.build_event, "track")


@router.post(
    "/api/v1/track/batch",
    status_code=202,
    summary="Server-side batch of up to 1000 events (X-API-Key)",
    openapi_extra=_JSON_BODY,
)
async def track_batch(request: Request) -> Response:
    edge = _Edge(request)
    origin = await edge.keyed(request)
    items = track.batch_items(await edge.json(request))
    good, errors = track.build_batch(items, origin)
    outcomes = await edge.ingest(good, "track", batch=True)
    return json_response(_report(len(items), outcomes, errors), 202, _dropped_header(outcomes))


@router.post(
    "/log-visit",
    status_code=202,
    summary="The original microservice's visit log",
    openapi_extra=_JSON_BODY,
)
async def log_visit(request: Request) -> Response:
    return await _keyed_single(request, track.build_log_visit, "log_visit")


# Served straight from ASGI by FootfallApp (see web/app.py): the ingest hot path.
HOT_ROUTES = {
    "/api/event": plausible_event,
    "/api/send": umami_send,
    "/api/batch": umami_batch,
    "/api/v1/track/event": track_event,
    "/api/v1/track/batch": track_batch,
    "/log-visit": log_visit,
}

# Called by trackers on other sites' pages: these answer CORS (Umami's tracker sends
# application/json, so the browser asks first with a preflight OPTIONS).
BROWSER_ROUTES = frozenset({"/api/event", "/api/send", "/api/batch"})
CORS_HEADERS = {"access-control-allow-origin": "*"}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "content-type, x-umami-cache",
    "access-control-max-age": "86400",
}
