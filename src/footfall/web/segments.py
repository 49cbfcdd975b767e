"""Segments over HTTP, for the dashboard (a session, or a shared link's read-only
list): ``/api/dashboard/{domain}/segments``. footfall/segments.py has the rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from footfall.ingest.request import loads
from footfall.offload import offload
from footfall.segments import Segments, Viewer
from footfall.web import dashboard
from footfall.web.access import Access, check_csrf, load_session, session_of
from footfall.web.deps import read_body, services
from footfall.web.errors import json_response

router = APIRouter(tags=["dashboard"], dependencies=[Depends(load_session)])


def _viewer(request: Request, access: Access) -> Viewer:
    session = session_of(request) if access.role != "shared" else None
    return Viewer(session.user.id if session else None, access.role)


async def _body(request: Request) -> dict[str, Any]:
    raw: Any = loads(await read_body(request, services(request).settings.max_body_bytes))
    return raw if isinstance(raw, dict) else {}


def _segments(request: Request) -> Segments:
    return Segments(services(request).stores.accounts)


@router.get("/api/dashboard/{domain}/segments", summary="Dashboard: the segments you may use")
async def list_segments(request: Request, domain: str) -> Response:
    access = await dashboard._access(request, domain)
    who = _viewer(request, access)
    found = await offload(_segments(request).listing, access.site, who)
    can_save = who.user_id is not None
    return json_response({"segments": found, "can_save": can_save, "can_share": who.may_share})


@router.post(
    "/api/dashboard/{domain}/segments",
    status_code=201,
    summary="Dashboard: save filters as a segment (yours, or shared with the site)",
)
async def add_segment(request: Request, domain: str) -> Response:
    access = await dashboard._access(request, domain)
    check_csrf(request, access)
    body = await _body(request)
    who, now = _viewer(request, access), services(request).clock()
    shared = body.get("shared") is True
    made = await offload(
        _segments(request).add, access.site, who, body.get("name"), body.get("filters"), shared, now
    )
    return json_response(made, 201)


@router.put("/api/dashboard/{domain}/segments/{segment_id}", summary="Dashboard: new filters")
async def update_segment(request: Request, domain: str, segment_id: int) -> Response:
    access = await dashboard._access(request, domain)
    check_csrf(request, access)
    body = await _body(request)
    who, now = _viewer(request, access), services(request).clock()
    segs = _segments(request)
    return json_response(
        await offload(segs.update, access.site, who, segment_id, body.get("filters"), now)
    )


@router.delete("/api/dashboard/{domain}/segments/{segment_id}", summary="Dashboard: remove")
async def remove_segment(request: Request, domain: str, segment_id: int) -> Response:
    access = await dashboard._access(request, domain)
    check_csrf(request, access)
    await offload(_segments(request).remove, access.site, _viewer(request, access), segment_id)
    return json_response({"removed": segment_id})
