"""Imports run in the background (imports/jobs.py): each job ends done or failed with
its reason, its uploaded file removed either way, also when the server stops with
jobs still queued; a job is seen only from its own site."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from footfall.imports.jobs import ImportJobs
from footfall.store.registry import open_stores
from tests.conformance.traffic import generate
from tests.imports.test_umami import umami_rows, write_csv


def test_jobs_end_with_their_files_gone(tmp_path: Path) -> None:
    stores = open_stores(f"duckdb:///{tmp_path}/s.duckdb")
    try:
        site = stores.catalog.add_site("a.com", "UTC", "u1")
        rows = umami_rows(generate(2, 1, date(2024, 3, 1), "a.com"))
        jobs = ImportJobs(stores)
        folders = [tmp_path / f"upload{i}" for i in range(4)]
        started = []
        for i, folder in enumerate(folders):
            folder.mkdir()
            path = write_csv(folder / "u.csv", rows[: 200 * (i + 1)])
            if i == 0:  # the first runs at once: never dropped
                path.write_text("session_id,created_at\n")  # no event_type column
            started.append(jobs.start("a.com", site.id, "umami", path))
        jobs.close()  # waits for the running one; any still queued are dropped
        states = [j.state for j in started]
        assert set(states) <= {"done", "failed"} and states[0] == "failed"
        assert started[0].error is not None and "event_type" in started[0].error
        stopped = "the server stopped before this import ran"
        assert all(j.state == "done" or j.error == stopped for j in started[1:])
        assert all(j.percent == (100 if j.state == "done" else 0) for j in started)
        assert not any(f.exists() for f in folders)
        assert jobs.get(site.id, started[0].id) is started[0]
        assert jobs.get(site.id + 1, started[0].id) is None
        assert jobs.of_site(site.id) == started
        done = [j.json()["import"]["digest"] for j in started if j.state == "done"]
        assert stores.imported is not None
        assert [i.digest for i in stores.imported.list_imports(site.id)] == done
    finally:
        stores.close()
