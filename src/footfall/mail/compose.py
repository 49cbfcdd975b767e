"""Messages from templates: each mail is ``templates/NAME.txt`` (which sets ``subject``)
and ``templates/NAME.html`` (autoescaped), rendered when it is queued; at sending,
both parts become one ``multipart/alternative`` EmailMessage."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from footfall.mail.models import Mail
from footfall.mail.smtp import SmtpConfig


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe: str = ""  # the List-Unsubscribe URL of a report or alert


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("footfall.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, unsubscribe: str = "", **context: Any) -> Rendered:
    """Both parts of ``name``; ``unsubscribe`` (a URL) is in the templates' context and
    becomes the List-Unsubscribe header."""
    env = _env()
    context["unsubscribe"] = unsubscribe
    text = env.get_template(f"{name}.txt").make_module(context)
    subject = " ".join(str(getattr(text, "subject", "Footfall")).split())  # one line
    html = env.get_template(f"{name}.html").render(subject=subject, **context)
    return Rendered(subject, str(text), html, unsubscribe)


def message(config: SmtpConfig, mail: Mail) -> EmailMessage:
    """The message of a queued mail; its Message-ID is the same at every attempt."""
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = (
        f"<footfall.{mail.id}.{int(mail.created_at.timestamp())}@{config.sender_domain}>"
    )
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    if mail.unsubscribe:  # RFC 2369 and 8058: the mail client's own one-click button
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg
