"""Imports started from a site's settings page: the uploaded file is imported on a
thread of its own, after the request that brought it has been answered, and the page
polls the job's progress (``ImportJob.json``). Jobs are this process's: one at a time,
the last ``KEEP`` remembered; the import itself is in the store for every replica
(docs/transfer.md, "From the settings page")."""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footfall.errors import FootfallError
from footfall.imports import service
from footfall.store.registry import Stores

log = logging.getLogger(__name__)
KEEP = 100


@dataclass
class ImportJob:
    id: str
    site_id: int
    source: str
    file_name: str
    total: int  # the bytes to read (service.total_size)
    done: int = 0
    state: str = "running"  # running, done, failed
    error: str | None = None
    info: dict[str, Any] | None = None  # service.import_json, once done
    folder: Path | None = field(default=None, repr=False)  # the upload's, removed after
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def advance(self, n: int) -> None:
        with self._lock:
            self.done += n

    @property
    def percent(self) -> int:
        """0-100; 100 only once the rows are stored."""
        if self.state != "running":
            return 100 if self.state == "done" else 0
        return min(99, self.done * 100 // self.total) if self.total else 0

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "file": self.file_name,
            "state": self.state,
            "percent": self.percent,
            "error": self.error,
            "import": self.info,
        }


class ImportJobs:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="footfall-import")

    def start(self, domain: str, site_id: int, source: str, path: Path) -> ImportJob:
        """Import ``path`` (in a folder of its own, removed once done) in the background;
        a file that cannot be read at all (not a zip, too big) is refused here."""
        try:
            total = service.total_size(source, path)
        except FootfallError:
            shutil.rmtree(path.parent, ignore_errors=True)
            raise
        job = ImportJob(uuid.uuid4().hex, site_id, source, path.name, total, folder=path.parent)
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP]:
                if self._jobs[old].state != "running":
                    del self._jobs[old]
        self._executor.submit(self._run, job, domain, path)
        return job

    def _run(self, job: ImportJob, domain: str, path: Path) -> None:
        try:
            info = service.SOURCES[job.source](self.stores, domain, path, job.advance)
            job.info = service.import_json(info)
            job.state = "done"
        except FootfallError as exc:
            job.error, job.state = exc.detail, "failed"
        except Exception:  # a bug or a lost store: said on the page, the whole in the log
            log.exception("import %s of %s failed", job.id, domain)
            job.error, job.state = "the import failed (see the server's log)", "failed"
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)

    def get(self, site_id: int, job_id: str) -> ImportJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.site_id == site_id else None

    def of_site(self, site_id: int) -> list[ImportJob]:
        with self._lock:
            return [j for j in self._jobs.values() if j.site_id == site_id]

    def close(self) -> None:
        """Wait for the running import; queued ones are dropped with their files."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for job in self._jobs.values():
                if job.state == "running" and job.folder is not None:  # never started
                    job.error, job.state = "the server stopped before this import ran", "failed"
                    shutil.rmtree(job.folder, ignore_errors=True)
