"""Imports from a site's settings page in real Chromium: an owner uploads Plausible's
export, the import runs in the background while the page's bar climbs to 100 %, the
dashboard's top stats include the imported days, and the listed import is removed
with its button. A file that is no export says why under its bar."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, expect

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.domain import Event
from tests.accounts.helpers import (
    HTML,
    PASSWORD,
    accounts_of,
    browser_login,
    csrf,
    login,
    make_user,
)
from tests.support import Live, Running


def plausible_zip(path: Path, days: list[str], visitors: int) -> Path:
    lines = [f"{d},{visitors},{3 * visitors},{visitors},0,0" for d in days]
    text = "date,visitors,pageviews,visits,bounces,visit_duration\n" + "\n".join(lines) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imported_visitors_20240101_20240131.csv", text)
    return path


def test_an_import_from_the_settings_page(
    live: Live, context: BrowserContext, tmp_path: Path
) -> None:
    acc: AccountService = live.server.config.app.state.accounts
    acc.add_user("owner@example.com", PASSWORD, Role.OWNER)
    site, imported = live.svc.stores.catalog.get_site("example.com"), live.svc.stores.imported
    assert site is not None and imported is not None
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    native = Event(site.id, today - timedelta(days=1), "pageview", "example.com", "/", 1, 0)
    live.svc.stores.events.write_events([native])
    days = [(today - timedelta(days=d)).date().isoformat() for d in (2, 3)]
    page = context.new_page()
    browser_login(page, live.url, "owner@example.com")
    page.goto(f"{live.url}/sites/example.com/settings#imports")
    expect(page.locator("#import-none")).to_be_visible()

    bad = tmp_path / "notes.zip"
    bad.write_text("not a zip")
    page.set_input_files("#import-file", str(bad))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".import-job[data-state=failed] .import-state")).to_contain_text(
        "not a zip file"
    )

    page.select_option("#import-source", "plausible")
    page.set_input_files("#import-file", str(plausible_zip(tmp_path / "p.zip", days, 40)))
    page.click("#import-form button[type=submit]")
    job = page.locator(".import-job[data-state=done]")
    expect(job.locator(".import-percent")).to_have_text("100 %")
    expect(job.locator("progress")).to_have_js_property("value", 100)
    expect(job.locator(".import-state")).to_contain_text("imported 2 rows")
    job_id = job.get_attribute("data-job")
    status = page.request.get(f"{live.url}/sites/example.com/import-jobs/{job_id}")
    assert status.ok and status.json()["state"] == "done"
    assert [i.file_name for i in imported.list_imports(site.id)] == ["p.zip"]

    page.goto(f"{live.url}/sites/example.com")
    visitors = page.locator(".dash-stat[data-metric=visitors] .dash-stat-value")
    expect(visitors).to_have_attribute("data-value", str(1 + 2 * 40))
    page.goto(f"{live.url}/sites/example.com?imports=false")
    expect(visitors).to_have_attribute("data-value", "1")

    page.goto(f"{live.url}/sites/example.com/settings#imports")
    expect(page.locator("#import-list tbody tr")).to_have_count(1)
    page.click("#import-list button[type=submit]")
    expect(page.locator(".alert-ok")).to_have_text("The import was removed.")
    assert imported.list_imports(site.id) == []
    # without a session: no status, no upload
    anonymous = httpx.get(f"{live.url}/sites/example.com/import-jobs/{job_id}")
    assert anonymous.status_code in (302, 303, 401, 403)


def test_only_owners_and_admins_import_with_the_form_token(
    running: Running, tmp_path: Path
) -> None:
    """(No browser.) A viewer is refused, so is an admin without the session's CSRF
    token; nothing is stored either way."""
    site = running.svc.stores.catalog.get_site("example.com")
    imported = running.svc.stores.imported
    assert site is not None and imported is not None
    acc = accounts_of(running.client)
    make_user(acc, "viewer@example.com", None, site, Role.VIEWER)
    make_user(acc, "admin@example.com", None, site, Role.ADMIN)
    body = plausible_zip(tmp_path / "p.zip", ["2024-03-01"], 5).read_bytes()
    upload = {"file": ("p.zip", body, "application/zip")}
    for email, forged, status in [
        ("viewer@example.com", False, 403),
        ("admin@example.com", True, 403),
        ("admin@example.com", False, 202),
    ]:
        running.client.cookies.clear()
        login(running.client, email)
        page = running.client.get("/sites", headers=HTML)
        token = "forged" if forged else csrf(page.text)
        r = running.client.post(
            "/sites/example.com/imports",
            data={"source": "plausible", "csrf_token": token},
            files=upload,
            headers={"accept": "application/json"},
        )
        assert r.status_code == status, (email, r.text)
    job = r.json()
    running.svc.import_jobs().close()  # waits for the running import
    status_page = running.client.get(f"/sites/example.com/import-jobs/{job['id']}")
    assert status_page.json()["state"] == "done"
    assert [i.source for i in imported.list_imports(site.id)] == ["plausible"]
