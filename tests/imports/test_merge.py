"""Imported history in stats answers (``"include": {"imports": true}``): the conformance
generator's traffic, exported in Plausible's format from one site's own answers and
imported into a site without events, answers as the native events do, for every
dimension imports support (by day, where imported visitors are exact); native and
imported days add up; what imports cannot answer is said in ``meta``."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from footfall.imports import service
from footfall.imports.merge import DIMENSIONS, UNANSWERED, VISITS
from footfall.imports.tables import TABLES
from tests.conformance.traffic import Traffic, generate
from tests.support import Clock, Running

METRICS = ["visitors", "visits", "pageviews", "views_per_visit"]
EMPTY = {"Direct / None", "(none)", "(not set)"}  # labels of what Plausible exports as ""
# One dimension per table in these exports: Plausible groups imported_sources by source
# and every UTM field at once, which a visitor whose visits of a day differ in a UTM
# field counts twice (as Plausible does); our oracle answers distinct visitors.
EXPORTED = {d: t for d, t in DIMENSIONS.items() if not d.startswith("visit:utm_")}


def query(running: Running, key: str, body: dict[str, Any]) -> dict[str, Any]:
    r = running.client.post("/api/v2/query", json=body, headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def export_of(running: Running, key: str, site: str, days: list[str], path: Path) -> Path:
    """The site's answers written as Plausible's export would hold them."""
    tables = {"imported_visitors": None, **{t: d for d, (t, _) in EXPORTED.items()}}
    with zipfile.ZipFile(path, "w") as archive:
        for table, dimension in tables.items():
            dims = ["time:day", *([dimension] if dimension else [])]
            body = {"site_id": site, "metrics": METRICS[:3], "date_range": days, "dimensions": dims}
            column = DIMENSIONS[dimension][1] if dimension else None
            visits = VISITS.get(table, "visits")
            out = io.StringIO()
            writer = csv.DictWriter(out, ["date", *TABLES[table].columns])
            writer.writeheader()
            for row in query(running, key, body)["results"]:
                visitors, n, pageviews = row["metrics"]
                line: dict[str, object] = dict.fromkeys(TABLES[table].dimensions, "")
                line.update(dict.fromkeys(TABLES[table].metrics, 0))
                line.update(date=row["dimensions"][0], visitors=visitors, pageviews=pageviews)
                line[visits] = n
                if column:
                    value = row["dimensions"][1]
                    line[column] = "" if value in EMPTY else value
                writer.writerow(line)
            # Plausible exports only some of a table's columns in one export or another
            archive.writestr(f"{table}_20240101_20240131.csv", out.getvalue())
    return path


def two_sites_of(running: Running, clock: Clock, seed: int) -> tuple[Traffic, str, str]:
    """example.com with three days of generated traffic (ingested), b.test without
    events; their stats keys."""
    yesterday = (clock() - timedelta(days=1)).date()
    traffic = generate(seed, 3, end=yesterday, site="example.com")
    ingest = running.key("example.com")
    for batch in traffic.batches():
        r = running.client.post(
            "/api/v1/track/batch", json={"events": batch}, headers={"x-api-key": ingest}
        )
        assert r.status_code == 202 and r.json()["failed"] == 0
    running.admin.add_site("b.test")
    return traffic, running.key("example.com", "stats"), running.key("b.test", "stats")


@pytest.fixture
def two_sites(running: Running, clock: Clock, tmp_path: Path) -> tuple[str, str, list[str]]:
    """example.com with three days of generated traffic; b.test with its import."""
    traffic, a, b = two_sites_of(running, clock, 5)
    days = [traffic.start.isoformat(), traffic.end.isoformat()]
    path = export_of(running, a, "example.com", days, tmp_path / "export.zip")
    service.import_plausible(running.svc.stores, "b.test", path)
    return a, b, days


def test_imported_answers_are_the_native_ones(
    running: Running, two_sites: tuple[str, str, list[str]]
) -> None:
    """One site's setup for every dimension (generating and ingesting the traffic is
    the slow part)."""
    for dimension in [None, *EXPORTED]:
        same_answers(running, two_sites, dimension)


def same_answers(
    running: Running, two_sites: tuple[str, str, list[str]], dimension: str | None
) -> None:
    a, b, days = two_sites
    dims = ["time:day", *([dimension] if dimension else [])]
    metrics = [m for m in METRICS if m not in UNANSWERED.get(dimension or "", ())]
    body: dict[str, Any] = {"metrics": metrics, "date_range": days, "dimensions": dims}
    native = query(running, a, {**body, "site_id": "example.com"})
    merged = query(running, b, {**body, "site_id": "b.test", "include": {"imports": True}})
    assert merged["meta"]["imports_included"] is True

    def rows(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted((*r["dimensions"], *r["metrics"]) for r in answer["results"])

    assert rows(merged) == rows(native) and len(rows(native)) >= 3
    # one day, without the time dimension: a day's visitors are exact too
    day: dict[str, Any] = {**body, "date_range": [days[0], days[0]], "dimensions": dims[1:]}
    day["order_by"] = [["visitors", "desc"], *([[dimension, "asc"]] if dimension else [])]
    one = query(running, a, {**day, "site_id": "example.com"})["results"]
    merged_one = query(running, b, {**day, "site_id": "b.test", "include": {"imports": True}})
    assert merged_one["results"] == one


def test_native_and_imported_days_add_up(
    running: Running, two_sites: tuple[str, str, list[str]], tmp_path: Path
) -> None:
    a, _, days = two_sites
    body = {"site_id": "example.com", "metrics": METRICS, "date_range": days}
    native = query(running, a, body)["results"][0]["metrics"]
    by_day = {"dimensions": ["time:day"], **body}
    days_sum = [r["metrics"] for r in query(running, a, by_day)["results"]]
    # example.com imports its own export: every sum doubles (visitors per day)
    path = export_of(running, a, "example.com", days, tmp_path / "self.zip")
    service.import_plausible(running.svc.stores, "example.com", path)
    both = query(running, a, {**body, "include": {"imports": True}})
    visitors = sum(m[0] for m in days_sum)
    assert both["results"][0]["metrics"][:3] == [
        native[0] + visitors,
        2 * native[1],
        2 * native[2],
    ]
    assert both["results"][0]["metrics"][3] == native[3]  # views per visit: a ratio of sums
    skipped = query(running, a, {**body, "metrics": ["bounce_rate"], "include": {"imports": True}})
    assert skipped["meta"] == {
        "imports_included": False,
        "imports_skip_reason": "unsupported_query",
    }
    by_page = {**body, "dimensions": ["event:page"], "include": {"imports": True}}
    assert query(running, a, by_page)["meta"]["imports_skip_reason"] == "unsupported_query"
    filtered = {**body, "filters": [["is", "event:page", ["/"]]], "include": {"imports": True}}
    assert query(running, a, filtered)["meta"]["imports_skip_reason"] == "unsupported_query"
    other = query(running, a, {**body, "include": {"imports": False}})
    assert "imports_included" not in other["meta"] and other["results"][0]["metrics"] == native
