"""Segments: a named filter set of a site, a user's own or shared with everyone who
sees the site (docs/dashboard.md, "Segments").

Anyone signed in with a role on the site saves their own; owners and admins also
save, change and remove the shared ones. A shared link's visitors pick from the
shared ones. The filters are a Plausible v2 ``filters`` list, checked by the same
parser as every query, kept as the dashboard's chips (conditions, and ``or`` groups
of them) so the filter bar can show them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from footfall.accounts.models import Role, Segment
from footfall.domain import Site
from footfall.errors import ForbiddenError, InputError, NotFoundError
from footfall.stats import query as stats_query
from footfall.store.base import Accounts

MAX_NAME = 120
MAX_FILTERS = 20
LOGICAL = ("and", "or", "not")


def segment_json(segment: Segment, user_id: int | None, may_share: bool) -> dict[str, Any]:
    own = segment.user_id is not None and segment.user_id == user_id
    return {
        "id": segment.id,
        "name": segment.name,
        "filters": json.loads(segment.filters),
        "shared": segment.user_id is None,
        "editable": own or (segment.user_id is None and may_share),
    }


@dataclass(frozen=True)
class Viewer:
    """Who asks: a signed-in user with a role on the site, or a shared link's visitor."""

    user_id: int | None
    role: str  # owner, admin, viewer or shared

    @property
    def may_share(self) -> bool:
        return self.role != "shared" and Role(self.role).at_least(Role.ADMIN)


@dataclass
class Segments:
    accounts: Accounts

    def listing(self, site: Site, who: Viewer) -> list[dict[str, Any]]:
        found = self.accounts.site_segments(site.id, who.user_id)
        return [segment_json(s, who.user_id, who.may_share) for s in found]

    def _filters(self, site: Site, raw: Any, now: datetime) -> str:
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_FILTERS:
            raise InputError(f"a segment has 1 to {MAX_FILTERS} filters", field="filters")
        body = {"site_id": site.domain, "metrics": ["visitors"], "date_range": "day"}
        stats_query.parse({**body, "filters": raw}, now, site.timezone, now.date())
        for i, f in enumerate(raw):  # what the filter bar can show: chips, "or" groups
            chips = f[1] if f[0] == "or" else [f]
            if not all(isinstance(c[0], str) and c[0] not in LOGICAL for c in chips):
                raise InputError(
                    "a segment's filters are conditions and or-groups of them",
                    field=f"filters.{i}",
                )
        return json.dumps(raw, separators=(",", ":"))

    def add(
        self, site: Site, who: Viewer, name: Any, filters: Any, shared: bool, now: datetime
    ) -> dict[str, Any]:
        if who.user_id is None:
            raise ForbiddenError("sign in to save a segment")
        if shared and not who.may_share:
            raise ForbiddenError("only the site's owners and admins share segments")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise InputError(f"a segment's name is 1 to {MAX_NAME} characters", field="name")
        text = self._filters(site, filters, now)
        owner = None if shared else who.user_id
        made = self.accounts.add_segment(site.id, name.strip(), text, owner, who.user_id)
        return segment_json(made, who.user_id, who.may_share)

    def _editable(self, site: Site, who: Viewer, segment_id: int) -> Segment:
        found = self.accounts.get_segment(segment_id)
        visible = found is not None and found.site_id == site.id
        if found is None or not visible or found.user_id not in (None, who.user_id):
            raise NotFoundError("no such segment", field="segment")
        if not segment_json(found, who.user_id, who.may_share)["editable"]:
            raise ForbiddenError("only the site's owners and admins change shared segments")
        return found

    def update(
        self, site: Site, who: Viewer, segment_id: int, filters: Any, now: datetime
    ) -> dict[str, Any]:
        found = self._editable(site, who, segment_id)
        text = self._filters(site, filters, now)
        if not self.accounts.update_segment(found.id, text):
            raise NotFoundError("no such segment", field="segment")
        updated = Segment(
            found.id, found.site_id, found.name, text, found.user_id, found.created_by
        )
        return segment_json(updated, who.user_id, who.may_share)

    def remove(self, site: Site, who: Viewer, segment_id: int) -> None:
        found = self._editable(site, who, segment_id)
        if not self.accounts.remove_segment(found.id):
            raise NotFoundError("no such segment", field="segment")
