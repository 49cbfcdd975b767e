"""Plain value types shared by every layer: no I/O, no framework imports."""

from __future__ import annotations

import enum
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def normalize_domain(raw: str) -> str:
    """A site's domain as stored and compared: lower case, no ``www.``, no final dot."""
    domain = raw.strip().lower().removeprefix("www.")
    return domain.rstrip(".")


class DropReason(enum.StrEnum):
    """Why the pipeline refused to store an event. Values appear in /metrics and headers."""

    EMPTY_USER_AGENT = "empty_user_agent"
    BOT_USER_AGENT = "bot_user_agent"
    HEADLESS_BROWSER = "headless_browser"
    REFERRER_SPAM = "referrer_spam"
    UNKNOWN_SITE = "unknown_site"
    # the site's traffic shields (footfall/shields.py)
    HOSTNAME_NOT_ALLOWED = "hostname_not_allowed"
    IP_EXCLUDED = "ip_excluded"
    COUNTRY_EXCLUDED = "country_excluded"
    PAGE_EXCLUDED = "page_excluded"


class Scope(enum.StrEnum):
    INGEST = "ingest"
    STATS = "stats"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    domain: str
    timezone: str = "UTC"
    umami_website_id: str | None = None
    retention_days: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Shields:
    """A site's traffic shields as the owner typed them (checked by footfall/shields.py):
    hostnames allowed (none: any), and IPs/CIDR ranges, countries and page paths whose
    events are dropped."""

    hostnames: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()

    def text(self) -> str:
        """As stores keep them: one JSON object of lists."""
        rules = {k: list(getattr(self, k)) for k in SHIELD_KINDS}
        return json.dumps(rules, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str | None) -> Shields:
        rules = json.loads(text) if text else {}
        return cls(**{k: tuple(str(v) for v in rules.get(k, ())) for k in SHIELD_KINDS})


SHIELD_KINDS = ("hostnames", "ips", "countries", "pages")


@dataclass(frozen=True, slots=True)
class ApiKey:
    prefix: str
    site_id: int
    scopes: frozenset[Scope]
    name: str = ""
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Goal:
    """A conversion: a custom event name, or a pageview whose path matches a pattern."""

    id: int
    site_id: int
    event_name: str = ""
    page_path: str = ""  # with * (within a segment) and ** (across segments) wildcards
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """One step of a funnel: a custom event name, or a pageview whose path matches a
    pattern (the wildcards of goals). Exactly one of the two is set."""

    event_name: str = ""
    page_path: str = ""

    @property
    def label(self) -> str:
        return self.event_name or f"Visit {self.page_path}"


@dataclass(frozen=True, slots=True)
class Funnel:
    """Steps a visit takes in order (2 to 8), per site, by name (docs/funnels.md)."""

    id: int
    site_id: int
    name: str
    steps: tuple[FunnelStep, ...]


def steps_text(steps: tuple[FunnelStep, ...]) -> str:
    """A funnel's steps as stores keep them: a JSON list of [event_name, page_path]."""
    return json.dumps([[s.event_name, s.page_path] for s in steps], separators=(",", ":"))


def steps_from_text(text: str) -> tuple[FunnelStep, ...]:
    return tuple(FunnelStep(str(e), str(p)) for e, p in json.loads(text))


# Plausible's engagement events (docs/metrics.md, "Engagement"): stored as events of
# this name whose engaged time (ms) and scroll depth (percent) are the props below.
# Visits, bounces and every count leave them out; time on page and scroll depth read them.
ENGAGEMENT = "engagement"
ENGAGED_MS = "e"
SCROLL_DEPTH = "sd"
_MAX_ENGAGED_MS = 2**53


def engagement_props(props: dict[str, str]) -> dict[str, str]:
    """What an engagement event keeps, whichever endpoint it came through: its engaged
    milliseconds (0 unless a whole number) and, when measured, its depth in percent
    (capped at 100; anything but a whole number is no depth). Queries cast them, so
    nothing else may be stored under the name."""
    ms, depth = props.get(ENGAGED_MS, ""), props.get(SCROLL_DEPTH, "")
    kept = {ENGAGED_MS: ms if ms.isascii() and ms.isdigit() and int(ms) <= _MAX_ENGAGED_MS else "0"}
    if depth.isascii() and depth.isdigit():
        kept[SCROLL_DEPTH] = str(min(int(depth), 100))
    return kept


@dataclass(slots=True)
class Event:
    """One enriched event, ready to be written. Never holds a raw IP or user agent."""

    site_id: int
    timestamp: datetime  # UTC, naive-free (tz-aware)
    name: str
    hostname: str
    pathname: str
    visitor_id: int
    session_id: int
    referrer: str = ""
    referrer_source: str = ""
    channel: str = ""
    utm_medium: str = ""
    utm_source: str = ""
    utm_campaign: str = ""
    utm_content: str = ""
    utm_term: str = ""
    click_id_param: str = ""
    country: str = ""
    region: str = ""
    city: str = ""
    browser: str = ""
    browser_version: str = ""
    os: str = ""
    os_version: str = ""
    device: str = ""
    screen_size: str = ""
    language: str = ""
    props: dict[str, str] = field(default_factory=dict)
    revenue_amount: str | None = None  # decimal as text, exact
    revenue_currency: str = ""
    interactive: bool = True
    entry_page: str = ""


EVENT_FIELDS: tuple[str, ...] = tuple(Event.__match_args__)
_FIELDS_OF = operator.attrgetter(*EVENT_FIELDS)


class EventColumns:
    """Events as one list per ``Event`` field (``EVENT_FIELDS``' order): what the
    pipeline makes of a batch (``Pipeline.run_columns``), so that the embedded store
    builds its Arrow columns with no ``Event`` per row, and no row transposed back into
    columns (issue 17: ~1.5 us an event in a 100-event batch). Stores that write rows
    get ``events()``."""

    __slots__ = ("columns", "rows")

    def __init__(self, columns: Sequence[list[Any]], rows: int) -> None:
        if len(columns) != len(EVENT_FIELDS) or any(len(c) != rows for c in columns):
            raise ValueError("a column per event field, each of every row")
        self.columns = list(columns)
        self.rows = rows

    def __len__(self) -> int:
        return self.rows

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventColumns) and self.columns == other.columns

    __hash__ = None  # type: ignore[assignment]  # mutable lists

    def named(self) -> dict[str, list[Any]]:
        return dict(zip(EVENT_FIELDS, self.columns, strict=True))

    def events(self) -> list[Event]:
        return list(map(Event, *self.columns))

    @classmethod
    def of(cls, events: Sequence[Event]) -> EventColumns:
        if not events:
            return cls([[] for _ in EVENT_FIELDS], 0)
        columns = [list(c) for c in zip(*map(_FIELDS_OF, events), strict=True)]
        return cls(columns, len(events))

    @classmethod
    def join(cls, parts: Sequence[EventColumns | Sequence[Event]]) -> EventColumns:
        """One table of the parts' rows, in order (lists of events transposed)."""
        tables = [p if isinstance(p, EventColumns) else cls.of(p) for p in parts]
        if len(tables) == 1:
            return tables[0]
        columns: list[list[Any]] = []
        for parts_of in zip(*(t.columns for t in tables), strict=True):  # a field's lists
            joined: list[Any] = []
            for values in parts_of:
                joined += values  # a copy of the references; chain() went value by value
            columns.append(joined)
        return cls(columns, sum(t.rows for t in tables))
