"""Umami's data export (its raw ``website_event`` rows as CSV, one line per event with
the session's fields beside it: ``session_id``, ``visit_id``, ``hostname``, ``browser``,
``os``, ``device``, ``country``, ``region``, ``city``, ``url_path``, ``url_query``,
``utm_*``, ``referrer_domain``, ``event_type``, ``event_name``, ``created_at``, ...),
a ``.csv`` or a zip of them, summed into the rows of our imported tables per day of
the site's time zone.

Umami keeps raw events, so every table is derived: a visit is Umami's ``visit_id``
(else the session's day), a visitor its ``session_id`` counted once a day per row, the
visit's day, source, entry page, location and device are those of its first event.
Names are turned into ours (Umami's "chrome"/"Windows 10"/"laptop" into "Chrome",
"Windows" 10, "Desktop"); sources as our ingestion names them (utm_source first, then
the referrer's host). docs/transfer.md, "Umami".
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from sys import intern
from typing import IO, Any
from zoneinfo import ZoneInfo

from footfall.errors import InputError
from footfall.imports.plausible import MAX_TEXT, MAX_UNCOMPRESSED, Export, Row, digest
from footfall.ingest.enrich.referrer import referrer_source
from footfall.ingest.enrich.utm import acquisition_from_query, source_from

REQUIRED = ("session_id", "created_at", "url_path", "event_type")
PAGEVIEW, CUSTOM = "1", "2"  # Umami's EVENT_TYPE (link, pixel and performance are left)
# Umami's browser names (its BROWSERS, from detect-browser) -> ours (ingest/enrich/ua.py).
BROWSERS = {
    "android": "Android",
    "aol": "AOL",
    "bb10": "BlackBerry",
    "chrome": "Chrome",
    "chromium-webview": "Mobile App",
    "crios": "Chrome",
    "edge": "Edge",
    "edge-chromium": "Edge",
    "edge-ios": "Edge",
    "facebook": "Mobile App",
    "firefox": "Firefox",
    "fxios": "Firefox",
    "ie": "IE",
    "instagram": "Mobile App",
    "ios": "Safari",
    "ios-webview": "Safari",
    "kakaotalk": "Mobile App",
    "miui": "MiuiBrowser",
    "opera": "Opera",
    "opera-mini": "Opera",
    "safari": "Safari",
    "samsung": "Samsung Internet",
    "silk": "Amazon Silk",
    "yandexbrowser": "Yandex Browser",
}
# Umami's OS names (detect-browser) -> ours; "Windows 10" is Windows, version 10.
OSES = {
    "Android OS": "Android",
    "Chrome OS": "Chrome OS",
    "Linux": "GNU/Linux",
    "Mac OS": "Mac",
    "iOS": "iOS",
    "Sun OS": "Solaris",
}
# Umami's device types (ua-parser-js, "laptop" when desktop with a screen <= 1920 wide).
DEVICES = {"mobile": "Mobile", "wearable": "Mobile", "tablet": "Tablet"}


@dataclass(slots=True)
class _Visit:
    day: date
    session: str
    first: datetime
    last: datetime
    entry: tuple[datetime, str] | None = None  # the first pageview's (time, path)
    exit: tuple[datetime, str] | None = None
    source: tuple[str, ...] = ()
    # country, region, city, device, browser, os, os_version (of the first event)
    session_fields: tuple[str, ...] = ()
    pages: Counter[tuple[str, str]] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)

    @property
    def pageviews(self) -> int:
        return sum(self.pages.values())

    @property
    def bounced(self) -> int:
        return int(self.pageviews <= 1 and not self.events)

    @property
    def duration(self) -> int:
        return int((self.last - self.first).total_seconds())


class _Counted(io.RawIOBase):
    """A binary stream that tells ``progress`` the bytes read from it."""

    def __init__(self, inner: IO[bytes], progress: Callable[[int], None]) -> None:
        self.inner, self.progress = inner, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.progress(len(data))
        return len(data)


def _csv_files(path: Path) -> list[str] | None:
    """The zip's ``.csv`` entries; None when ``path`` is no zip (then it is the CSV)."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            return [
                e.filename
                for e in archive.infolist()
                if not e.is_dir() and e.filename.lower().endswith(".csv")
            ]
    except zipfile.BadZipFile:
        raise InputError(f"{path.name} is not a zip file", field="file") from None


def total_size(path: Path) -> int:
    """The bytes ``read_export`` reports: the CSV's, or the zip's CSVs uncompressed."""
    names = _csv_files(path)
    if names is None:
        return path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        size = sum(archive.getinfo(n).file_size for n in names)
    if size > MAX_UNCOMPRESSED:
        raise InputError(f"{path.name} unpacks to more than 4 GiB", field="file")
    return size


def read_export(
    path: Path, timezone: str = "UTC", progress: Callable[[int], None] = lambda _: None
) -> Export:
    """Read the export at ``path`` into our imported tables' rows, the days in the
    site's ``timezone``; ``progress`` is told the bytes read as they are."""
    zone = ZoneInfo(timezone)
    visits: dict[str, _Visit] = {}
    export = Export(path.name, "")
    names = _csv_files(path)
    try:
        if names is None:
            with path.open("rb") as raw:
                _read(_lines(raw, progress), path.name, zone, visits)
        else:
            with zipfile.ZipFile(path) as archive:
                for name in names:
                    with archive.open(name) as raw:
                        _read(_lines(raw, progress), PurePosixPath(name).name, zone, visits)
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: a file is not UTF-8 text", field="file") from None
    except csv.Error as exc:
        raise InputError(f"{path.name} is not CSV: {exc}", field="file") from None
    if not visits:
        raise InputError(f"{path.name} holds no event of Umami's data export", field="file")
    export.tables = _tables(visits.values())
    export.digest = digest(export.tables)
    return export


def _lines(raw: IO[bytes], progress: Callable[[int], None]) -> Iterator[list[str]]:
    buffered = io.BufferedReader(_Counted(raw, progress), 1 << 16)
    return csv.reader(io.TextIOWrapper(buffered, encoding="utf-8-sig", newline=""))


def _read(lines: Iterator[list[str]], name: str, zone: ZoneInfo, visits: dict[str, _Visit]) -> None:
    header = next(lines, None)
    if header is None:
        return
    where = {column.strip(): i for i, column in enumerate(header)}
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise InputError(f"{name}: no {', '.join(missing)} column", field=name)
    for number, values in enumerate(lines, start=2):
        if not values:
            continue

        def cell(column: str, values: list[str] = values, number: int = number) -> str:
            i = where.get(column)
            value = values[i].strip() if i is not None and i < len(values) else ""
            if len(value) > MAX_TEXT:
                raise InputError(f"{name}:{number}: {column} is longer than {MAX_TEXT}", field=name)
            return "" if value == "\\N" else value

        kind = cell("event_type")
        if kind not in (PAGEVIEW, CUSTOM):
            continue
        at = _time(cell("created_at"), f"{name}:{number}")
        session = cell("session_id")
        local = at.astimezone(zone).date()
        key = cell("visit_id") or f"{session}/{local}"
        visit = visits.get(key)
        if visit is None:
            visit = visits[key] = _Visit(local, session, at, at)
        hostname = intern(cell("hostname").removeprefix("www."))
        if at < visit.first or not visit.source:
            if at < visit.first:
                visit.first, visit.day = at, local
            visit.source = tuple(intern(v) for v in _source(cell, hostname))
            device = DEVICES.get(cell("device").lower(), "Desktop" if cell("device") else "")
            browser = BROWSERS.get(cell("browser").lower(), cell("browser"))
            fields = (cell("country"), cell("region"), cell("city"), device, browser)
            visit.session_fields = tuple(intern(v) for v in (*fields, *_os(cell("os"))))
        visit.last = max(visit.last, at)
        if kind == CUSTOM:
            visit.events[intern(cell("event_name"))] += 1
            continue
        page = intern(cell("url_path") or "/")  # one copy of each path, not one a visit
        visit.pages[(hostname, page)] += 1
        if visit.entry is None or at < visit.entry[0]:
            visit.entry = (at, page)
        if visit.exit is None or at >= visit.exit[0]:
            visit.exit = (at, page)


def _time(value: str, at: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{at}: created_at {value!r} is no time", field=at) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _os(name: str) -> tuple[str, str]:
    if name.startswith("Windows"):
        return "Windows", name.removeprefix("Windows").strip()
    return OSES.get(name, name), ""


def _source(cell: Callable[[str], str], hostname: str) -> tuple[str, ...]:
    """(source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term)
    as our ingestion derives them: the utm_* columns, else the URL's query."""
    tags = acquisition_from_query(cell("url_query"))
    utm = {
        f: cell(f) or getattr(tags, f)
        for f in ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
    }
    host = cell("referrer_domain").lower().removeprefix("www.")
    referrer = "" if not host or host == hostname else host
    click = next((c for c in ("gclid", "msclkid") if cell(c)), tags.click_id_param)
    tagged = utm["utm_source"] or tags.tagged_source
    source = source_from(tagged, referrer_source(referrer) if referrer else "", click)
    return (source, referrer, *utm.values())


def _tables(visits: Iterable[_Visit]) -> dict[str, list[Row]]:
    """Per table, per (day, dimensions): sums over the visits, visitors once each."""
    sums: dict[str, dict[tuple[Any, ...], list[int]]] = {}
    seen: dict[str, dict[tuple[Any, ...], set[str]]] = {}

    def add(table: str, key: tuple[Any, ...], session: str, *values: int) -> None:
        row = sums.setdefault(table, {}).setdefault(key, [0] * len(values))
        for i, value in enumerate(values):
            row[i] += value
        seen.setdefault(table, {}).setdefault(key, set()).add(session)

    for v in visits:
        day, s = v.day, v.session
        country, region, city, device, browser, os_name, os_version = v.session_fields
        session = (1, v.duration, v.bounced, v.pageviews)  # visits, duration, bounces, pvs
        add("imported_visitors", (day,), s, v.pageviews, v.bounced, 1, v.duration)
        add("imported_sources", (day, *v.source), s, v.pageviews, 1, v.duration, v.bounced)
        add("imported_locations", (day, country, region, city), s, *session)
        add("imported_devices", (day, device), s, *session)
        add("imported_browsers", (day, browser, ""), s, *session)
        add("imported_operating_systems", (day, os_name, os_version), s, *session)
        if v.entry is not None and v.exit is not None:
            add("imported_entry_pages", (day, v.entry[1]), s, *session)
            add("imported_exit_pages", (day, v.exit[1]), s, v.duration, 1, v.bounced, v.pageviews)
        for (hostname, page), views in v.pages.items():
            add("imported_pages", (day, hostname, page), s, 1, views)
        for name, count in v.events.items():
            add("imported_custom_events", (day, name, "", ""), s, count)
    tables: dict[str, list[Row]] = {}
    for table, groups in sums.items():
        rows = tables[table] = []
        for key, values in groups.items():
            visitors = len(seen[table][key])
            rows.append((*key, *_ordered(table, visitors, values)))
        rows.sort(key=repr)
    return tables


def _ordered(table: str, visitors: int, values: list[int]) -> tuple[int, ...]:
    """The sums in the table's metric order (imports/tables.py)."""
    if table == "imported_sources":  # pageviews, visitors, visits, visit_duration, bounces
        return (values[0], visitors, *values[1:])
    if table == "imported_pages":  # visits, visitors, pageviews, time on page and scroll
        return (values[0], visitors, values[1], 0, 0, 0, 0)
    return (visitors, *values)  # every other table counts its visitors first
