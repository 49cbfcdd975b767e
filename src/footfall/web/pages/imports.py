"""A site's imported history on its settings page (owners and admins): upload another
tool's export, imported in the background (imports/jobs.py) while the page polls a
small JSON status; the past imports listed, each with a remove button.
docs/transfer.md, "From the settings page"."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Form, Request, UploadFile
from starlette.responses import Response

from footfall.errors import FootfallError, InputError, NotFoundError, PayloadTooLarge
from footfall.imports import service
from footfall.offload import offload
from footfall.web.deps import services
from footfall.web.errors import error_response, json_response
from footfall.web.management import MAX_IMPORT_BYTES
from footfall.web.pages import sites

CsrfField = Annotated[str | None, Form()]
CHUNK = 1 << 20


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _saved(upload: UploadFile) -> Path:
    """The upload copied into a folder of its own (the job removes it)."""
    folder = Path(tempfile.mkdtemp(prefix="footfall-import-"))
    path = folder / (Path(upload.filename or "").name or "export.zip")
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > MAX_IMPORT_BYTES:
                raise PayloadTooLarge(f"an import is at most {MAX_IMPORT_BYTES} bytes")
            await offload(out.write, chunk)
    return path


@sites.router.post("/sites/{domain}/imports")
async def start_import(
    request: Request,
    domain: str,
    file: UploadFile,
    source: Annotated[str, Form(max_length=20)] = "plausible",
    csrf_token: CsrfField = None,
) -> Response:
    access = await sites._form(request, domain, csrf_token)
    try:
        if source not in service.SOURCES:
            raise InputError(f"no import of {source} (plausible, umami)", field="source")
        if services(request).stores.imported is None:
            raise InputError("this backend keeps no imported data yet", field="file")
        path = await _saved(file)
        jobs = services(request).import_jobs()
        job = await offload(jobs.start, access.site.domain, access.site.id, source, path)
    except FootfallError as exc:
        if _wants_json(request):
            return error_response(exc)
        raise
    if _wants_json(request):
        return json_response(job.json(), 202)
    return sites._back(access, "import_started", "imports")


@sites.router.get("/sites/{domain}/import-jobs/{job_id}")
async def import_status(request: Request, domain: str, job_id: str) -> Response:
    access = await sites._manager(request, domain)
    job = services(request).import_jobs().get(access.site.id, job_id)
    if job is None:
        raise NotFoundError("no such import here (another server may be running it)")
    return json_response(job.json(), headers={"cache-control": "no-store"})


@sites.router.post("/sites/{domain}/imports/{digest}/remove")
async def remove_import(
    request: Request, domain: str, digest: str, csrf_token: CsrfField = None
) -> Response:
    access = await sites._form(request, domain, csrf_token)
    imported = services(request).stores.imported
    if imported is None or not await offload(imported.remove_import, access.site.id, digest):
        raise NotFoundError("no such import", field="digest")
    return sites._back(access, "import_removed", "imports")
