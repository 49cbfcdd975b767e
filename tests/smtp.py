"""A real SMTP server on loopback for the email tests: aiosmtpd in a thread of its own.

Messages it takes are parsed (``email.policy.default``) into ``inbox``; ``refuse``
makes it answer the next N messages with a 451 (try again later), as a greylisting or
overloaded server does. ``wait_for`` blocks until N messages arrived.
"""

from __future__ import annotations

import email
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (a test CA of one)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class SmtpServer:
    """Plain (``smtp+plain://``) by default; with ``tls`` (a certificate and its key)
    it offers STARTTLS, requires it, and takes logins only after it (``smtp://``)."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.inbox = Inbox()
        context = None
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=free_port(),
            authenticator=_authenticate,
            auth_require_tls=tls is not None,
            tls_context=context,
            require_starttls=tls is not None,
        )
        self.controller.start()
        self.scheme = "smtp" if tls is not None else "smtp+plain"

    @property
    def url(self) -> str:
        """Footfall's FOOTFALL_SMTP_URL for this server (password in FOOTFALL_SMTP_PASSWORD)."""
        return f"{self.scheme}://{USER}@127.0.0.1:{self.controller.port}"

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
