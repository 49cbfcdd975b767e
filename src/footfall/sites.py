"""Sites, their API keys and goals as the operator manages them: the management API,
the site pages and the CLI's direct mode all go through ``SiteManager``."""

from __future__ import annotations

import dataclasses
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from footfall import retention
from footfall.apikeys import KeyRing, NewKey
from footfall.domain import ApiKey, Goal, Scope, Site, normalize_domain
from footfall.errors import InputError, NotFoundError
from footfall.store.registry import Stores

_DOMAIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-._:")


def parse_scopes(raw: str | list[str]) -> frozenset[Scope]:
    names = raw.split(",") if isinstance(raw, str) else raw
    try:
        return frozenset(Scope(n.strip()) for n in names if n.strip())
    except ValueError:
        allowed = ", ".join(s.value for s in Scope)
        raise InputError(f"scopes must be among {allowed}", field="scopes") from None


def site_json(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "domain": site.domain,
        "timezone": site.timezone,
        "umami_website_id": site.umami_website_id,
        "retention_days": site.retention_days,
        "created_at": site.created_at.isoformat() if site.created_at else None,
    }


def key_json(key: ApiKey, site: Site | None) -> dict[str, Any]:
    def iso(ts: Any) -> str | None:
        return ts.isoformat() if ts else None

    return {
        "prefix": key.prefix,
        "site": site.domain if site else None,
        "scopes": sorted(key.scopes),
        "name": key.name,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
        "revoked_at": iso(key.revoked_at),
    }


def goal_json(goal: Goal, site: Site | None) -> dict[str, Any]:
    return {
        "id": goal.id,
        "site": site.domain if site else None,
        "name": goal.display_name,
        "event_name": goal.event_name or None,
        "page_path": goal.page_path or None,
    }


@dataclass
class SiteManager:
    stores: Stores
    keys: KeyRing

    def add_site(self, domain: str, timezone: str = "UTC", umami_id: str | None = None) -> Site:
        clean = normalize_domain(domain)
        if not clean or not set(clean) <= _DOMAIN_CHARS or len(clean) > 253:
            raise InputError(f"{domain!r} is not a domain name", field="domain")
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown time zone {timezone!r}", field="timezone") from None
        try:
            # Umami snippets name the site by UUID; default to a stable one per domain.
            website = (
                str(uuid.UUID(umami_id)) if umami_id else str(uuid.uuid5(uuid.NAMESPACE_DNS, clean))
            )
        except ValueError:
            raise InputError("umami website id must be a UUID", field="umami_website_id") from None
        site = self.stores.catalog.add_site(clean, timezone, website)
        # New sites keep 12 months (seed 003; footfall/retention.py).
        self.stores.catalog.set_site_retention(site.id, retention.DEFAULT_DAYS)
        return dataclasses.replace(site, retention_days=retention.DEFAULT_DAYS)

    def set_retention(self, domain: str, days: int | None) -> Site:
        """Keep the site's events ``days`` days (None: for ever); the daily pass
        deletes what expires (footfall/retention.py)."""
        if days is not None and not 1 <= days <= retention.MAX_DAYS:
            raise InputError(
                f"retention must be 1 to {retention.MAX_DAYS} days, or none", field="retention_days"
            )
        site = self._site(domain, "domain")
        self.stores.catalog.set_site_retention(site.id, days)
        return dataclasses.replace(site, retention_days=days)

    def reset_stats(self, domain: str) -> Site:
        """Delete every event of the site; the site, its keys, goals and members stay."""
        site = self._site(domain, "domain")
        self.stores.events.delete_events(site.id)
        return site

    def delete_range(self, domain: str, first: date, last: date) -> Site:
        """Delete the site's events of the days ``first`` to ``last`` (both included),
        days in the site's time zone."""
        if last < first:
            raise InputError("the last day is before the first", field="to")
        site = self._site(domain, "domain")
        zone = zoneinfo.ZoneInfo(site.timezone)
        start = datetime.combine(first, time(), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
        self.stores.events.delete_events(site.id, start, end)
        return site

    def remove_site(self, domain: str) -> None:
        """Delete a site with everything of it, events first: a failure half way leaves
        the site listed, so removing it again finishes the job."""
        site = self.stores.catalog.get_site(normalize_domain(domain))
        if site is None:
            raise NotFoundError(f"no site {domain}", field="domain")
        self.stores.events.delete_events(site.id)
        if self.stores.imported is not None:
            self.stores.imported.remove_imports(site.id)
        self.stores.accounts.forget_site(site.id)
        if self.stores.mailbox is not None:  # its reports and alerts
            self.stores.mailbox.forget_site_mail(site.id)
        self.stores.catalog.remove_site(site.id)
        self.keys.invalidate()  # its keys were removed with it: fail now, not in 30 s

    def create_key(self, domain: str, scopes: frozenset[Scope], name: str = "") -> NewKey:
        return self.keys.create(normalize_domain(domain), scopes, name)

    def list_keys(self, domain: str | None = None) -> list[dict[str, Any]]:
        sites = {s.id: s for s in self.stores.catalog.list_sites()}
        site_id = None
        if domain is not None:
            site = self.stores.catalog.get_site(normalize_domain(domain))
            if site is None:
                raise NotFoundError(f"no site {domain}", field="site")
            site_id = site.id
        return [key_json(k, sites.get(k.site_id)) for k in self.stores.catalog.list_keys(site_id)]

    def _site(self, domain: str, field: str = "site") -> Site:
        site = self.stores.catalog.get_site(normalize_domain(domain))
        if site is None:
            raise NotFoundError(f"no site {domain}", field=field)
        return site

    def add_goal(self, domain: str, event: str | None = None, page: str | None = None) -> Goal:
        """A custom-event goal (``event``) or a pageview goal (``page``), not both."""
        site = self._site(domain)
        if bool(event) == bool(page):
            raise InputError("give exactly one of event or page", field="goal")
        if page is not None and not page.startswith("/"):
            raise InputError("a page goal's path starts with /", field="page_path")
        name = event if event else f"Visit {page}"  # Plausible names page goals so
        return self.stores.catalog.add_goal(site.id, event or "", page or "", name or "")

    def list_goals(self, domain: str | None = None) -> list[dict[str, Any]]:
        sites = {s.id: s for s in self.stores.catalog.list_sites()}
        site_id = self._site(domain).id if domain else None
        return [goal_json(g, sites.get(g.site_id)) for g in self.stores.catalog.list_goals(site_id)]

    def remove_goal(self, domain: str, name: str) -> None:
        if not self.stores.catalog.remove_goal(self._site(domain).id, name):
            raise NotFoundError(f"no goal {name!r} on {domain}", field="goal")

    def revoke_key(self, prefix: str) -> None:
        if not self.keys.revoke(prefix):
            raise NotFoundError(f"no active key with prefix {prefix}", field="prefix")
