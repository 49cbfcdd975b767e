"""Data retention: each site keeps its events ``retention_days`` days (docs/retention.md).

A site's events expire by their day in the site's time zone: with a retention of N
days, today and the N days before it are kept, and everything before local midnight
starting day ``today - N`` is deleted (``cutoff``). New sites keep 12 months
(``DEFAULT_DAYS``, seed 003); a site without a retention keeps everything.

Every replica runs ``run_daily`` every hour; the first to claim the UTC day in the
store (``Catalog.claim_job``) deletes, the others skip. Deleting goes through
``EventLog.delete_events(site, end=cutoff)``, which recomputes the visits around the cut
on every backend, marks the PostgreSQL rollups of the days it touched for
re-summarising (so the deleted days' rollups go too) and drops the PostgreSQL monthly
partitions it left empty.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from footfall.domain import Site
from footfall.store.registry import Stores

log = logging.getLogger("footfall.retention")

DEFAULT_DAYS = 365  # new sites keep 12 months (seed 003)
JOB = "retention"
CHOICES = (30, 90, 180, 365, 730, 1095, 1825)  # the settings page's options (plus "for ever")
MAX_DAYS = 36_500


def cutoff(site: Site, now: datetime) -> datetime | None:
    """The instant (aware UTC) before which the site's events have expired: local
    midnight starting day ``today - retention_days``; None without a retention."""
    if site.retention_days is None:
        return None
    zone = ZoneInfo(site.timezone)
    first_kept = now.astimezone(zone).date() - timedelta(days=site.retention_days)
    return datetime.combine(first_kept, time(), zone).astimezone(UTC)


def apply_site(stores: Stores, site: Site, now: datetime) -> datetime | None:
    """Delete the site's expired events now; its cut-off, if it has a retention."""
    at = cutoff(site, now)
    if at is not None:
        stores.events.delete_events(site.id, None, at)
    return at


def apply(stores: Stores, now: datetime) -> dict[int, datetime]:
    """Delete every site's expired events now; each such site's cut-off, by id."""
    done = {site.id: apply_site(stores, site, now) for site in stores.catalog.list_sites()}
    return {site_id: at for site_id, at in done.items() if at is not None}


def run_daily(stores: Stores, now: datetime) -> bool:
    """``apply`` once per UTC day across replicas: False when another claimed the day.
    (A pass that fails half way is not retried that day; the next day's catches up.)"""
    if not stores.catalog.claim_job(JOB, now.astimezone(UTC).date().isoformat()):
        return False
    done = apply(stores, now)
    log.info("retention applied to %d sites", len(done))
    return True
