"""The Catalog on the single table: sites, API keys, goals, funnels and salts.

Each kind of catalog item lives in one partition of its own (``SITE``, ``KEY``,
``GOAL``, ``FUNNEL``, ``SALT``), so every read is a strongly consistent GetItem or Query on the
base table, and uniqueness is a conditional put of a lookup item (``DOMAIN``,
``UMAMI``) in the same transaction as the site. Catalogs are small (a few KB per
site): per-site lists read their kind's partition and keep the site's items.
docs/backends.md, "DynamoDB", has the whole table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from footfall.domain import (
    ApiKey,
    Funnel,
    FunnelStep,
    Goal,
    Scope,
    Shields,
    Site,
    steps_from_text,
    steps_text,
)
from footfall.errors import ConflictError
from footfall.store.base import StoredKey
from footfall.store.dynamo.attrs import (
    EXISTS,
    NEW,
    Item,
    b,
    get_b,
    get_n,
    get_opt_n,
    get_opt_s,
    get_opt_t,
    get_s,
    key,
    n,
    padded,
    s,
    t,
)
from footfall.store.dynamo.table import Table


def _site(item: Item) -> Site:
    return Site(
        get_n(item, "id"),
        get_s(item, "domain"),
        get_s(item, "timezone"),
        get_opt_s(item, "umami_website_id"),
        get_opt_n(item, "retention_days"),
        get_opt_t(item, "created_at"),
    )


def _key(item: Item) -> ApiKey:
    scopes = frozenset(Scope(x) for x in get_s(item, "scopes").split(",") if x)
    return ApiKey(
        get_s(item, "SK"),
        get_n(item, "site_id"),
        scopes,
        get_s(item, "name"),
        get_opt_t(item, "created_at"),
        get_opt_t(item, "last_used_at"),
        get_opt_t(item, "revoked_at"),
    )


def _goal(item: Item) -> Goal:
    return Goal(
        get_n(item, "id"),
        get_n(item, "site_id"),
        get_s(item, "event_name"),
        get_s(item, "page_path"),
        get_s(item, "display_name"),
    )


def _funnel(item: Item) -> Funnel:
    return Funnel(
        get_n(item, "id"),
        get_n(item, "site_id"),
        get_s(item, "name"),
        steps_from_text(get_s(item, "steps")),
    )


class DynamoCatalog:
    table: Table

    # sites -------------------------------------------------------------------
    def add_site(self, domain: str, timezone: str, umami_website_id: str) -> Site:
        site_id = self.table.next_id("site")
        return self._put_site(Site(site_id, domain, timezone, umami_website_id, None,
                                   datetime.now(UTC)))  # fmt: skip

    def restore_site(self, site: Site) -> None:
        self._put_site(site)
        self.table.raise_counter("site", site.id)

    def _put_site(self, given: Site) -> Site:
        site_id, domain, umami_website_id = given.id, given.domain, given.umami_website_id or ""
        site = {
            **key("SITE", padded(site_id)),
            "id": n(site_id),
            "domain": s(domain),
            "timezone": s(given.timezone),
            "umami_website_id": s(umami_website_id),
            "created_at": t(given.created_at or datetime.now(UTC)),
        }
        if given.retention_days is not None:
            site["retention_days"] = n(given.retention_days)
        lookups = [("DOMAIN", domain), ("UMAMI", umami_website_id)]
        self.table.transact(
            [
                {"Put": {"TableName": self.table.name, "Item": site, "ConditionExpression": NEW}},
                *(
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": {**key(pk, sk), "site_id": n(site_id)},
                            "ConditionExpression": NEW,
                        }
                    }
                    for pk, sk in lookups
                ),
            ],
            conflict=f"site {domain} already exists",
        )
        return _site(site)

    def list_sites(self) -> list[Site]:
        return sorted((_site(i) for i in self.table.query("SITE")), key=lambda x: x.domain)

    def _site_via(self, pk: str, sk: str) -> Site | None:
        found = self.table.get(pk, sk)
        return None if found is None else self.get_site_by_id(get_n(found, "site_id"))

    def get_site(self, domain: str) -> Site | None:
        return self._site_via("DOMAIN", domain)

    def get_site_by_id(self, site_id: int) -> Site | None:
        found = self.table.get("SITE", padded(site_id))
        return None if found is None else _site(found)

    def get_site_by_umami_id(self, website_id: str) -> Site | None:
        return self._site_via("UMAMI", website_id)

    def set_site_timezone(self, site_id: int, timezone: str) -> None:
        self.table.update("SITE", padded(site_id), "SET #tz = :tz", {":tz": s(timezone)},
                          EXISTS, names={"#tz": "timezone"})  # fmt: skip

    def set_site_retention(self, site_id: int, days: int | None) -> None:
        if days is None:
            self.table.update("SITE", padded(site_id), "REMOVE retention_days", None, EXISTS)
        else:
            self.table.update("SITE", padded(site_id), "SET retention_days = :d",
                              {":d": n(days)}, EXISTS)  # fmt: skip

    def claim_job(self, job: str, period: str) -> bool:
        item = {**key(f"JOB#{job}", period), "claimed_at": t(datetime.now(UTC))}
        return self.table.put(item, NEW)

    def embed_origins(self, site_id: int) -> tuple[str, ...]:
        found = self.table.get("SITE", padded(site_id))
        return tuple((get_opt_s(found, "embed_origins") or "").split()) if found else ()

    def set_embed_origins(self, site_id: int, origins: Sequence[str]) -> None:
        self.table.update("SITE", padded(site_id), "SET #e = :e", {":e": s("\n".join(origins))},
                          EXISTS, names={"#e": "embed_origins"})  # fmt: skip

    # Shields and drop tallies are attributes of the site's item, so they go with it;
    # a tally is ``drop_<reason>``, added to with ADD (atomic across replicas).
    def shields(self, site_id: int) -> Shields:
        found = self.table.get("SITE", padded(site_id))
        return Shields.from_text(get_opt_s(found, "shields") if found else None)

    def set_shields(self, site_id: int, shields: Shields) -> None:
        self.table.update("SITE", padded(site_id), "SET #s = :s", {":s": s(shields.text())},
                          EXISTS, names={"#s": "shields"})  # fmt: skip

    def add_drops(self, counts: Mapping[tuple[int, str], int]) -> None:
        by_site: dict[int, dict[str, int]] = {}
        for (site_id, reason), count in counts.items():
            if count:
                by_site.setdefault(site_id, {})[reason] = count
        for site_id, tallies in sorted(by_site.items()):
            names = {f"#d{i}": f"drop_{r}" for i, r in enumerate(tallies)}
            values = {f":d{i}": n(c) for i, c in enumerate(tallies.values())}
            adds = ", ".join(f"#d{i} :d{i}" for i in range(len(tallies)))
            # ADD is not idempotent: an UpdateItem that botocore sends again after a
            # lost answer (a read timeout) would count twice. A one-item transaction
            # carries botocore's idempotency token through its retries, and DynamoDB
            # applies a token once. A removed site's tallies are dropped (False).
            update = {
                "TableName": self.table.name,
                "Key": key("SITE", padded(site_id)),
                "UpdateExpression": f"ADD {adds}",
                "ExpressionAttributeValues": values,
                "ExpressionAttributeNames": names,
                "ConditionExpression": EXISTS,
            }
            self.table.transact([{"Update": update}])

    def site_drops(self, site_id: int) -> dict[str, int]:
        found = self.table.get("SITE", padded(site_id)) or {}
        return {
            name.removeprefix("drop_"): get_n(found, name)
            for name in sorted(found)
            if name.startswith("drop_")
        }

    def remove_site(self, site_id: int) -> bool:
        site = self.get_site_by_id(site_id)
        if site is None:
            return False
        doomed = [("KEY", k.prefix) for k in self.list_keys(site_id)]
        doomed += [
            ("GOAL", f"{padded(site_id)}#{g.display_name}") for g in self.list_goals(site_id)
        ]
        doomed += [("FUNNEL", f"{padded(site_id)}#{f.name}") for f in self.list_funnels(site_id)]
        doomed += [("DOMAIN", site.domain), ("UMAMI", site.umami_website_id or "")]
        self.table.batch_write([{"DeleteRequest": {"Key": key(p, k)}} for p, k in doomed])
        return self.table.delete("SITE", padded(site_id))

    # API keys ----------------------------------------------------------------
    def add_key(
        self, site_id: int, prefix: str, digest: bytes, scopes: frozenset[Scope], name: str
    ) -> ApiKey:
        made = ApiKey(prefix, site_id, scopes, name, datetime.now(UTC), None, None)
        return self._put_key(StoredKey(made, digest))

    def restore_key(self, stored: StoredKey) -> None:
        self._put_key(stored)

    def _put_key(self, stored: StoredKey) -> ApiKey:
        k = stored.key
        item = {
            **key("KEY", k.prefix),
            "site_id": n(k.site_id),
            "digest": b(stored.digest),
            "scopes": s(",".join(sorted(k.scopes))),
            "name": s(k.name),
            "created_at": t(k.created_at or datetime.now(UTC)),
        }
        for name, at in (("last_used_at", k.last_used_at), ("revoked_at", k.revoked_at)):
            if at is not None:
                item[name] = t(at)
        self.table.put(item, NEW, conflict=f"an API key with prefix {k.prefix} exists")
        return _key(item)

    def find_key(self, prefix: str) -> StoredKey | None:
        found = self.table.get("KEY", prefix)
        return None if found is None else StoredKey(_key(found), get_b(found, "digest"))

    def list_keys(self, site_id: int | None = None) -> list[ApiKey]:
        keys = [_key(i) for i in self.table.query("KEY", projection=None)]
        keys = [k for k in keys if site_id is None or k.site_id == site_id]
        return sorted(keys, key=lambda k: k.created_at or datetime.min.replace(tzinfo=UTC))

    def revoke_key(self, prefix: str, at: datetime) -> bool:
        done = self.table.update(
            "KEY",
            prefix,
            "SET revoked_at = :at",
            {":at": t(at)},
            f"{EXISTS} AND attribute_not_exists(revoked_at)",
        )
        return done is not None

    def touch_keys(self, last_used: Mapping[str, datetime]) -> None:
        for prefix, at in last_used.items():
            self.table.update("KEY", prefix, "SET last_used_at = :at", {":at": t(at)}, EXISTS)

    # goals -------------------------------------------------------------------
    def add_goal(self, site_id: int, event_name: str, page_path: str, display_name: str) -> Goal:
        goal_id = self.table.next_id("goal")
        return self._put_goal(Goal(goal_id, site_id, event_name, page_path, display_name))

    def restore_goal(self, goal: Goal) -> None:
        # Goals are keyed by site and name; a taken id is looked for among them (an
        # import writes into an empty table: no other writer races this check).
        if any(g.id == goal.id for g in self.list_goals()):
            raise ConflictError(f"a goal with id {goal.id} exists", field="goal")
        self._put_goal(goal)
        self.table.raise_counter("goal", goal.id)

    def _put_goal(self, goal: Goal) -> Goal:
        item = {
            **key("GOAL", f"{padded(goal.site_id)}#{goal.display_name}"),
            "id": n(goal.id),
            "site_id": n(goal.site_id),
            "event_name": s(goal.event_name),
            "page_path": s(goal.page_path),
            "display_name": s(goal.display_name),
            "created_at": t(datetime.now(UTC)),
        }
        conflict = f"the site already has a goal named {goal.display_name!r}"
        self.table.put(item, NEW, conflict=conflict)
        return _goal(item)

    def list_goals(self, site_id: int | None = None) -> list[Goal]:
        prefix = "" if site_id is None else f"{padded(site_id)}#"
        return [_goal(i) for i in self.table.query("GOAL", prefix=prefix)]

    def remove_goal(self, site_id: int, display_name: str) -> bool:
        return self.table.delete("GOAL", f"{padded(site_id)}#{display_name}")

    # funnels -----------------------------------------------------------------
    def add_funnel(self, site_id: int, name: str, steps: tuple[FunnelStep, ...]) -> Funnel:
        item = {
            **key("FUNNEL", f"{padded(site_id)}#{name}"),
            "id": n(self.table.next_id("funnel")),
            "site_id": n(site_id),
            "name": s(name),
            "steps": s(steps_text(steps)),
            "created_at": t(datetime.now(UTC)),
        }
        conflict = f"the site already has a funnel named {name!r}"
        self.table.put(item, NEW, conflict=conflict)
        return _funnel(item)

    def list_funnels(self, site_id: int | None = None) -> list[Funnel]:
        prefix = "" if site_id is None else f"{padded(site_id)}#"
        return [_funnel(i) for i in self.table.query("FUNNEL", prefix=prefix)]

    def remove_funnel(self, site_id: int, name: str) -> bool:
        return self.table.delete("FUNNEL", f"{padded(site_id)}#{name}")

    # salts -------------------------------------------------------------------
    def ensure_salts(self, candidates: Mapping[date, bytes]) -> dict[date, bytes]:
        for day, salt in candidates.items():  # insert-if-absent: the first writer wins
            self.table.put({**key("SALT", day.isoformat()), "salt": b(salt)}, NEW)
        oldest = min(candidates).isoformat()
        old = [get_s(i, "SK") for i in self.table.query("SALT", below=oldest, projection="SK")]
        self.table.batch_write([{"DeleteRequest": {"Key": key("SALT", d)}} for d in old])
        wanted = [("SALT", d.isoformat()) for d in candidates]
        return {
            date.fromisoformat(get_s(i, "SK")): get_b(i, "salt")
            for i in self.table.batch_get(wanted)
        }
