"""Password reset links: single use, expiring, and not burnt by a refused password."""

from __future__ import annotations

import re

import pytest

from footfall.accounts.models import Role
from footfall.accounts.passwords import hash_password, verify_password
from footfall.errors import InputError, NotFoundError
from footfall.mail import smtp
from footfall.mail.account_mail import RESET_LIFETIME, AccountMail
from footfall.mail.outbox import Outbox
from footfall.store.registry import Stores
from tests.smtp import PASSWORD, SmtpServer, parts
from tests.support import Clock

GOOD = "a brand new passphrase 42"


def reset_link(stores: Stores, server: SmtpServer, clock: Clock) -> tuple[AccountMail, str]:
    config = smtp.from_settings(server.url, PASSWORD, "footfall@footfall.test")
    mail = AccountMail(Outbox(stores.mailbox, config, clock), stores, "https://ff.test/", clock)
    stores.accounts.add_user("ann@example.com", hash_password("old passphrase 1234"), Role.OWNER)
    assert mail.send_reset(" Ann@Example.com ")
    assert not mail.send_reset("nobody@example.com")  # the page answers the same
    assert mail.outbox.deliver_due() == 1
    [msg] = server.inbox.wait_for(1)
    [token] = re.findall(r"https://ff\.test/password/reset/(\S+)", parts(msg)[0])
    return mail, token


def test_a_refused_password_leaves_the_link_usable_once(
    stores: Stores, smtp_server: SmtpServer, clock: Clock
) -> None:
    mail, token = reset_link(stores, smtp_server, clock)
    with pytest.raises(InputError):
        mail.reset(token, "ann@example.com")  # the policy refuses it
    user = mail.reset(token, GOOD)
    stored = stores.accounts.get_user_by_id(user.id)
    assert stored is not None and verify_password(stored.password_hash, GOOD)
    with pytest.raises(NotFoundError):
        mail.reset(token, "another passphrase 77")


def test_a_link_expires(stores: Stores, smtp_server: SmtpServer, clock: Clock) -> None:
    mail, token = reset_link(stores, smtp_server, clock)
    clock.advance(seconds=RESET_LIFETIME.total_seconds())
    with pytest.raises(NotFoundError):
        mail.reset(token, GOOD)
    with pytest.raises(NotFoundError):
        mail.reset("x" * 500, GOOD)


def test_no_reset_mail_without_smtp(stores: Stores, clock: Clock) -> None:
    mail = AccountMail(Outbox(stores.mailbox, None, clock), stores, "https://ff.test", clock)
    stores.accounts.add_user("ann@example.com", hash_password("old passphrase 1234"), None)
    assert not mail.send_reset("ann@example.com")
