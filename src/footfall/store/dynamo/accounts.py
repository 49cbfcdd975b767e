"""The Accounts protocol on the single table: users, memberships, web sessions,
invitations and shared links (docs/backends.md, "DynamoDB").

Point reads (a user by email, a session or invitation by token hash, a share by
token) are strongly consistent GetItems; a user's email is unique through a lookup
item written in the user's transaction. Memberships sit in one partition keyed by
user then site, and in GSI1 keyed by site (``site_members``: the one list read from
an index, eventually consistent by a few milliseconds).
"""

from __future__ import annotations

from datetime import UTC, datetime

from footfall.accounts.models import (
    Invitation,
    Member,
    Role,
    Segment,
    SharedLink,
    StoredUser,
    User,
    WebSession,
)
from footfall.store.dynamo.attrs import (
    EXISTS,
    NEW,
    Item,
    b,
    get_b,
    get_n,
    get_opt_s,
    get_opt_t,
    get_s,
    get_t,
    key,
    n,
    padded,
    s,
    t,
)
from footfall.store.dynamo.table import Table


def _user(item: Item) -> User:
    role = get_s(item, "role")
    return User(get_n(item, "id"), get_s(item, "email"), Role(role) if role else None,
                get_opt_t(item, "created_at"))  # fmt: skip


def _invitation(item: Item) -> Invitation:
    return Invitation(
        get_b(item, "token_hash"),
        get_s(item, "email"),
        get_n(item, "site_id"),
        Role(get_s(item, "role")),
        get_s(item, "invited_by"),
        get_t(item, "created_at"),
        get_t(item, "expires_at"),
    )


def _share(item: Item) -> SharedLink:
    return SharedLink(
        get_n(item, "id"),
        get_n(item, "site_id"),
        get_s(item, "SK"),
        get_s(item, "name"),
        get_opt_s(item, "password_hash"),
        get_t(item, "created_at"),
        get_opt_t(item, "revoked_at"),
    )


def _segment(item: Item) -> Segment:
    return Segment(
        get_n(item, "id"),
        get_n(item, "site_id"),
        get_s(item, "name"),
        get_s(item, "filters"),
        get_n(item, "owner_id") or None,
        get_n(item, "created_by"),
    )


def _delete(pairs: list[tuple[str, str]]) -> list[Item]:
    return [{"DeleteRequest": {"Key": key(pk, sk)}} for pk, sk in pairs]


class DynamoAccounts:
    table: Table

    # users -------------------------------------------------------------------
    def add_user(self, email: str, password_hash: str, role: Role | None) -> User:
        user_id = self.table.next_id("user")
        made = User(user_id, email, role, datetime.now(UTC))
        return self._put_user(StoredUser(made, password_hash))

    def restore_user(self, stored: StoredUser) -> None:
        self._put_user(stored)
        self.table.raise_counter("user", stored.user.id)

    def _put_user(self, stored: StoredUser) -> User:
        user, email, user_id = stored.user, stored.user.email, stored.user.id
        item = {
            **key("USER", padded(user_id)),
            "id": n(user_id),
            "email": s(email),
            "password_hash": s(stored.password_hash),
            "role": s(user.role.value if user.role else ""),
            "created_at": t(user.created_at or datetime.now(UTC)),
        }
        lookup = {**key("EMAIL", email), "user_id": n(user_id)}
        name = self.table.name
        self.table.transact(
            [
                {"Put": {"TableName": name, "Item": item, "ConditionExpression": NEW}},
                {"Put": {"TableName": name, "Item": lookup, "ConditionExpression": NEW}},
            ],
            conflict=f"a user with email {email} already exists",
        )
        return _user(item)

    def get_user(self, email: str) -> StoredUser | None:
        found = self.table.get("EMAIL", email)
        return None if found is None else self.get_user_by_id(get_n(found, "user_id"))

    def get_user_by_id(self, user_id: int) -> StoredUser | None:
        found = self.table.get("USER", padded(user_id))
        return None if found is None else StoredUser(_user(found), get_s(found, "password_hash"))

    def list_users(self) -> list[User]:
        return sorted((_user(i) for i in self.table.query("USER")), key=lambda u: u.email)

    def count_users(self) -> int:
        return sum(1 for _ in self.table.query("USER", projection="SK"))

    def set_password(self, user_id: int, password_hash: str) -> None:
        self.table.update(
            "USER", padded(user_id), "SET password_hash = :h", {":h": s(password_hash)}, EXISTS
        )

    def set_user_role(self, user_id: int, role: Role | None) -> None:
        value = s(role.value if role else "")
        self.table.update("USER", padded(user_id), "SET #r = :r", {":r": value}, EXISTS,
                          names={"#r": "role"})  # fmt: skip

    def remove_user(self, user_id: int) -> None:
        stored = self.get_user_by_id(user_id)
        doomed = [("MEMBER", get_s(i, "SK")) for i in self._memberships(user_id)]
        mine = [i for i in self.table.query("SEGMENT") if get_n(i, "owner_id") == user_id]
        doomed += [("SEGMENT", get_s(i, "SK")) for i in mine]
        doomed += [("WEBSESSION", get_s(i, "SK")) for i in self._sessions(user_id)]
        if stored is not None:
            doomed.append(("EMAIL", stored.user.email))
        doomed.append(("TOTP", padded(user_id)))  # two-factor: security.py
        self.table.batch_write(_delete(doomed))
        self.table.delete("USER", padded(user_id))

    # memberships -------------------------------------------------------------
    def set_membership(self, user_id: int, site_id: int, role: Role) -> None:
        self.table.put(
            {
                **key("MEMBER", f"{padded(user_id)}#{padded(site_id)}"),
                "GSI1PK": s(f"MEMBERS#{padded(site_id)}"),
                "GSI1SK": s(padded(user_id)),
                "user_id": n(user_id),
                "site_id": n(site_id),
                "role": s(role.value),
                "created_at": t(datetime.now(UTC)),
            }
        )

    def remove_membership(self, user_id: int, site_id: int) -> bool:
        return self.table.delete("MEMBER", f"{padded(user_id)}#{padded(site_id)}")

    def _memberships(self, user_id: int) -> list[Item]:
        return list(self.table.query("MEMBER", prefix=f"{padded(user_id)}#"))

    def user_memberships(self, user_id: int) -> dict[int, Role]:
        return {get_n(i, "site_id"): Role(get_s(i, "role")) for i in self._memberships(user_id)}

    def site_members(self, site_id: int) -> list[Member]:
        items = list(self.table.query(f"MEMBERS#{padded(site_id)}", index="GSI1"))
        roles = {get_n(i, "user_id"): Role(get_s(i, "role")) for i in items}
        users = self.table.batch_get([("USER", padded(u)) for u in roles])
        members = [Member(_user(u), roles[get_n(u, "id")]) for u in users]
        return sorted(members, key=lambda m: m.user.email)

    def forget_site(self, site_id: int) -> None:
        members = self.table.query(f"MEMBERS#{padded(site_id)}", index="GSI1", projection="SK")
        doomed = [("MEMBER", get_s(i, "SK")) for i in members]
        doomed += [("INVITE", get_s(i, "SK")) for i in self._of_site("INVITE", site_id)]
        doomed += [("SHARE", get_s(i, "SK")) for i in self._of_site("SHARE", site_id)]
        doomed += [("SEGMENT", get_s(i, "SK")) for i in self._of_site("SEGMENT", site_id)]
        doomed.append(("SITESEC", padded(site_id)))  # two-factor: security.py
        self.table.batch_write(_delete(doomed))

    def _of_site(self, pk: str, site_id: int) -> list[Item]:
        """A site's items of a small partition, oldest first."""
        items = [i for i in self.table.query(pk) if get_n(i, "site_id") == site_id]
        return sorted(items, key=lambda i: (get_s(i, "created_at"), get_s(i, "SK")))

    # segments ----------------------------------------------------------------
    # Keyed by site, owner (0: shared) and name, so a name is unique where it is seen;
    # found by id in the SEGMENT partition (a few items per site).
    def add_segment(
        self, site_id: int, name: str, filters: str, user_id: int | None, created_by: int
    ) -> Segment:
        owner = user_id or 0
        item = {
            **key("SEGMENT", f"{padded(site_id)}#{padded(owner)}#{name}"),
            "id": n(self.table.next_id("segment")),
            "site_id": n(site_id),
            "owner_id": n(owner),
            "name": s(name),
            "filters": s(filters),
            "created_by": n(created_by),
            "created_at": t(datetime.now(UTC)),
        }
        self.table.put(item, NEW, conflict=f"a segment named {name!r} exists already")
        return _segment(item)

    def site_segments(self, site_id: int, user_id: int | None) -> list[Segment]:
        items = self.table.query("SEGMENT", prefix=f"{padded(site_id)}#")
        found = [_segment(i) for i in items if get_n(i, "owner_id") in (0, user_id or 0)]
        return sorted(found, key=lambda g: (g.user_id is not None, g.name, g.id))

    def _segment_item(self, segment_id: int) -> Item | None:
        return next((i for i in self.table.query("SEGMENT") if get_n(i, "id") == segment_id), None)

    def get_segment(self, segment_id: int) -> Segment | None:
        found = self._segment_item(segment_id)
        return None if found is None else _segment(found)

    def update_segment(self, segment_id: int, filters: str) -> bool:
        found = self._segment_item(segment_id)
        if found is None:
            return False
        done = self.table.update(
            "SEGMENT", get_s(found, "SK"), "SET filters = :f", {":f": s(filters)}, EXISTS
        )
        return done is not None

    def remove_segment(self, segment_id: int) -> bool:
        found = self._segment_item(segment_id)
        return found is not None and self.table.delete("SEGMENT", get_s(found, "SK"))

    # web sessions ------------------------------------------------------------
    def add_web_session(self, token_hash: bytes, user_id: int, expires_at: datetime) -> None:
        self.table.put(
            {
                **key("WEBSESSION", token_hash.hex()),
                "user_id": n(user_id),
                "created_at": t(datetime.now(UTC)),
                "expires_at": t(expires_at),
                "ttl": n(int(expires_at.timestamp())),  # DynamoDB deletes it (within days)
            }
        )

    def get_web_session(self, token_hash: bytes) -> WebSession | None:
        found = self.table.get("WEBSESSION", token_hash.hex())
        if found is None:
            return None
        return WebSession(
            get_n(found, "user_id"), get_t(found, "created_at"), get_t(found, "expires_at")
        )

    def remove_web_session(self, token_hash: bytes) -> None:
        self.table.delete("WEBSESSION", token_hash.hex())

    def _sessions(self, user_id: int | None = None) -> list[Item]:
        items = self.table.query("WEBSESSION")
        return [i for i in items if user_id is None or get_n(i, "user_id") == user_id]

    def remove_expired_web_sessions(self, now: datetime) -> None:
        expired = [i for i in self._sessions() if get_t(i, "expires_at") <= now]
        self.table.batch_write(_delete([("WEBSESSION", get_s(i, "SK")) for i in expired]))

    def remove_user_sessions(self, user_id: int) -> None:
        mine = self._sessions(user_id)
        self.table.batch_write(_delete([("WEBSESSION", get_s(i, "SK")) for i in mine]))

    # invitations ---------------------------------------------------------------
    def add_invitation(self, invitation: Invitation) -> None:
        i = invitation
        self.table.put(
            {
                **key("INVITE", i.token_hash.hex()),
                "token_hash": b(i.token_hash),
                "email": s(i.email),
                "site_id": n(i.site_id),
                "role": s(i.role.value),
                "invited_by": s(i.invited_by),
                "created_at": t(i.created_at),
                "expires_at": t(i.expires_at),
            }
        )

    def get_invitation(self, token_hash: bytes) -> Invitation | None:
        found = self.table.get("INVITE", token_hash.hex())
        return None if found is None else _invitation(found)

    def site_invitations(self, site_id: int) -> list[Invitation]:
        return [_invitation(i) for i in self._of_site("INVITE", site_id)]

    def remove_invitation(self, token_hash: bytes) -> bool:
        return self.table.delete("INVITE", token_hash.hex())

    # shared links --------------------------------------------------------------
    def add_share(
        self, site_id: int, token: str, name: str, password_hash: str | None
    ) -> SharedLink:
        share_id = self.table.next_id("share")
        made = SharedLink(share_id, site_id, token, name, password_hash, datetime.now(UTC), None)
        return self._put_share(made)

    def restore_share(self, link: SharedLink) -> None:
        self._put_share(link)
        self.table.raise_counter("share", link.id)

    def _put_share(self, link: SharedLink) -> SharedLink:
        item = {
            **key("SHARE", link.token),
            "id": n(link.id),
            "site_id": n(link.site_id),
            "name": s(link.name),
            "created_at": t(link.created_at),
        }
        if link.password_hash is not None:
            item["password_hash"] = s(link.password_hash)
        if link.revoked_at is not None:
            item["revoked_at"] = t(link.revoked_at)
        self.table.put(item, NEW, conflict="that share token exists")
        return _share(item)

    def get_share(self, token: str) -> SharedLink | None:
        found = self.table.get("SHARE", token)
        return None if found is None else _share(found)

    def site_shares(self, site_id: int) -> list[SharedLink]:
        return [_share(i) for i in self._of_site("SHARE", site_id)]

    def revoke_share(self, site_id: int, share_id: int, at: datetime) -> bool:
        for share in self.site_shares(site_id):
            if share.id == share_id:
                done = self.table.update(
                    "SHARE",
                    share.token,
                    "SET revoked_at = :at",
                    {":at": t(at)},
                    f"{EXISTS} AND attribute_not_exists(revoked_at)",
                )
                return done is not None
        return False
