"""SMTP: the settings parsed once, and one message sent (smtplib, in a worker thread).

``FOOTFALL_SMTP_URL`` says how to reach the server: ``smtp://user:pass@host:587``
speaks STARTTLS and refuses to go on without it (credentials never cross in clear
text), ``smtps://user:pass@host:465`` is TLS from the first byte, and
``smtp+plain://host:25`` is neither, for a relay on loopback or a private network
(docs/email.md). ``FOOTFALL_SMTP_PASSWORD`` keeps the password out of the URL. A
failure is ``MailError``; ``permanent`` when the server refused the message or its
recipient for good (5xx), so the worker stops retrying it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Literal
from urllib.parse import unquote, urlsplit

from footfall.errors import ConfigError

Security = Literal["starttls", "tls", "plain"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("starttls", 587),
    "smtps": ("tls", 465),
    "smtp+plain": ("plain", 25),
}
TIMEOUT_SECONDS = 30.0


class MailError(Exception):
    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    sender: str  # the From header as configured
    username: str = ""
    password: str = field(default="", repr=False)

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2].rstrip(">").strip() or "footfall.invalid"


def _sender(value: str) -> str:
    """``value`` if it is one address (with an optional display name), else ValueError."""
    parsed = getaddresses([value])
    if len(parsed) != 1 or "@" not in parsed[0][1] or any(c in value for c in "\r\n"):
        raise ValueError(f"FOOTFALL_EMAIL_FROM must be one address, got {value!r}")
    name, addr = parsed[0]
    user, _, domain = addr.rpartition("@")
    return str(Address(name, user, domain))


def parse(url: str, password: str, sender: str) -> SmtpConfig:
    """The SMTP settings, or ValueError with a sentence that says what to set."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise ValueError(
            f"FOOTFALL_SMTP_URL must start with smtp:// (STARTTLS), smtps:// (TLS) or "
            f"smtp+plain:// (no TLS), got {parts.scheme or url!r}"
        )
    if not parts.hostname:
        raise ValueError("FOOTFALL_SMTP_URL needs a host: smtp://user@smtp.example.com:587")
    if parts.password and password:
        raise ValueError(
            "the SMTP password is in FOOTFALL_SMTP_URL and in FOOTFALL_SMTP_PASSWORD: keep one"
        )
    if not sender:
        raise ValueError("FOOTFALL_SMTP_URL is set: set FOOTFALL_EMAIL_FROM, the sender, too")
    security, default_port = _SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError(f"FOOTFALL_SMTP_URL has a bad port: {url!r}") from None
    secret = unquote(parts.password or "") or password
    user = unquote(parts.username or "")
    if secret and not user:
        raise ValueError("FOOTFALL_SMTP_URL has a password but no user name")
    return SmtpConfig(parts.hostname, port, security, _sender(sender), user, secret)


def check_settings(url: str, password: str, sender: str) -> None:
    if url:
        parse(url, password, sender)
    elif password:
        raise ValueError("FOOTFALL_SMTP_PASSWORD is set without FOOTFALL_SMTP_URL")


def from_settings(url: str, password: str, sender: str) -> SmtpConfig | None:
    """The configured server, or None without ``FOOTFALL_SMTP_URL``."""
    if not url:
        return None
    try:
        return parse(url, password, sender)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Hand ``message`` to the server, or raise MailError. Blocking: run it off the loop."""
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if config.security == "tls":
            client = smtplib.SMTP_SSL(
                config.host, config.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if config.security == "starttls":
                if not client.has_extn("starttls"):
                    raise MailError(
                        f"{config.host}:{config.port} does not offer STARTTLS; use smtps:// "
                        "for TLS, or smtp+plain:// for a relay you trust without it"
                    )
                client.starttls(context=context)
                client.ehlo()
            if config.username:
                client.login(config.username, config.password)
            client.send_message(message)
    except MailError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise MailError(
            f"recipient refused: {exc.recipients}", permanent=min(codes) >= 500
        ) from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise MailError(
            f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:  # connection, TLS, auth, 4xx: retry
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
