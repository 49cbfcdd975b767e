"""Umami ``POST /api/send`` and ``POST /api/batch`` (umami v2/v3 tracker payloads).

``{"type": "event", "payload": {...}}``; a payload names its site by the Umami
``website`` UUID, which each Footfall site carries. ``url`` may be a path (the
tracker's usual form) or an absolute URL.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlunsplit

from pydantic import BaseModel, ConfigDict, StringConstraints

from footfall.domain import normalize_domain
from footfall.errors import InputError
from footfall.ingest.dialects import Origin
from footfall.ingest.request import (
    MAX_REFERRER_CHARS,
    IngestRequest,
    check_ip,
    parse_props,
    parse_timestamp,
    parse_url,
    validate,
)

_Short = Annotated[str, StringConstraints(max_length=500)]


class UmamiPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    website: uuid.UUID | None = None
    link: uuid.UUID | None = None
    pixel: uuid.UUID | None = None
    hostname: Annotated[str, StringConstraints(max_length=100)] = ""
    language: Annotated[str, StringConstraints(max_length=35)] = ""
    referrer: str = ""
    screen: Annotated[str, StringConstraints(max_length=11)] = ""
    title: str = ""
    url: Annotated[str, StringConstraints(max_length=2000)] = "/"
    name: Annotated[str, StringConstraints(max_length=50)] | None = None
    data: dict[str, Any] | None = None
    tag: _Short = ""
    id: _Short = ""
    timestamp: int | None = None
    ip: str | None = None
    userAgent: _Short | None = None


class UmamiEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["event", "identify", "performance"]
    payload: dict[str, Any]


def _screen_width(screen: str) -> int | None:
    width, _, _ = screen.partition("x")
    return int(width) if width.isdigit() else None


def build(item: object, origin: Origin, prefix: str = "") -> list[IngestRequest]:
    """Nothing for ``identify``/``performance`` payloads, which Footfall accepts but skips."""
    env = validate(UmamiEnvelope, item, prefix=prefix)
    if env.type != "event":
        return []
    p = validate(UmamiPayload, env.payload, prefix=f"{prefix}payload.")
    ids = [i for i in (p.website, p.link, p.pixel) if i is not None]
    if len(ids) != 1:
        raise InputError(
            "payload must name exactly one of website, link or pixel",
            field=f"{prefix}payload.website",
        )
    raw_url = p.url
    if raw_url.startswith("/") or not raw_url:
        host = normalize_domain(p.hostname) if p.hostname else ""
        if not host:
            raise InputError(
                "payload.hostname is required with a relative url",
                field=f"{prefix}payload.hostname",
            )
        path, _, query = (raw_url or "/").partition("?")
        raw_url = urlunsplit(("https", host, path, query, ""))
    at = f"{prefix}payload."
    request = IngestRequest(
        name=p.name or "pageview",
        url=parse_url(raw_url, f"{at}url"),
        timestamp=parse_timestamp(p.timestamp, origin.now, origin.future, f"{at}timestamp"),
        ip=check_ip(p.ip, f"{at}ip") if p.ip else origin.ip,
        user_agent=p.userAgent or origin.user_agent,
        umami_website_id=str(ids[0]),
        referrer=p.referrer[:MAX_REFERRER_CHARS],
        props=parse_props(p.data, f"{at}data"),
        screen_width=_screen_width(p.screen),
        language=p.language,
    )
    return [request]
