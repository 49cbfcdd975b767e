"""Umami's data export (raw website_event rows as CSV) into a site's imported tables: the
conformance generator's traffic written as Umami would export it and imported into a
site without events answers as the native events do, for every dimension imports
support; the same file again changes nothing; the import goes as a whole; a bad value
stores nothing and names its line."""

from __future__ import annotations

import csv
import io
import random
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import iptocc
import pytest
from typer.testing import CliRunner

from footfall.cli import app
from footfall.config import Settings
from footfall.errors import InputError
from footfall.imports import merge, service
from footfall.imports.merge import DIMENSIONS, UNANSWERED
from footfall.imports.tables import TABLES
from footfall.stats import query as stats_query
from footfall.store.registry import Stores, open_stores
from tests.backends import BACKENDS, BackendUnderTest, backend, stores
from tests.conformance.traffic import BROWSER_UAS, RawEvent, Traffic, generate
from tests.imports.test_merge import query, two_sites_of
from tests.support import Clock, Live, Running

__all__ = ["backend", "stores"]

METRICS = ["visitors", "visits", "pageviews", "views_per_visit"]
# Umami's columns (db/clickhouse/schema.sql, website_event, 2025), in its order.
COLUMNS = [
    "website_id",
    "session_id",
    "visit_id",
    "event_id",
    "hostname",
    "browser",
    "os",
    "device",
    "screen",
    "language",
    "country",
    "region",
    "city",
    "url_path",
    "url_query",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "referrer_path",
    "referrer_query",
    "referrer_domain",
    "page_title",
    "gclid",
    "fbclid",
    "msclkid",
    "ttclid",
    "li_fat_id",
    "twclid",
    "event_type",
    "event_name",
    "tag",
    "distinct_id",
    "created_at",
    "job_id",
]
# What Umami's detect-browser and ua-parser-js make of the generator's user agents.
UMAMI_AGENT = dict(
    zip(
        BROWSER_UAS,
        [
            ("chrome", "Windows 10", "desktop"),
            ("firefox", "Linux", "laptop"),
            ("safari", "Mac OS", "laptop"),
            ("ios", "iOS", "mobile"),
            ("chrome", "Android OS", "mobile"),
        ],
        strict=True,
    )
)
# A visitor's visits of a day can differ in any of imported_sources' columns at once
# (source, referrer, every UTM field): grouped by one of them, such a visitor counts in
# each row (as in Plausible's imported_sources), so visitors there are at least native.
SUMMED = {d for d in DIMENSIONS if d.startswith("visit:utm_") or d == "visit:source"}
WEBSITE = str(uuid.uuid4())


def umami_rows(traffic: Traffic, seed: int = 0) -> list[dict[str, str]]:
    """The traffic as Umami would have kept it: bots dropped, a visit ends after 30
    minutes without an event, a session per person (and month)."""
    rng = random.Random(seed)
    people: dict[tuple[str, str], list[RawEvent]] = {}
    for e in traffic.humans():
        people.setdefault((e.ip, e.user_agent), []).append(e)
    rows: list[dict[str, str]] = []
    for (ip, ua), events in people.items():
        session = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{WEBSITE}{ip}{ua}"))
        browser, os_name, device = UMAMI_AGENT[ua]
        visit, last = "", datetime.min.replace(tzinfo=UTC)
        for e in sorted(events, key=lambda e: e.timestamp):
            if e.timestamp - last >= timedelta(minutes=30):
                visit = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{session}{e.timestamp}"))
            last = e.timestamp
            url, ref = urlsplit(e.url), urlsplit(e.referrer)
            tags = dict(parse_qsl(url.query))
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                website_id=WEBSITE,
                session_id=session,
                visit_id=visit,
                event_id=str(uuid.uuid4()),
                hostname=url.hostname or "",
                browser=browser,
                os=os_name,
                device=device,
                screen="1920x1080",
                country=iptocc.country_code(ip) or "",
                url_path=url.path,
                url_query=url.query,
                referrer_path=ref.path,
                referrer_domain=(ref.hostname or "").removeprefix("www."),
                event_type="1" if e.name == "pageview" else "2",
                event_name="" if e.name == "pageview" else e.name,
                created_at=_umami_time(e.timestamp, rng),
                **{k: v for k, v in tags.items() if k.startswith("utm_")},
            )
            rows.append(row)
    perf = dict(rows[0], event_type="5", url_path="/perf", event_id=str(uuid.uuid4()))
    return rng.sample([*rows, perf], len(rows) + 1)  # any order; performance rows left


def _umami_time(at: datetime, rng: random.Random) -> str:
    """ClickHouse's "2024-03-01 10:00:00" (UTC), or ISO with a Z as the API gives it."""
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S") if rng.random() < 0.5 else utc.isoformat()[:19] + "Z"


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_imported_answers_are_the_native_ones(
    running: Running, clock: Clock, tmp_path: Path
) -> None:
    """example.com ingests generated traffic; b.test imports it as Umami's export (a zip
    of it): every dimension imports support answers the same, day by day."""
    traffic, a, b = two_sites_of(running, clock, 7)
    days = [traffic.start.isoformat(), traffic.end.isoformat()]
    path = write_csv(tmp_path / "website_event.csv", umami_rows(traffic))
    zipped = tmp_path / "umami.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, "website_event.csv")
    seen: list[int] = []
    info = service.import_umami(running.svc.stores, "b.test", zipped, seen.append)
    assert sum(seen) == path.stat().st_size == service.total_size("umami", zipped)
    assert (info.source, info.start_date, info.end_date) == ("umami", traffic.start, traffic.end)
    for dimension in [None, *DIMENSIONS]:
        dims = ["time:day", *([dimension] if dimension else [])]
        metrics = [m for m in METRICS if m not in UNANSWERED.get(dimension or "", ())]
        body: dict[str, Any] = {"metrics": metrics, "date_range": days, "dimensions": dims}
        native = query(running, a, {**body, "site_id": "example.com"})["results"]
        merged = query(running, b, {**body, "site_id": "b.test", "include": {"imports": True}})
        assert merged["meta"]["imports_included"] is True
        mine = {tuple(r["dimensions"]): r["metrics"] for r in merged["results"]}
        theirs = {tuple(r["dimensions"]): r["metrics"] for r in native}
        assert mine.keys() == theirs.keys() and len(theirs) >= 3, dimension
        for key, metrics_native in theirs.items():
            if dimension in SUMMED:  # visits, pageviews and their ratio exact
                assert mine[key][1:] == metrics_native[1:], (dimension, key)
                assert metrics_native[0] <= mine[key][0] <= metrics_native[1], (dimension, key)
            else:
                assert mine[key] == metrics_native, (dimension, key)


def test_an_export_imports_once_and_goes_as_a_whole(
    backend: BackendUnderTest, stores: Stores, tmp_path: Path
) -> None:
    stores.catalog.add_site("a.com", "UTC", "u1")
    stores.catalog.add_site("b.com", "Pacific/Auckland", "u2")
    traffic = generate(3, 2, end=date(2024, 3, 2), site="a.com")
    rows = umami_rows(traffic)
    first = write_csv(tmp_path / "a.csv", rows)
    assert stores.imported is not None  # on every backend
    info = service.import_umami(stores, "a.com", first)
    site = stores.catalog.get_site("a.com")
    assert site is not None
    tables = {n: stores.imported.imported_rows(site.id, n) for n in TABLES}
    visitors = tables["imported_visitors"]
    assert [r[0] for r in visitors] == [date(2024, 3, 1), date(2024, 3, 2)]
    assert sum(r[2] for r in visitors) == sum(r["event_type"] == "1" for r in rows)
    assert all(tables[n] for n in TABLES)
    again = service.import_umami(stores, "a.com", write_csv(tmp_path / "b.csv", rows[::-1]))
    assert again.digest == info.digest  # the same rows in another order: one import
    assert [i.digest for i in stores.imported.list_imports(site.id)] == [info.digest]
    assert {n: stores.imported.imported_rows(site.id, n) for n in TABLES} == tables
    # Auckland's days: an event at 13:00 UTC or later is on the next local day
    late = service.import_umami(stores, "b.com", first)
    assert late.end_date == date(2024, 3, 3)
    # one import goes with its rows; the other site's stay
    assert stores.imported.remove_import(late.site_id, late.digest)
    assert not stores.imported.remove_import(late.site_id, late.digest)
    assert stores.imported.list_imports(late.site_id) == []
    assert not stores.imported.imported_rows(late.site_id, "imported_pages")
    assert {n: stores.imported.imported_rows(site.id, n) for n in TABLES} == tables
    assert service.remove_imports(stores, "a.com") == 1
    assert all(not stores.imported.imported_rows(site.id, n) for n in TABLES)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("session_id,created_at,url_path\ns,2024-03-01 10:00:00,/\n", "a.csv"),
        ("session_id,created_at,url_path,event_type\ns,yesterday,/,1\n", "a.csv:2"),
        ("session_id,created_at,url_path,event_type\n", "file"),
    ],
)
def test_a_bad_file_stores_nothing(tmp_path: Path, text: str, where: str) -> None:
    stores = open_stores(f"duckdb:///{tmp_path}/s.duckdb")
    try:
        stores.catalog.add_site("a.com", "UTC", "u1")
        path = tmp_path / "a.csv"
        path.write_text(text)
        with pytest.raises(InputError) as caught:
            service.import_umami(stores, "a.com", path)
        assert caught.value.field == where
        assert service.list_imports(stores, "a.com") == []
    finally:
        stores.close()


def test_the_cli_imports_umami(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTFALL_DATABASE_URL", f"duckdb:///{tmp_path}/data/footfall.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["site", "add", "a.com"]).exit_code == 0
    path = write_csv(tmp_path / "u.csv", umami_rows(generate(4, 1, date(2024, 3, 1), "a.com")))
    for _ in range(2):
        done = runner.invoke(app, ["import", "umami", "--site", "a.com", str(path)])
        assert done.exit_code == 0, done.output
        assert "(2024-03-01 to 2024-03-01) into a.com" in done.output
    listed = runner.invoke(app, ["import", "list", "--site", "a.com"])
    assert listed.output.count("umami\tu.csv\t2024-03-01..2024-03-01") == 1


# The embedded store is the reference; the others are compared with it.
OTHERS = [b for b in BACKENDS if b.name != "duckdb"]


@pytest.mark.parametrize("backend", OTHERS, ids=[b.name for b in OTHERS])
def test_merged_answers_are_the_reference_ones_on_every_backend(
    backend: BackendUnderTest, stores: Stores, tmp_path: Path
) -> None:
    """The same export merged into a site's answers (imports/merge.py, on the backend's
    StatsEngine and ImportedData) answers as on the embedded reference store, which the
    test above proves against native events."""
    path = write_csv(tmp_path / "a.csv", umami_rows(generate(5, 1, date(2024, 3, 2), "a.com")))
    reference = open_stores(f"duckdb:///{tmp_path}/reference.duckdb")
    try:
        answers = []
        for store in (stores, reference):
            store.catalog.add_site("a.com", "Europe/Berlin", "u1")
            service.import_umami(store, "a.com", path)
            site = store.catalog.get_site("a.com")
            assert site is not None
            found = []
            for dimension in [None, *DIMENSIONS]:
                body = {
                    "site_id": "a.com",
                    "metrics": [m for m in METRICS if m not in UNANSWERED.get(dimension or "", ())],
                    "date_range": ["2024-02-29", "2024-03-03"],
                    "dimensions": ["time:day", *([dimension] if dimension else [])],
                    "include": {"imports": True},
                }
                q = stats_query.parse(body, datetime.now(UTC), site.timezone, date(2024, 1, 1))
                found.append(merge.run(store.stats, store.imported, q, site, []))
            answers.append(found)
        assert answers[0] == answers[1]
        assert all(a["meta"]["imports_included"] and a["results"] for a in answers[0])
    finally:
        reference.close()


def test_the_management_api_takes_the_csv(live: Live, settings: Settings, tmp_path: Path) -> None:
    """What `footfall import umami` uploads to a running server (the CLI's upload is
    test_plausible's): the CSV as the body, the import as the answer."""
    path = write_csv(tmp_path / "u.csv", umami_rows(generate(4, 1, date(2024, 3, 1), "x.com")))
    token = {"authorization": f"Bearer {settings.admin_token}"}
    base = f"{live.url}/api/v1/sites/example.com/imports"
    done = httpx.post(f"{base}/umami?name=u.csv", content=path.read_bytes(), headers=token)
    assert done.status_code == 201, done.text
    shown = done.json()
    assert (shown["source"], shown["file"], shown["start_date"]) == ("umami", "u.csv", "2024-03-01")
    other = httpx.post(f"{base}/matomo", content=b"x", headers=token)
    assert other.status_code == 404 and other.json()["field"] == "source"
