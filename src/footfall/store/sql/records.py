"""``Catalog`` and ``Accounts`` for SQL backends: the same named statements in every
engine's ``queries.sql``, run through five primitives each backend provides.

A backend mixes ``SqlRecords`` in and supplies ``_one``, ``_all``, ``_write`` (one
statement in its own transaction), ``_write_all`` (several, in one) and ``_stamp`` (an
aware instant as its columns take it: DuckDB naive UTC, PostgreSQL as is). Rows come
back as aware UTC whatever the engine returns (``utc``). ``ensure_salts`` stays with
each backend: how concurrent inserts of one day agree differs by engine.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, overload

from footfall.accounts.models import (
    Invitation,
    Member,
    Role,
    Segment,
    SharedLink,
    StoredUser,
    TotpState,
    User,
    WebSession,
)
from footfall.domain import (
    ApiKey,
    Event,
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
from footfall.imports.tables import TABLES
from footfall.store.base import ImportInfo, StoredKey

Row = tuple[Any, ...]


@overload
def utc(ts: datetime) -> datetime: ...
@overload
def utc(ts: None) -> None: ...
@overload
def utc(ts: datetime | None) -> datetime | None: ...
def utc(ts: datetime | None) -> datetime | None:
    """Aware UTC: a naive value is taken as UTC (DuckDB's columns), an aware one converted."""
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _segment(row: Row) -> Segment:
    owner = int(row[2])
    return Segment(int(row[0]), int(row[1]), str(row[3]), str(row[4]), owner or None, int(row[5]))


def _funnel(row: Row) -> Funnel:
    return Funnel(int(row[0]), int(row[1]), str(row[2]), steps_from_text(str(row[3])))


_EVENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Event))


def event_from_row(names: Sequence[str], row: Row) -> Event:
    """An ``events`` row (columns ``names``) as the Event it was written from."""
    return event_from_values(dict(zip(names, row, strict=True)))


def event_from_values(columns: Mapping[str, Any]) -> Event:
    """Event fields by name as an engine or Arrow gives them (naive or aware times,
    maps as dicts or pairs, decimals) as the Event they were written from."""
    values = {n: v for n, v in columns.items() if n in _EVENT_FIELDS}
    values["timestamp"] = utc(values["timestamp"])
    values["props"] = dict(values["props"])
    amount = values["revenue_amount"]
    values["revenue_amount"] = None if amount is None else str(amount)
    return Event(**values)


def _site(row: Row) -> Site:
    site_id, domain, tz, umami_id, retention, created = row
    return Site(site_id, domain, tz, umami_id, retention, utc(created))


def _key(row: Row) -> ApiKey:
    prefix, site_id, scopes, name, created, used, revoked = row
    parsed = frozenset(Scope(s) for s in scopes.split(",") if s)
    return ApiKey(prefix, site_id, parsed, name, utc(created), utc(used), utc(revoked))


def _user(row: Row) -> User:
    user_id, email, role, created = row[:4]
    return User(user_id, email, Role(role) if role else None, utc(created))


def _invitation(row: Row) -> Invitation:
    token_hash, email, site_id, role, by, created, expires = row
    return Invitation(bytes(token_hash), email, site_id, Role(role), by, utc(created), utc(expires))


def _share(row: Row) -> SharedLink:
    share_id, site_id, token, name, password_hash, created, revoked = row
    return SharedLink(share_id, site_id, token, name, password_hash, utc(created), utc(revoked))


class SqlRecords(ABC):
    @abstractmethod
    def _one(self, query: str, params: Sequence[object] = ()) -> Row | None: ...
    @abstractmethod
    def _all(self, query: str, params: Sequence[object] = ()) -> list[Row]: ...
    @abstractmethod
    def _write(self, query: str, params: Sequence[object] = ()) -> Row | None:
        """One statement in its own transaction; its first row (RETURNING), if any."""

    @abstractmethod
    def _write_all(self, queries: Sequence[str], params: Sequence[object]) -> Row | None:
        """Statements in one transaction, each with ``params``; the last one's first row."""

    @abstractmethod
    def _write_many(self, query: str, rows: Sequence[Sequence[object]]) -> None:
        """One statement per parameter row, in one transaction."""

    @abstractmethod
    def _write_steps(self, steps: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> None:
        """Several statements, each once per parameter row, in one transaction."""

    @abstractmethod
    def _stamp(self, at: datetime) -> object:
        """An aware instant as the engine's columns take it."""

    @abstractmethod
    def _advance_ids(self, table: str, past: int) -> None:
        """Move ``table``'s id sequence so that it gives ids above ``past`` (a restore
        kept that id); never back."""

    def _restore(self, query: str, params: Sequence[object], table: str, what: str) -> None:
        row = self._write(query, params)
        if row is None:
            raise ConflictError(f"{what} exists already in this store")
        if table:
            self._advance_ids(table, int(row[0]))

    def _stamp_or_none(self, at: datetime | None) -> object:
        return None if at is None else self._stamp(at)

    def _now(self) -> object:
        return self._stamp(datetime.now(UTC))

    # sites -------------------------------------------------------------------
    def add_site(self, domain: str, timezone: str, umami_website_id: str) -> Site:
        row = self._write("add_site", [domain, timezone, umami_website_id, self._now()])
        if row is None:
            raise ConflictError(f"site {domain} already exists", field="domain")
        return _site(row)

    def list_sites(self) -> list[Site]:
        return [_site(r) for r in self._all("list_sites")]

    def get_site(self, domain: str) -> Site | None:
        row = self._one("site_by_domain", [domain])
        return _site(row) if row else None

    def get_site_by_id(self, site_id: int) -> Site | None:
        row = self._one("site_by_id", [site_id])
        return _site(row) if row else None

    def get_site_by_umami_id(self, website_id: str) -> Site | None:
        row = self._one("site_by_umami_id", [website_id])
        return _site(row) if row else None

    def set_site_timezone(self, site_id: int, timezone: str) -> None:
        self._write("set_site_timezone", [timezone, site_id])

    def remove_site(self, site_id: int) -> bool:
        doomed = (
            "delete_site_keys",
            "delete_site_goals",
            "delete_site_funnels",
            "delete_site_embeds",
            "delete_site_shields",
            "delete_site_drops",
            "delete_site",
        )
        return self._write_all(doomed, [site_id]) is not None

    def embed_origins(self, site_id: int) -> tuple[str, ...]:
        row = self._one("embed_origins", [site_id])
        return tuple(row[0].split()) if row else ()

    def set_embed_origins(self, site_id: int, origins: Sequence[str]) -> None:
        self._write("set_embed_origins", [site_id, "\n".join(origins)])

    def shields(self, site_id: int) -> Shields:
        row = self._one("shields", [site_id])
        return Shields.from_text(row[0] if row else None)

    def set_shields(self, site_id: int, shields: Shields) -> None:
        self._write("set_shields", [site_id, shields.text()])

    def add_drops(self, counts: Mapping[tuple[int, str], int]) -> None:
        rows = [(site_id, reason, n, site_id) for (site_id, reason), n in counts.items() if n]
        if rows:
            self._write_many("add_drops", sorted(rows))  # one lock order for every replica

    def site_drops(self, site_id: int) -> dict[str, int]:
        return {str(r): int(n) for r, n in self._all("site_drops", [site_id])}

    # imported history (footfall/imports/) -----------------------------------------
    def save_import(
        self, info: ImportInfo, tables: Mapping[str, Sequence[Sequence[object]]]
    ) -> None:
        key = [info.site_id, info.digest]
        steps: list[tuple[str, Sequence[Sequence[object]]]] = [
            (f"delete_import_{t}", [key]) for t in TABLES
        ]
        steps.append(("delete_import", [key]))
        dates = [info.start_date, info.end_date, info.rows, self._stamp(info.created_at)]
        steps.append(("add_import", [[*key, info.source, info.file_name, *dates]]))
        for name, rows in tables.items():
            steps.append((f"insert_{name}", [[*key, *row] for row in rows]))
        self._write_steps(steps)

    def list_imports(self, site_id: int) -> list[ImportInfo]:
        return [
            ImportInfo(int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6]), utc(r[7]))
            for r in self._all("list_imports", [site_id])
        ]

    def imported_rows(self, site_id: int, table: str) -> list[Row]:
        if table not in TABLES:
            raise KeyError(table)
        return self._all(f"rows_{table}", [site_id])

    def remove_import(self, site_id: int, digest: str) -> bool:
        found = any(i.digest == digest for i in self.list_imports(site_id))
        key = [[site_id, digest]]
        steps = [(f"delete_import_{t}", key) for t in TABLES]
        self._write_steps([*steps, ("delete_import", key)])
        return found

    def remove_imports(self, site_id: int) -> int:
        found = len(self.list_imports(site_id))
        steps = [(f"delete_site_{t}", [[site_id]]) for t in TABLES]
        self._write_steps([*steps, ("delete_site_imports", [[site_id]])])
        return found

    def set_site_retention(self, site_id: int, days: int | None) -> None:
        self._write("set_site_retention", [days, site_id])

    def claim_job(self, job: str, period: str) -> bool:
        return self._write("claim_job", [job, period, self._now()]) is not None

    def restore_site(self, site: Site) -> None:
        created = self._stamp_or_none(site.created_at) or self._now()
        params = [site.id, site.domain, site.timezone, site.umami_website_id or ""]
        self._restore(
            "restore_site",
            [*params, site.retention_days, created],
            "sites",
            f"site {site.domain} (id {site.id})",
        )

    # API keys ----------------------------------------------------------------
    def add_key(
        self, site_id: int, prefix: str, digest: bytes, scopes: frozenset[Scope], name: str
    ) -> ApiKey:
        params = [prefix, site_id, digest, ",".join(sorted(scopes)), name, self._now()]
        row = self._write("add_key", params)
        assert row is not None
        return _key(row)

    def find_key(self, prefix: str) -> StoredKey | None:
        row = self._one("find_key", [prefix])
        return StoredKey(_key(row[:-1]), bytes(row[-1])) if row else None

    def list_keys(self, site_id: int | None = None) -> list[ApiKey]:
        if site_id is None:
            return [_key(r) for r in self._all("list_keys")]
        return [_key(r) for r in self._all("list_site_keys", [site_id])]

    def revoke_key(self, prefix: str, at: datetime) -> bool:
        return self._write("revoke_key", [self._stamp(at), prefix]) is not None

    def touch_keys(self, last_used: Mapping[str, datetime]) -> None:
        if last_used:
            rows = [(self._stamp(at), prefix) for prefix, at in last_used.items()]
            self._write_many("touch_key", rows)

    def restore_key(self, stored: StoredKey) -> None:
        k = stored.key
        created = self._stamp_or_none(k.created_at) or self._now()
        params = [k.prefix, k.site_id, stored.digest, ",".join(sorted(k.scopes)), k.name]
        times = [created, self._stamp_or_none(k.last_used_at), self._stamp_or_none(k.revoked_at)]
        self._restore("restore_key", [*params, *times], "", f"API key {k.prefix}")

    # goals -------------------------------------------------------------------
    def add_goal(self, site_id: int, event_name: str, page_path: str, display_name: str) -> Goal:
        row = self._write("add_goal", [site_id, event_name, page_path, display_name, self._now()])
        if row is None:
            raise ConflictError(f"the site already has a goal named {display_name!r}", field="goal")
        return Goal(*row)

    def list_goals(self, site_id: int | None = None) -> list[Goal]:
        if site_id is None:
            return [Goal(*r) for r in self._all("list_goals")]
        return [Goal(*r) for r in self._all("list_site_goals", [site_id])]

    def remove_goal(self, site_id: int, display_name: str) -> bool:
        return self._write("remove_goal", [site_id, display_name]) is not None

    def restore_goal(self, goal: Goal) -> None:
        g = goal
        params = [g.id, g.site_id, g.event_name, g.page_path, g.display_name, self._now()]
        self._restore("restore_goal", params, "goals", f"goal {g.display_name!r} (id {g.id})")

    # funnels -----------------------------------------------------------------
    def add_funnel(self, site_id: int, name: str, steps: tuple[FunnelStep, ...]) -> Funnel:
        row = self._write("add_funnel", [site_id, name, steps_text(steps), self._now()])
        if row is None:
            raise ConflictError(f"the site already has a funnel named {name!r}", field="name")
        return _funnel(row)

    def list_funnels(self, site_id: int | None = None) -> list[Funnel]:
        if site_id is None:
            return [_funnel(r) for r in self._all("list_funnels")]
        return [_funnel(r) for r in self._all("list_site_funnels", [site_id])]

    def remove_funnel(self, site_id: int, name: str) -> bool:
        return self._write("remove_funnel", [site_id, name]) is not None

    # accounts ----------------------------------------------------------------
    def add_user(self, email: str, password_hash: str, role: Role | None) -> User:
        row = self._write(
            "add_user", [email, password_hash, role.value if role else "", self._now()]
        )
        if row is None:
            raise ConflictError(f"a user with email {email} already exists", field="email")
        return _user(row)

    def get_user(self, email: str) -> StoredUser | None:
        row = self._one("user_by_email", [email])
        return StoredUser(_user(row), row[4]) if row else None

    def get_user_by_id(self, user_id: int) -> StoredUser | None:
        row = self._one("user_by_id", [user_id])
        return StoredUser(_user(row), row[4]) if row else None

    def list_users(self) -> list[User]:
        return [_user(r) for r in self._all("list_users")]

    def count_users(self) -> int:
        row = self._one("count_users")
        return int(row[0]) if row else 0

    def restore_user(self, stored: StoredUser) -> None:
        u = stored.user
        created = self._stamp_or_none(u.created_at) or self._now()
        params = [u.id, u.email, stored.password_hash, u.role.value if u.role else "", created]
        self._restore("restore_user", params, "users", f"user {u.email} (id {u.id})")

    def set_password(self, user_id: int, password_hash: str) -> None:
        self._write("set_password", [password_hash, user_id])

    def set_user_role(self, user_id: int, role: Role | None) -> None:
        self._write("set_user_role", [role.value if role else "", user_id])

    def remove_user(self, user_id: int) -> None:
        queries = (
            "delete_user_memberships",
            "delete_user_sessions",
            "delete_user_segments",
            "delete_user_totp",
            "delete_user_recovery_codes",
            "delete_user",
        )
        self._write_all(queries, [user_id])

    def set_membership(self, user_id: int, site_id: int, role: Role) -> None:
        self._write("set_membership", [user_id, site_id, role.value, self._now()])

    def remove_membership(self, user_id: int, site_id: int) -> bool:
        return self._write("delete_membership", [user_id, site_id]) is not None

    def user_memberships(self, user_id: int) -> dict[int, Role]:
        return {r[0]: Role(r[1]) for r in self._all("user_memberships", [user_id])}

    def site_members(self, site_id: int) -> list[Member]:
        return [Member(_user(r), Role(r[4])) for r in self._all("site_members", [site_id])]

    def forget_site(self, site_id: int) -> None:
        queries = (
            "delete_site_memberships",
            "delete_site_invitations",
            "delete_site_shares",
            "delete_site_segments",
            "delete_site_security",
        )
        self._write_all(queries, [site_id])

    # segments ----------------------------------------------------------------
    def add_segment(
        self, site_id: int, name: str, filters: str, user_id: int | None, created_by: int
    ) -> Segment:
        params = [site_id, user_id or 0, name, filters, created_by, self._now()]
        row = self._write("add_segment", params)
        if row is None:
            raise ConflictError(f"a segment named {name!r} exists already", field="name")
        return _segment(row)

    def site_segments(self, site_id: int, user_id: int | None) -> list[Segment]:
        return [_segment(r) for r in self._all("site_segments", [site_id, user_id or 0])]

    def get_segment(self, segment_id: int) -> Segment | None:
        row = self._one("get_segment", [segment_id])
        return _segment(row) if row else None

    def update_segment(self, segment_id: int, filters: str) -> bool:
        return self._write("update_segment", [filters, segment_id]) is not None

    def remove_segment(self, segment_id: int) -> bool:
        return self._write("remove_segment", [segment_id]) is not None

    def add_web_session(self, token_hash: bytes, user_id: int, expires_at: datetime) -> None:
        params = [token_hash, user_id, self._now(), self._stamp(expires_at)]
        self._write("add_web_session", params)

    def get_web_session(self, token_hash: bytes) -> WebSession | None:
        row = self._one("web_session", [token_hash])
        return WebSession(row[0], utc(row[1]), utc(row[2])) if row else None

    def remove_web_session(self, token_hash: bytes) -> None:
        self._write("delete_web_session", [token_hash])

    def remove_expired_web_sessions(self, now: datetime) -> None:
        self._write("delete_expired_web_sessions", [self._stamp(now)])

    def remove_user_sessions(self, user_id: int) -> None:
        self._write("delete_user_sessions", [user_id])

    def add_invitation(self, invitation: Invitation) -> None:
        i = invitation
        params = [i.token_hash, i.email, i.site_id, i.role.value, i.invited_by]
        self._write(
            "add_invitation", [*params, self._stamp(i.created_at), self._stamp(i.expires_at)]
        )

    def get_invitation(self, token_hash: bytes) -> Invitation | None:
        row = self._one("invitation", [token_hash])
        return _invitation(row) if row else None

    def site_invitations(self, site_id: int) -> list[Invitation]:
        return [_invitation(r) for r in self._all("site_invitations", [site_id])]

    def remove_invitation(self, token_hash: bytes) -> bool:
        return self._write("delete_invitation", [token_hash]) is not None

    def add_share(
        self, site_id: int, token: str, name: str, password_hash: str | None
    ) -> SharedLink:
        row = self._write("add_share", [site_id, token, name, password_hash, self._now()])
        assert row is not None
        return _share(row)

    def get_share(self, token: str) -> SharedLink | None:
        row = self._one("share_by_token", [token])
        return _share(row) if row else None

    def site_shares(self, site_id: int) -> list[SharedLink]:
        return [_share(r) for r in self._all("site_shares", [site_id])]

    def revoke_share(self, site_id: int, share_id: int, at: datetime) -> bool:
        return self._write("revoke_share", [self._stamp(at), site_id, share_id]) is not None

    def restore_share(self, link: SharedLink) -> None:
        s = link
        params = [s.id, s.site_id, s.token, s.name, s.password_hash, self._stamp(s.created_at)]
        params.append(self._stamp_or_none(s.revoked_at))
        self._restore("restore_share", params, "shared_links", f"shared link {s.id}")

    # two-factor authentication -------------------------------------------------
    def get_totp(self, user_id: int) -> TotpState | None:
        row = self._one("get_totp", [user_id])
        if row is None:
            return None
        return TotpState(bytes(row[0]), bool(row[1]), int(row[2]), tuple(row[3]))

    def start_totp(self, user_id: int, secret: bytes) -> None:
        if self._write("start_totp", [user_id, secret, self._now()]) is None:
            raise ConflictError("two-factor authentication is enabled already")

    def enable_totp(self, user_id: int, recovery_hashes: Sequence[str], step: int) -> bool:
        if self._write("enable_totp", [step, user_id]) is None:
            return False
        self._write_many("add_recovery_code", [[user_id, h] for h in recovery_hashes])
        return True

    def claim_totp_step(self, user_id: int, step: int) -> bool:
        return self._write("claim_totp_step", [step, user_id, step]) is not None

    def use_recovery_code(self, user_id: int, code_hash: str) -> bool:
        return self._write("use_recovery_code", [user_id, code_hash]) is not None

    def remove_totp(self, user_id: int) -> None:
        self._write_all(("delete_user_totp", "delete_user_recovery_codes"), [user_id])

    def site_requires_2fa(self, site_id: int) -> bool:
        row = self._one("site_requires_2fa", [site_id])
        return bool(row and row[0])

    def set_site_requires_2fa(self, site_id: int, required: bool) -> None:
        self._write("set_site_requires_2fa", [site_id, required])
