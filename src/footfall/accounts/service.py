"""The accounts facade used by the web pages and the CLI.

Tokens are 256-bit random values. The store keeps SHA-256 of session and invitation
tokens (a fast hash is enough for random tokens; a leaked table cannot be replayed).
The CSRF token of a session is HMAC(server secret, session token): nothing to store,
and it changes whenever the session does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from footfall.accounts.models import Invitation, Member, Role, SharedLink, User
from footfall.accounts.passwords import hash_password, verify_password, waste_time
from footfall.accounts.ratelimit import LoginLimiter
from footfall.accounts.totp import TwoFactor
from footfall.apikeys import same_secret
from footfall.domain import Site
from footfall.errors import AuthError, ConflictError, InputError, NotFoundError
from footfall.store.registry import Stores

SESSION_LIFETIME = timedelta(days=14)
INVITATION_LIFETIME = timedelta(days=7)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    clean = email.strip().lower()
    if len(clean) > 254 or not _EMAIL.match(clean):
        raise InputError(f"{email!r} is not an email address", field="email")
    return clean


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A valid web session: who, and the CSRF token of this session."""

    user: User
    csrf_token: str


class AccountService:
    """Users, sign-in, web sessions, invitations and shared links."""

    def __init__(
        self,
        stores: Stores,
        secret: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        limiter: LoginLimiter | None = None,
    ) -> None:
        self.users = stores.accounts
        self.catalog = stores.catalog
        self._secret = secret.encode()
        self.clock = clock
        self.limiter = limiter or LoginLimiter(clock)
        self.two_factor = TwoFactor(self.users, secret, clock, self.limiter)

    def _mac(self, purpose: str, value: str) -> str:
        msg = f"{purpose}:{value}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    # users ---------------------------------------------------------------------
    def has_users(self) -> bool:
        return self.users.count_users() > 0

    def add_user(
        self,
        email: str,
        password: str,
        role: Role | None,
        site: Site | None = None,
        site_role: Role | None = None,
    ) -> User:
        """A user with an instance-wide role, or (role None) a role on one site."""
        clean = normalize_email(email)
        user = self.users.add_user(clean, hash_password(password, [clean]), role)
        if site is not None and site_role is not None:
            self.users.set_membership(user.id, site.id, site_role)
        return user

    def remove_user(self, email: str) -> None:
        stored = self.users.get_user(normalize_email(email))
        if stored is None:
            raise NotFoundError(f"no user {email}", field="email")
        self.users.remove_user(stored.user.id)

    def reset_two_factor(self, email: str) -> None:
        """An operator turns a user's 2FA off (``footfall user reset-2fa``)."""
        stored = self.users.get_user(normalize_email(email))
        if stored is None:
            raise NotFoundError(f"no user {email}", field="email")
        self.users.remove_totp(stored.user.id)
        self.users.remove_user_sessions(stored.user.id)

    def change_password(self, user: User, current: str, new: str, ip: str) -> None:
        """Check the current password (rate limited like a login), store the new one and
        end every session of the user; the caller starts a fresh one."""
        self.authenticate(user.email, current, ip)
        self.users.set_password(user.id, hash_password(new, [user.email]))
        self.users.remove_user_sessions(user.id)

    def authenticate(self, email: str, password: str, ip: str) -> User:
        """Check a login; the same error for an unknown email and a wrong password."""
        clean = email.strip().lower()
        self.limiter.check(clean, ip)
        stored = self.users.get_user(clean)
        if stored is None:
            waste_time(password)
        elif verify_password(stored.password_hash, password):
            self.limiter.succeeded(clean, ip)
            return stored.user
        self.limiter.failed(clean, ip)
        raise AuthError("wrong email or password", code="login_failed")

    # sessions ------------------------------------------------------------------
    def start_session(self, user: User) -> str:
        """A new session token (the cookie value); callers drop the previous one."""
        token = new_token()
        now = self.clock()
        self.users.remove_expired_web_sessions(now)
        self.users.add_web_session(token_hash(token), user.id, now + SESSION_LIFETIME)
        return token

    def end_session(self, token: str) -> None:
        self.users.remove_web_session(token_hash(token))

    def signed_in(self, token: str | None) -> SignedIn | None:
        if not token or len(token) > 200:
            return None
        session = self.users.get_web_session(token_hash(token))
        if session is None or session.expires_at <= self.clock():
            return None
        stored = self.users.get_user_by_id(session.user_id)
        if stored is None:
            return None
        return SignedIn(stored.user, self._mac("csrf", token))

    # roles ---------------------------------------------------------------------
    def role_on(self, user: User, site: Site) -> Role | None:
        """The higher of the user's instance-wide role and their role on the site."""
        roles = [r for r in (user.role, self.users.user_memberships(user.id).get(site.id)) if r]
        return max(roles, key=lambda r: r.rank) if roles else None

    def visible_sites(self, user: User) -> list[tuple[Site, Role]]:
        sites = self.catalog.list_sites()
        if user.role is not None:
            own = self.users.user_memberships(user.id)
            return [
                (s, max(user.role, own.get(s.id, user.role), key=lambda r: r.rank)) for s in sites
            ]
        own = self.users.user_memberships(user.id)
        return [(s, own[s.id]) for s in sites if s.id in own]

    def members(self, site: Site) -> list[Member]:
        return self.users.site_members(site.id)

    def remove_member(self, site: Site, email: str) -> None:
        stored = self.users.get_user(normalize_email(email))
        if stored is None or not self.users.remove_membership(stored.user.id, site.id):
            raise NotFoundError(f"{email} is not a member of {site.domain}", field="email")

    # invitations ---------------------------------------------------------------
    def invite(self, site: Site, email: str, role: Role, invited_by: str) -> str:
        """Store an invitation and return its one-time token (put it in the link)."""
        clean = normalize_email(email)
        token = new_token()
        now = self.clock()
        self.users.add_invitation(
            Invitation(
                token_hash(token), clean, site.id, role, invited_by, now, now + INVITATION_LIFETIME
            )
        )
        return token

    def invitation(self, token: str) -> Invitation:
        found = self.users.get_invitation(token_hash(token)) if len(token) < 200 else None
        if found is None or found.expires_at <= self.clock():
            raise NotFoundError("this invitation is unknown, used or expired", field="token")
        return found

    def invitations(self, site: Site) -> list[Invitation]:
        now = self.clock()
        return [i for i in self.users.site_invitations(site.id) if i.expires_at > now]

    def cancel_invitation(self, site: Site, hash_hex: str) -> None:
        for invitation in self.users.site_invitations(site.id):
            if invitation.token_hash.hex() == hash_hex:
                self.users.remove_invitation(invitation.token_hash)
                return
        raise NotFoundError("no such invitation", field="invitation")

    def accept(self, token: str, password: str | None) -> User:
        """Use an invitation: create the user (password required) or add the role to an
        existing one. The token works once."""
        invitation = self.invitation(token)
        existing = self.users.get_user(invitation.email)
        if existing is None:
            if password is None:
                raise InputError("choose a password", field="password")
            hashed = hash_password(password, [invitation.email])
            user = self.users.add_user(invitation.email, hashed, None)
        else:
            user = existing.user
        if not self.users.remove_invitation(invitation.token_hash):
            raise ConflictError("this invitation was just used")
        current = self.users.user_memberships(user.id).get(invitation.site_id)
        if current is None or invitation.role.at_least(current):
            self.users.set_membership(user.id, invitation.site_id, invitation.role)
        return user

    # shared links --------------------------------------------------------------
    def create_share(self, site: Site, name: str, password: str | None) -> SharedLink:
        hashed = hash_password(password, [site.domain, name]) if password else None
        return self.users.add_share(site.id, new_token(), name.strip()[:120], hashed)

    def share(self, token: str) -> SharedLink | None:
        """The unrevoked shared link with this token, if any."""
        if not token or len(token) > 200:
            return None
        found = self.users.get_share(token)
        return found if found is not None and found.revoked_at is None else None

    def shares(self, site: Site) -> list[SharedLink]:
        return [s for s in self.users.site_shares(site.id) if s.revoked_at is None]

    def revoke_share(self, site: Site, share_id: int) -> None:
        if not self.users.revoke_share(site.id, share_id, self.clock()):
            raise NotFoundError("no such shared link", field="share")

    def unlock_share(self, share: SharedLink, password: str, ip: str) -> str:
        """Check a shared link's password (rate limited like logins); return the value of
        its unlock cookie."""
        key = f"share:{share.id}"
        self.limiter.check(key, ip)
        if share.password_hash is None or not verify_password(share.password_hash, password):
            self.limiter.failed(key, ip)
            raise AuthError("wrong password", code="share_password_wrong")
        self.limiter.succeeded(key, ip)
        return self.unlock_value(share)

    def unlock_value(self, share: SharedLink) -> str:
        return self._mac("share", f"{share.id}:{share.token}")

    def unlocked(self, share: SharedLink, cookie: str | None) -> bool:
        return share.password_hash is None or (same_secret(cookie, self.unlock_value(share)))
