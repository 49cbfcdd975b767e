"""A real SMTP server on loopback for the email tests: aiosmtpd in a thread of its own.

Messages it takes are parsed (``email.policy.default``) into ``inbox``; ``refuse``
makes it answer the next N messages with a 451 (try again later), as a greylisting or
overloaded server does. ``wait_for`` blocks until N messages arrived.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "mailer", "s3cret-smtp-pass"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0  # answer the next N messages with 451
        self.refused = 0
        self._lock = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 try again later"
            msg = email.message_from_bytes(envelope.content, policy=default)
            assert isinstance(msg, EmailMessage)
            self.messages.append(msg)
            self._lock.notify_all()
        return "250 2.0.0 OK"

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.messages)} of {count} messages arrived"
                self._lock.wait(left)
            return list(self.messages)


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=free_port(),
            authenticator=_authenticate,
            auth_require_tls=False,  # loopback; smtp+plain:// is the relay mode
        )
        self.controller.start()

    @property
    def url(self) -> str:
        """Footfall's FOOTFALL_SMTP_URL for this server (password in FOOTFALL_SMTP_PASSWORD)."""
        return f"smtp+plain://{USER}@127.0.0.1:{self.controller.port}"

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


def parts(msg: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a message."""
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None, msg
    # SMTP carries CRLF line ends: back to Python's
    text_content, html_content = (str(p.get_content()).replace("\r\n", "\n") for p in (text, html))
    return text_content, html_content
