"""Password reset by emailed link, and invitations by email (docs/email.md).

A reset token is 256 random bits in the link; the store keeps its SHA-256 (as for
sessions and invitations) for ``RESET_LIFETIME``, and taking it deletes it: the link
works once. Using it sets the password and ends every session of the user. Links point
at ``FOOTFALL_PUBLIC_URL`` (``Settings.origin``), never at the Host header of the
request that asked: a forged Host cannot steer a victim's token to another server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from footfall.accounts.models import Invitation, User
from footfall.accounts.passwords import hash_password
from footfall.accounts.service import new_token, normalize_email, token_hash
from footfall.errors import InputError, NotFoundError
from footfall.mail.compose import render
from footfall.mail.outbox import Outbox
from footfall.store.registry import Stores

RESET_LIFETIME = timedelta(hours=2)


class AccountMail:
    """Blocking (the store, hashing): call through ``offload``."""

    def __init__(
        self, outbox: Outbox, stores: Stores, origin: str, clock: Callable[[], datetime]
    ) -> None:
        self.outbox = outbox
        self.stores = stores
        self.origin = origin.rstrip("/")
        self.clock = clock

    def send_reset(self, email: str) -> bool:
        """Queue a reset link for the user of ``email``; False (nothing queued) for an
        unknown address or with email off. The caller answers the same either way."""
        clean = normalize_email(email)
        stored = self.stores.accounts.get_user(clean)
        box = self.stores.mailbox
        if stored is None or box is None or not self.outbox.enabled:
            return False
        token = new_token()
        box.add_reset_token(token_hash(token), stored.user.id, self.clock() + RESET_LIFETIME)
        link = f"{self.origin}/password/reset/{token}"
        hours = int(RESET_LIFETIME.total_seconds() // 3600)
        return self.outbox.queue(clean, render("reset", email=clean, link=link, hours=hours))

    def reset(self, token: str, password: str) -> User:
        """Set the password of the token's user (once) and end their sessions. A password
        the policy refuses leaves the link usable."""
        box = self.stores.mailbox
        taken = None
        if box is not None and 0 < len(token) < 200:
            taken = box.take_reset_token(token_hash(token), self.clock())
        stored = None if taken is None else self.stores.accounts.get_user_by_id(taken[0])
        if box is None or taken is None or stored is None:
            raise NotFoundError("this reset link is unknown, used or expired", field="token")
        try:
            hashed = hash_password(password, [stored.user.email])
        except InputError:
            box.add_reset_token(token_hash(token), *taken)  # try another password
            raise
        self.stores.accounts.set_password(stored.user.id, hashed)
        self.stores.accounts.remove_user_sessions(stored.user.id)
        return stored.user

    def send_invitation(self, invitation: Invitation, token: str, domain: str) -> bool:
        """Queue the invitation's link to its address (the page shows the link too)."""
        link = f"{self.origin}/invite/{token}"
        context = {
            "inviter": invitation.invited_by,
            "domain": domain,
            "role": invitation.role.value,
            "link": link,
            "expires": f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC",
        }
        return self.outbox.queue(invitation.email, render("invite", **context))
