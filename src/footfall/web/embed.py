"""Embedding a shared dashboard in another site's page (``?embed=true``).

Framing is refused everywhere (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``,
web/headers.py) except a shared link's dashboard asked for with ``embed=true``: its
``frame-ancestors`` lists the origins the site's owner or admin entered in the site's
settings (none listed: still 'none'). ``theme`` (light, dark, system) and ``background``
(a hex colour or ``transparent``) style the embedded page; a password-protected link
cannot be embedded (its unlock cookie is first-party only). docs/dashboard.md, "Embed".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import QueryParams

from footfall.errors import InputError
from footfall.web.headers import content_security_policy

MAX_ORIGINS = 20
THEMES = ("system", "light", "dark")
_HOST = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
_BACKGROUND = re.compile(r"transparent|#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}")


def _fail(detail: str) -> InputError:
    return InputError(detail, field="embed_origins")


def origin(text: str) -> str:
    """One origin as CSP takes it: ``scheme://host[:port]``, lower case; a leading
    ``*.`` in the host allows its subdomains."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise _fail(f"{text!r} is not an origin such as https://blog.example.com") from None
    host = (parts.hostname or "").lower()
    if (
        parts.scheme.lower() not in ("http", "https")
        or not _HOST.fullmatch(host)
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise _fail(f"{text!r} is not an origin such as https://blog.example.com")
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def parse_origins(text: str) -> list[str]:
    """The settings form's origins, one a line (or separated by spaces or commas)."""
    found: list[str] = []
    for raw in re.split(r"[\s,]+", text.strip()):
        if raw and (o := origin(raw)) not in found:
            found.append(o)
    if len(found) > MAX_ORIGINS:
        raise _fail(f"at most {MAX_ORIGINS} origins")
    return found


def frame_policy(origins: Sequence[str]) -> str:
    """The pages' CSP with ``frame-ancestors`` opened to ``origins`` (none: 'none')."""
    allowed = " ".join(origins) or "'none'"
    return content_security_policy().replace("frame-ancestors 'none'", f"frame-ancestors {allowed}")


@dataclass(frozen=True, slots=True)
class EmbedView:
    theme: str  # one of THEMES
    background: str  # "" (the theme's), "transparent" or a hex colour

    @classmethod
    def from_params(cls, params: QueryParams) -> EmbedView | None:
        """The embed view the URL asks for, None when it asks for none; a bad theme or
        background is a 400 naming the parameter."""
        if params.get("embed") != "true":
            return None
        theme = params.get("theme", "system")
        if theme not in THEMES:
            raise InputError("theme must be light, dark or system", field="theme")
        background = params.get("background", "")
        if background and not _BACKGROUND.fullmatch(background):
            raise InputError(
                "background must be transparent or a hex colour such as #ffffff",
                field="background",
            )
        return cls(theme, background)
