"""The tracker script: ``/js/script.js`` and its versioned, immutable path; the
engagement build at ``/js/script.engagement.js``."""

from __future__ import annotations

import gzip
import hashlib
from functools import cache

from fastapi import APIRouter, Request
from starlette.responses import Response

from footfall import tracker
from footfall.errors import NotFoundError

router = APIRouter(tags=["tracker"])
# The plain path must pick up a new release within the hour; a versioned path never changes.
_PLAIN_CACHE = "public, max-age=3600"
_IMMUTABLE_CACHE = "public, max-age=31536000, immutable"


@cache
def _gzipped(engagement: bool = False) -> bytes:
    body = tracker.engagement_script() if engagement else tracker.script()
    return gzip.compress(body, compresslevel=9, mtime=0)


@cache
def _engagement_etag() -> str:
    return f'"{hashlib.sha256(tracker.engagement_script()).hexdigest()[:12]}"'


def _serve(request: Request, cache_control: str, *, engagement: bool = False) -> Response:
    etag = _engagement_etag() if engagement else f'"{tracker.version()}"'
    headers = {
        "cache-control": cache_control,
        "etag": etag,
        "vary": "accept-encoding",
        "access-control-allow-origin": "*",
        "x-content-type-options": "nosniff",
    }
    media = "text/javascript; charset=utf-8"
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["content-encoding"] = "gzip"
        return Response(_gzipped(engagement), media_type=media, headers=headers)
    body = tracker.engagement_script() if engagement else tracker.script()
    return Response(body, media_type=media, headers=headers)


@router.get("/js/script.js", summary="The tracker (cached for an hour)")
async def script(request: Request) -> Response:
    return _serve(request, _PLAIN_CACHE)


@router.get("/js/script.engagement.js", summary="The tracker with engagement (an hour)")
async def engagement_script(request: Request) -> Response:
    return _serve(request, _PLAIN_CACHE, engagement=True)


@router.get("/js/script.{version}.js", summary="The tracker at its content-hash path (immutable)")
async def versioned_script(request: Request, version: str) -> Response:
    if version != tracker.version():
        raise NotFoundError(f"no tracker version {version!r}; this server has {tracker.version()}")
    return _serve(request, _IMMUTABLE_CACHE)
