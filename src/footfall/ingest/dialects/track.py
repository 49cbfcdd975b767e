"""Server-side tracking: ``/api/v1/track/event``, ``/api/v1/track/batch`` and the
original microservice's ``/log-visit``. The API key has already fixed the site."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from footfall.domain import Site, normalize_domain
from footfall.errors import ForbiddenError, InputError
from footfall.ingest.dialects import Origin
from footfall.ingest.request import (
    MAX_NAME_CHARS,
    MAX_REFERRER_CHARS,
    IngestRequest,
    check_ip,
    parse_props,
    parse_revenue,
    parse_timestamp,
    parse_url,
    validate,
)

MAX_BATCH = 1000
_UA = Annotated[str, StringConstraints(max_length=1000)]


class TrackEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(max_length=8000)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS)] = "pageview"
    timestamp: str | float | None = None
    ip: str | None = None
    user_agent: _UA | None = None
    referrer: str | None = None
    props: Any = None
    revenue: Any = None
    screen_width: Annotated[int, Field(ge=0, le=100_000)] | None = None
    language: Annotated[str, StringConstraints(max_length=35)] = ""
    interactive: bool = True


class LogVisit(BaseModel):
    """The original microservice's contract, kept as it was."""

    model_config = ConfigDict(extra="ignore")

    site: Annotated[str, StringConstraints(max_length=253)] | None = None
    url: Annotated[str, StringConstraints(max_length=8000)]
    timestamp: str | float | None = None
    ip: str | None = None
    user_agent: _UA | None = None
    referrer: str | None = None


def _retention_bound(site: Site, ts: datetime, now: datetime, field: str) -> None:
    if site.retention_days is not None and ts < now - timedelta(days=site.retention_days):
        raise InputError(
            f"{field} is older than the site's retention of {site.retention_days} days",
            field=field,
            code="timestamp_too_old",
        )


def build_event(item: object, origin: Origin, prefix: str = "") -> list[IngestRequest]:
    site = origin.keyed_site()
    e = validate(TrackEvent, item, prefix=prefix)
    ts = parse_timestamp(e.timestamp, origin.now, origin.future, f"{prefix}timestamp")
    _retention_bound(site, ts, origin.now, f"{prefix}timestamp")
    request = IngestRequest(
        name=e.name,
        url=parse_url(e.url, f"{prefix}url"),
        timestamp=ts,
        ip=check_ip(e.ip, f"{prefix}ip") if e.ip else origin.ip,
        user_agent=e.user_agent if e.user_agent is not None else origin.user_agent,
        site_id=site.id,
        referrer=(e.referrer or "")[:MAX_REFERRER_CHARS],
        props=parse_props(e.props, f"{prefix}props"),
        revenue=parse_revenue(e.revenue, f"{prefix}revenue"),
        interactive=e.interactive,
        screen_width=e.screen_width,
        language=e.language,
    )
    return [request]


def batch_items(data: object) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise InputError('body must be {"events": [...]}', field="events")
    events: list[Any] = data["events"]
    if not events:
        raise InputError("events is empty", field="events")
    if len(events) > MAX_BATCH:
        raise InputError(
            f"a batch holds at most {MAX_BATCH} events", field="events", code="batch_too_large"
        )
    return events


def build_log_visit(item: object, origin: Origin, prefix: str = "") -> list[IngestRequest]:
    site = origin.keyed_site()
    v = validate(LogVisit, item, prefix=prefix)
    if v.site is not None and normalize_domain(v.site) != site.domain:
        raise ForbiddenError(f"this key writes only to {site.domain}", field=f"{prefix}site")
    ts = parse_timestamp(v.timestamp, origin.now, origin.future, f"{prefix}timestamp")
    _retention_bound(site, ts, origin.now, f"{prefix}timestamp")
    request = IngestRequest(
        name="pageview",
        url=parse_url(v.url, f"{prefix}url"),
        timestamp=ts,
        ip=check_ip(v.ip, f"{prefix}ip") if v.ip else origin.ip,
        user_agent=v.user_agent if v.user_agent is not None else origin.user_agent,
        site_id=site.id,
        referrer=(v.referrer or "")[:MAX_REFERRER_CHARS],
    )
    return [request]
