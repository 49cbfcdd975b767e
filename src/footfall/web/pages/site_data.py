"""A site's data on its settings page: retention (admins), deleting some days and
resetting the stats (owners, confirmed by typing the domain); docs/retention.md."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from footfall.accounts.models import Role
from footfall.errors import InputError
from footfall.offload import offload
from footfall.web.access import Access
from footfall.web.deps import services
from footfall.web.pages import sites

CsrfField = Annotated[str | None, Form()]
Short = Annotated[str, Form(max_length=200)]


def _confirmed(access: Access, typed: str) -> None:
    if typed.strip().lower() != access.site.domain:
        raise InputError("type the site's domain to confirm", field="confirm")


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


@sites.router.post("/sites/{domain}/retention")
async def set_retention(
    request: Request, domain: str, retention_days: Short = "", csrf_token: CsrfField = None
) -> Response:
    access = await sites._form(request, domain, csrf_token)
    value = retention_days.strip()
    if value and not (value.isascii() and value.isdigit()):
        raise InputError("retention is a number of days", field="retention_days")
    days = int(value) if value else None
    await offload(sites._admin(request).set_retention, access.site.domain, days)
    services(request).sites.invalidate()
    return sites._back(access, "retention", "data")


@sites.router.post("/sites/{domain}/delete-range")
async def delete_range(
    request: Request,
    domain: str,
    start: Short = "",
    end: Short = "",
    confirm: Short = "",
    csrf_token: CsrfField = None,
) -> Response:
    access = await sites._form(request, domain, csrf_token, Role.OWNER)
    _confirmed(access, confirm)
    first, last = _day(start, "start"), _day(end, "end")
    await offload(sites._admin(request).delete_range, access.site.domain, first, last)
    return sites._back(access, "range_deleted", "data")


@sites.router.post("/sites/{domain}/reset")
async def reset(
    request: Request, domain: str, confirm: Short = "", csrf_token: CsrfField = None
) -> Response:
    access = await sites._form(request, domain, csrf_token, Role.OWNER)
    _confirmed(access, confirm)
    await offload(sites._admin(request).reset_stats, access.site.domain)
    return sites._back(access, "reset", "data")
