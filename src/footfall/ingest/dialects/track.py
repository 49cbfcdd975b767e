"""Server-side tracking: ``/api/v1/track/event``, ``/api/v1/track/batch`` and the
original microservice's ``/log-visit``. The API key has already fixed the site."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import SplitResult

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from footfall.domain import Site, normalize_domain
from footfall.errors import FootfallError, ForbiddenError, InputError
from footfall.ingest.dialects import Origin
from footfall.ingest.request import (
    MAX_NAME_CHARS,
    MAX_REFERRER_CHARS,
    IngestRequest,
    Revenue,
    canonical_ip,
    check_ip,
    parse_props,
    parse_revenue,
    parse_timestamp,
    parse_url,
    split_url,
    text_ok,
    validate,
)

MAX_BATCH = 1000
# The bounds of the items' fields, as pydantic checks them and as ``_plain`` does.
MAX_URL, MAX_UA, MAX_LANGUAGE, MAX_SCREEN = 8000, 1000, 35, 100_000
_URL = Annotated[str, StringConstraints(max_length=MAX_URL)]
_UA = Annotated[str, StringConstraints(max_length=MAX_UA)]


class TrackEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: _URL
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS)] = "pageview"
    timestamp: str | float | None = None
    ip: str | None = None
    user_agent: _UA | None = None
    referrer: str | None = None
    props: Any = None
    revenue: Any = None
    screen_width: Annotated[int, Field(ge=0, le=MAX_SCREEN)] | None = None
    language: Annotated[str, StringConstraints(max_length=MAX_LANGUAGE)] = ""
    interactive: bool = True


class LogVisit(BaseModel):
    """The original microservice's contract, kept as it was."""

    model_config = ConfigDict(extra="ignore")

    site: Annotated[str, StringConstraints(max_length=253)] | None = None
    url: _URL
    timestamp: str | float | None = None
    ip: str | None = None
    user_agent: _UA | None = None
    referrer: str | None = None


_FIELDS = frozenset(TrackEvent.model_fields)
_DEFAULTS = {k: f.default for k, f in TrackEvent.model_fields.items() if not f.is_required()}
_TEXT = {"url": MAX_URL, "name": MAX_NAME_CHARS, "user_agent": MAX_UA, "language": MAX_LANGUAGE}
_TEXT |= {"ip": 0, "referrer": 0, "timestamp": 0}  # 0: no length bound
_NULLABLE = frozenset({"timestamp", "ip", "user_agent", "referrer", "screen_width"})
_EXACT_FLOAT = 1 << 53  # an integer timestamp below this is its float exactly


def _plain(item: object) -> dict[str, Any] | None:
    """The item's fields with the defaults filled in, when ``TrackEvent`` would take every
    one as it is (JSON's plain types, within bounds); else None, and pydantic decides and
    words the error. Validating a plain item with pydantic was ~2 us of the ~20 us an
    event may cost in a 100-event batch (issue 17); tests/ingest/test_track.py checks
    that whatever this takes, pydantic takes alike."""
    if type(item) is not dict or "url" not in item or not item.keys() <= _FIELDS:
        return None
    for key, value in item.items():
        kind = type(value)
        if key == "props" or key == "revenue":
            continue
        if kind is str:
            limit = _TEXT.get(key)
            if limit is None or (limit and len(value) > limit):
                return None  # a number or flag given as text: pydantic coerces it
            if (key == "name" and not value) or not (value.isascii() or text_ok(value)):
                return None
        elif value is None:
            if key not in _NULLABLE:
                return None
        elif kind is float:
            if key != "timestamp":
                return None
        elif kind is int:
            if key == "timestamp":
                if not -_EXACT_FLOAT < value < _EXACT_FLOAT:
                    return None
            elif key != "screen_width" or not 0 <= value <= MAX_SCREEN:
                return None
        elif kind is not bool or key != "interactive":
            return None
    return {**_DEFAULTS, **item}


def fields(item: object, prefix: str = "") -> dict[str, Any]:
    """A track item's fields, validated as ``TrackEvent``; a 400 naming the bad one."""
    plain = _plain(item)
    return plain if plain is not None else validate(TrackEvent, item, prefix).model_dump()


def _retention_bound(site: Site, ts: datetime, now: datetime, field: str) -> None:
    if site.retention_days is not None and ts < now - timedelta(days=site.retention_days):
        raise InputError(
            f"{field} is older than the site's retention of {site.retention_days} days",
            field=field,
            code="timestamp_too_old",
        )


def build_event(item: object, origin: Origin, prefix: str = "") -> list[IngestRequest]:
    """The item's request, checked in the order the fields are read (the first bad one
    is the error). The usual item (plain JSON, no timestamp, props or revenue) costs
    no parsing beyond the cached URL and IP, and no field name is written out unless
    it is an error's: this ran for every event of a batch (~4.5 us of the ~20 us an
    event cost in a 100-event batch; issue 17, docs/performance.md)."""
    site = origin.keyed_site()
    e = fields(item, prefix)
    raw_ts, ip, props, revenue = e["timestamp"], e["ip"], e["props"], e["revenue"]
    ts = origin.now  # no timestamp: now, which is within any retention
    if raw_ts is not None:
        ts = parse_timestamp(raw_ts, ts, origin.future, f"{prefix}timestamp")
        _retention_bound(site, ts, origin.now, f"{prefix}timestamp")
    url = parse_url(e["url"], "url", prefix)
    ip = check_ip(ip, "ip", prefix) if ip else origin.ip
    return [
        _request(
            e,
            url,
            ts,
            ip,
            origin,
            site.id,
            {} if props is None or props == "" else parse_props(props, f"{prefix}props"),
            (
                None
                if revenue is None or revenue == ""
                else parse_revenue(revenue, f"{prefix}revenue")
            ),
        )
    ]


def _request(
    e: dict[str, Any],
    url: SplitResult,
    ts: datetime,
    ip: str,
    origin: Origin,
    site_id: int,
    props: dict[str, str],
    revenue: Revenue | None,
) -> IngestRequest:
    user_agent = e["user_agent"]
    return IngestRequest(  # by position, in the fields' order: keywords cost ~0.5 us more
        e["name"],
        url,
        ts,
        ip,
        user_agent if user_agent is not None else origin.user_agent,
        "",
        site_id,
        "",
        (e["referrer"] or "")[:MAX_REFERRER_CHARS],
        props,
        revenue,
        e["interactive"],
        False,
        e["screen_width"],
        e["language"],
    )


def build_batch(
    items: list[Any], origin: Origin, prefix: str = "events."
) -> tuple[list[IngestRequest], list[dict[str, Any]]]:
    """Every item's request (``build_event``), or its error entry: a bad item never
    fails the batch. The usual item (plain, without timestamp, props or revenue) is
    built here, with the two checks ``build_event`` would make of it (URL, then IP);
    any other, and one that fails a check, goes through ``build_event``, which words
    and places the error. The per-item call, prefix and list cost ~0.5 us an event of
    a 100-event batch (issue 17)."""
    site_id = origin.keyed_site().id
    good: list[IngestRequest] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        e = _plain(item)
        if e is not None:
            props, revenue = e["props"], e["revenue"]
            if (
                e["timestamp"] is None
                and (props is None or props == "")
                and (revenue is None or revenue == "")
            ):
                url = split_url(e["url"])
                ip = canonical_ip(e["ip"]) if e["ip"] else origin.ip
                if not isinstance(url, str) and ip is not None:
                    good.append(_request(e, url, origin.now, ip, origin, site_id, {}, None))
                    continue
        try:
            good.extend(build_event(item, origin, f"{prefix}{index}."))
        except FootfallError as exc:
            errors.append({"index": index, **exc.as_json()})
    return good, errors


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
