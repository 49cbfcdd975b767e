"""Plausible Events API (``POST /api/event``), byte-compatible with its tracker.

Keys come short (``n``, ``u``, ``d``...) from the tracker and long from server-side
clients; see shared/COMPAT.md and Plausible's ``ingestion/request.ex``.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from footfall.domain import (
    ENGAGED_MS,
    ENGAGEMENT,
    SCROLL_DEPTH,
    engagement_props,
    normalize_domain,
)
from footfall.errors import InputError
from footfall.ingest.dialects import Origin
from footfall.ingest.request import (
    MAX_NAME_CHARS,
    MAX_REFERRER_CHARS,
    IngestRequest,
    parse_props,
    parse_revenue,
    parse_url,
    validate,
)

_Text = Annotated[str, Field(max_length=8000)]


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


class PlausiblePayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)] = Field(
        validation_alias=_alias("n", "name")
    )
    url: _Text = Field(validation_alias=_alias("u", "url"))
    domain: _Text | None = Field(default=None, validation_alias=_alias("d", "domain"))
    referrer: str | None = Field(default=None, validation_alias=_alias("r", "referrer"))
    props: Any = Field(default=None, validation_alias=_alias("m", "meta", "p", "props"))
    revenue: Any = Field(default=None, validation_alias=_alias("$", "revenue"))
    interactive: bool = Field(default=True, validation_alias=_alias("i", "interactive"))
    hash_mode: bool | None = Field(default=None, validation_alias=_alias("h", "hashMode"))
    screen_width: int | None = Field(default=None, validation_alias=_alias("w"), ge=0)
    # engagement events only: engaged milliseconds and scroll depth in percent
    engagement_time: int | None = Field(
        default=None, validation_alias=_alias("e", "engagement_time"), ge=0, le=2**53
    )
    scroll_depth: int | None = Field(
        default=None, validation_alias=_alias("sd", "scroll_depth"), ge=-1, le=2**31
    )


def _engagement(engaged_ms: int | None, scroll_depth: int | None) -> dict[str, str]:
    """Plausible's tracker sends a depth of -1 before it measured one: no depth."""
    props = {ENGAGED_MS: str(engaged_ms or 0)}
    if scroll_depth is not None and scroll_depth >= 0:
        props[SCROLL_DEPTH] = str(scroll_depth)
    return engagement_props(props)


def build(item: object, origin: Origin, prefix: str = "") -> list[IngestRequest]:
    """One request per domain of the (possibly comma-separated) ``d`` field."""
    if not isinstance(item, dict):
        raise InputError("request body must be a JSON object")
    p = validate(PlausiblePayload, item, prefix=prefix)
    url = parse_url(p.url)
    base = IngestRequest(
        name=p.name,
        url=url,
        timestamp=origin.now,
        ip=origin.ip,
        user_agent=origin.user_agent,
        referrer=(p.referrer or "")[:MAX_REFERRER_CHARS],
        props=_engagement(p.engagement_time, p.scroll_depth)
        if p.name == ENGAGEMENT
        else parse_props(p.props),
        revenue=parse_revenue(p.revenue),
        interactive=p.interactive,
        hash_mode=bool(p.hash_mode),
        screen_width=p.screen_width,
    )
    domains = [normalize_domain(d) for d in (p.domain or url.hostname or "").split(",")]
    out = [dataclasses.replace(base, domain=d) for d in dict.fromkeys(domains) if d]
    if not out:
        raise InputError("domain is empty", field="domain")
    return out
