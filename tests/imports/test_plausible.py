"""Plausible's CSV export zip into a site's imported tables, on every backend that keeps
them (DuckDB, PostgreSQL, DynamoDB): every table's rows as written,
the same file again changes nothing, a bad value stores nothing and names its file and
line, and the site's imports go as a whole (and with the site)."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from footfall.apikeys import KeyRing
from footfall.cli import app
from footfall.config import Settings
from footfall.errors import InputError
from footfall.imports import service
from footfall.imports.tables import TABLES
from footfall.sites import SiteManager
from footfall.store.registry import Stores
from tests.backends import BackendUnderTest, backend, stores
from tests.support import Live

__all__ = ["backend", "stores"]

DAY = date(2024, 3, 1)
VALUES = ["", "Google", "/a/b", "DE", 'Ünïcödé, "quoted"']


def export_rows(seed: int, days: int = 3) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of every table, as our tables keep them: (date, dimensions..., metrics...)."""
    rng = random.Random(seed)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in TABLES.values():
        rows = []
        for d in range(days):
            for _ in range(rng.randint(0 if table.dimensions else 1, 3)):
                dims = [
                    rng.choice(["", "Google", "/a/b", "DE", 'Ünïcödé, "quoted"'])
                    for _ in table.dimensions
                ]
                rows.append(
                    (
                        DAY + timedelta(days=d),
                        *dims,
                        *(rng.randint(0, 10**6) for _ in table.metrics),
                    )
                )
            if not table.dimensions:
                rows = rows[: d + 1]  # one row a day
        tables[table.name] = sorted(set(rows))
    return tables


def write_zip(path: Path, tables: dict[str, list[tuple[Any, ...]]], shuffle: int = 0) -> Path:
    """As Plausible writes it: one CSV with a header per table, in any column order."""
    rng = random.Random(shuffle)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            columns = ["date", *TABLES[name].columns]
            order = rng.sample(columns, len(columns))
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(order)
            for row in rows:
                values = dict(zip(columns, row, strict=True))
                writer.writerow([str(values[c]) for c in order])
            archive.writestr(f"{name}_20240301_20240303.csv", out.getvalue())
        archive.writestr("README.txt", "not a table")
    return path


def stored(stores: Stores, site_id: int) -> dict[str, list[tuple[Any, ...]]]:
    assert stores.imported is not None
    return {
        name: [tuple(r) for r in stores.imported.imported_rows(site_id, name)] for name in TABLES
    }


def test_an_export_imports_once_and_goes_as_a_whole(
    backend: BackendUnderTest, stores: Stores, tmp_path: Path
) -> None:
    stores.catalog.add_site("a.com", "UTC", "u1")
    tables = export_rows(1)
    first = write_zip(tmp_path / "a_com_20240303.zip", tables)
    assert stores.imported is not None  # on every backend
    seen: list[int] = []
    info = service.import_plausible(stores, "a.com", first, seen.append)
    assert sum(seen) == sum(
        e.file_size for e in zipfile.ZipFile(first).infolist() if e.filename.endswith(".csv")
    )
    assert (info.start_date, info.end_date) == (DAY, DAY + timedelta(days=2))
    site = stores.catalog.get_site("a.com")
    assert site is not None
    assert stored(stores, site.id) == tables
    again = service.import_plausible(stores, "a.com", write_zip(tmp_path / "copy.zip", tables))
    assert again.digest == info.digest  # the same data zipped again: one import, rows once
    assert [i.digest for i in stores.imported.list_imports(site.id)] == [info.digest]
    assert stored(stores, site.id) == tables
    other = export_rows(2)
    service.import_plausible(stores, "a.com", write_zip(tmp_path / "b.zip", other, shuffle=1))
    both = {n: sorted(tables[n] + other[n]) for n in TABLES}
    assert stored(stores, site.id) == both and len(stores.imported.list_imports(site.id)) == 2
    assert service.remove_imports(stores, "a.com") == 2
    assert stored(stores, site.id) == {n: [] for n in TABLES}
    service.import_plausible(stores, "a.com", first)
    SiteManager(stores, KeyRing(stores.catalog, "k" * 40)).remove_site("a.com")
    assert stored(stores, site.id) == {n: [] for n in TABLES}


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("imported_visitors.csv", "date,visitors\n2024-13-01,1\n", "imported_visitors.csv:2"),
        ("imported_pages.csv", "date,page,pageviews\n2024-03-01,/a,-1\n", "imported_pages.csv:2"),
        ("imported_pages.csv", "date,page,pageviews\n2024-03-01,/a,x\n", "imported_pages.csv:2"),
        ("imported_devices.csv", "device,visitors\nDesktop,1\n", "imported_devices.csv"),
    ],
)
def test_a_bad_value_stores_nothing(tmp_path: Path, name: str, text: str, where: str) -> None:
    from footfall.store.registry import open_stores

    stores = open_stores(f"duckdb:///{tmp_path}/s.duckdb")
    try:
        stores.catalog.add_site("a.com", "UTC", "u1")
        path = tmp_path / "bad.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(
                "imported_visitors_20240301_20240301.csv", "date,visitors\n2024-03-01,5\n"
            )
            archive.writestr(name, text)
        with pytest.raises(InputError) as caught:
            service.import_plausible(stores, "a.com", path)
        assert caught.value.field == where
        assert service.list_imports(stores, "a.com") == []
        path.write_bytes(b"not a zip")
        with pytest.raises(InputError, match="not a zip"):
            service.import_plausible(stores, "a.com", path)
    finally:
        stores.close()


def test_the_cli_imports_lists_and_removes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTFALL_DATABASE_URL", f"duckdb:///{tmp_path}/data/footfall.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["site", "add", "a.com"]).exit_code == 0
    path = write_zip(tmp_path / "a.zip", export_rows(3))
    for _ in range(2):  # the second time changes nothing
        done = runner.invoke(app, ["import", "plausible", "--site", "a.com", str(path)])
        assert done.exit_code == 0, done.output
        assert "into a.com" in done.output
    listed = runner.invoke(app, ["import", "list", "--site", "a.com"])
    assert listed.output.count("plausible\ta.zip\t2024-03-01..2024-03-03") == 1
    removed = runner.invoke(app, ["import", "remove", "--site", "a.com"])
    assert "removed 1 import(s) of a.com" in removed.output
    assert "no imports" in runner.invoke(app, ["import", "list", "--site", "a.com"]).output
    missing = runner.invoke(app, ["import", "plausible", "--site", "nope.net", str(path)])
    assert missing.exit_code == 1 and "no site nope.net" in missing.output


def test_the_cli_imports_through_the_running_server(
    live: Live, settings: Settings, tmp_path: Path
) -> None:
    """With `footfall serve` owning the embedded store, the zip is uploaded to it (the
    management API streams it to disk and imports it); list and remove go there too."""
    path = write_zip(tmp_path / "a.zip", export_rows(4))
    out = live.cli(settings, "import", "plausible", "--site", "example.com", str(path), "--json")
    shown = json.loads(out)
    assert shown["start_date"] == "2024-03-01" and shown["file"] == "a.zip"
    listed = json.loads(live.cli(settings, "import", "list", "--site", "example.com", "--json"))
    assert [i["digest"] for i in listed] == [shown["digest"]]
    token = {"authorization": f"Bearer {settings.admin_token}"}
    bad = httpx.post(
        f"{live.url}/api/v1/sites/example.com/imports/plausible", content=b"nope", headers=token
    )
    assert bad.status_code == 400 and bad.json()["field"] == "file"
    assert "removed 1 import(s)" in live.cli(settings, "import", "remove", "--site", "example.com")
