"""The one typed ``IngestRequest`` every dialect becomes, and the rules they share.

Each dialect (``footfall.ingest.dialects``) has a pydantic model that knows its own
keys; its ``build`` function adds the connection facts (IP, user agent) and an
injected clock, then applies these shared checks: URL, props and revenue limits,
timestamp bounds.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import SplitResult, urlsplit

import orjson
from pydantic import AliasChoices, BaseModel, ValidationError
from pydantic_core import ErrorDetails

from footfall.errors import InputError

MAX_URL_BYTES = 2000
MAX_REFERRER_CHARS = 2000
MAX_NAME_CHARS = 120
MAX_PROPS = 30
MAX_PROP_KEY_BYTES = 300
MAX_PROP_VALUE_BYTES = 2000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Revenue:
    amount: str  # exact decimal text
    currency: str


@dataclass(slots=True)
class IngestRequest:
    """One event as the client described it, validated; not yet enriched."""

    name: str
    url: SplitResult
    timestamp: datetime
    ip: str
    user_agent: str
    domain: str = ""  # public endpoints: the site's domain
    site_id: int | None = None  # keyed endpoints: already resolved by the key
    umami_website_id: str = ""
    referrer: str = ""
    props: dict[str, str] = field(default_factory=dict)
    revenue: Revenue | None = None
    interactive: bool = True
    hash_mode: bool = False
    screen_width: int | None = None
    language: str = ""


def _loc(model: type[BaseModel], err: ErrorDetails) -> str:
    """The error's path, naming fields by their long name (``name``, not ``n``)."""
    parts = [str(p) for p in err["loc"]]
    if parts:
        for name, info in model.model_fields.items():
            alias = info.validation_alias
            if isinstance(alias, AliasChoices) and parts[0] in alias.choices:
                parts[0] = name
    return ".".join(parts)


def validate(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate ``data`` into ``model``; the first error becomes a 400 naming its field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _loc(model, first)
        name = f"{prefix}{where}" if where else prefix.rstrip(".") or None
        raise InputError(f"{name or 'body'}: {first['msg']}", field=name) from None


def loads(body: bytes) -> Any:
    if not body.strip():
        raise InputError("request body is empty; send a JSON object", code="empty_body")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        # orjson refuses integers past 64 bits, which are valid JSON: let the fields
        # that hold them fail on their own instead of the whole batch.
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"request body is not valid JSON: {exc}", code="invalid_json") from None


# --- shared rules --------------------------------------------------------------


@lru_cache(maxsize=4096)
def split_url(raw: str) -> SplitResult | str:
    """The parts of an absolute URL, or what is wrong with it (``{}``: the field's
    name). Cached: clients send the same pages over and over."""
    if len(raw.encode()) > MAX_URL_BYTES:
        return f"{{}} is longer than {MAX_URL_BYTES} bytes"
    if raw.lower().startswith("data:"):
        return "{} must not be a data: URI"
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return "{} is not a valid URL"
    if not parts.scheme or not parts.hostname:
        return "{} must be an absolute URL with a host"
    return parts


def parse_url(raw: str, field_name: str = "url", prefix: str = "") -> SplitResult:
    """``prefix`` + ``field_name`` names the field in the error (joined only then)."""
    parts = split_url(raw)
    if isinstance(parts, str):
        name = f"{prefix}{field_name}"
        raise InputError(parts.format(name), field=name)
    return parts


def _object(raw: object, field_name: str) -> dict[str, Any]:
    """A JSON object given as an object or as a string holding one (both are sent)."""
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InputError(f"{field_name} is not a JSON object", field=field_name) from None
    if not isinstance(raw, dict):
        raise InputError(f"{field_name} must be an object", field=field_name)
    return raw


def text_ok(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (no lone surrogates)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def parse_props(raw: object, field_name: str = "props") -> dict[str, str]:
    """Plausible's rules: object or JSON string; list, map and empty values are dropped."""
    if raw is None or raw == "":
        return {}
    props: dict[str, str] = {}
    for key, value in _object(raw, field_name).items():
        if value is None or isinstance(value, list | dict) or value == "":
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        # JSON may escape a lone surrogate ("\ud800"); no UTF-8 writer takes it. The
        # event is refused (a batch keeps its neighbours), as any text field is.
        if not text_ok(key) or not text_ok(text):
            raise InputError(
                f"{field_name} holds text that is not valid Unicode (a lone surrogate)",
                field=field_name,
                code="invalid_text",
            )
        if len(key.encode()) > MAX_PROP_KEY_BYTES or not key:
            raise InputError(
                f"{field_name} keys must be 1 to {MAX_PROP_KEY_BYTES} bytes", field=field_name
            )
        if len(text.encode()) > MAX_PROP_VALUE_BYTES:
            raise InputError(
                f"{field_name}.{key} is longer than {MAX_PROP_VALUE_BYTES} bytes",
                field=f"{field_name}.{key}",
            )
        props[key] = text
    if len(props) > MAX_PROPS:
        raise InputError(f"{field_name} has more than {MAX_PROPS} pairs", field=field_name)
    return props


def parse_revenue(raw: object, field_name: str = "revenue") -> Revenue | None:
    if raw is None or raw == "":
        return None
    raw = _object(raw, field_name)
    currency = str(raw.get("currency", "")).upper()
    if not _CURRENCY.match(currency):
        raise InputError(
            f"{field_name}.currency must be a 3-letter ISO 4217 code",
            field=f"{field_name}.currency",
        )
    amount_raw = raw.get("amount")
    try:
        if isinstance(amount_raw, bool) or amount_raw is None:
            raise InvalidOperation
        amount = Decimal(str(amount_raw))
        if not amount.is_finite() or abs(amount) >= Decimal("1e14"):
            raise InvalidOperation
    except InvalidOperation:
        raise InputError(
            f"{field_name}.amount must be a finite number", field=f"{field_name}.amount"
        ) from None
    return Revenue(str(amount.quantize(Decimal("0.0001"))), currency)


def parse_timestamp(
    raw: object, now: datetime, future_tolerance: timedelta, field_name: str = "timestamp"
) -> datetime:
    """ISO 8601 text or unix seconds (or milliseconds); bounded to [2000, now + tolerance]."""
    if raw is None:
        return now
    try:
        if isinstance(raw, bool):
            raise ValueError
        if isinstance(raw, int | float):
            seconds = raw / 1000 if raw > 1e11 else raw
            ts = datetime.fromtimestamp(seconds, UTC)
        elif isinstance(raw, str):
            ts = datetime.fromisoformat(raw)
            ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise InputError(
            f"{field_name} must be ISO 8601 or unix seconds", field=field_name
        ) from None
    if ts > now + future_tolerance:
        raise InputError(
            f"{field_name} is more than {int(future_tolerance.total_seconds())} seconds in "
            "the future",
            field=field_name,
            code="timestamp_in_future",
        )
    if ts < EARLIEST:
        raise InputError(
            f"{field_name} is before 2000-01-01", field=field_name, code="timestamp_too_old"
        )
    return ts


@lru_cache(maxsize=65_536)
def canonical_ip(raw: str) -> str | None:
    """The address in canonical form, or None; cached, as clients repeat their IPs."""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def check_ip(raw: str, field_name: str = "ip", prefix: str = "") -> str:
    ip = canonical_ip(raw)
    if ip is None:
        name = f"{prefix}{field_name}"
        raise InputError(f"{name} is not an IP address", field=name)
    return ip
