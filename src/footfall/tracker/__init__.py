"""Footfall's browser tracker: the minified script, its versioned path, and the snippet."""

from __future__ import annotations

import hashlib
import html
from functools import cache
from importlib import resources

EXTENSIONS = ("outbound", "downloads", "404", "forms", "tagged", "hash", "revenue")


@cache
def script() -> bytes:
    """The minified tracker, as built by ``make tracker`` and checked in."""
    return resources.files(__package__).joinpath("script.min.js").read_bytes()


@cache
def engagement_script() -> bytes:
    """The tracker that also sends engagement events (script.engagement.min.js): over
    the default build's budget, so a site opts in by loading it instead."""
    return resources.files(__package__).joinpath("script.engagement.min.js").read_bytes()


@cache
def version() -> str:
    """A content hash: the versioned path changes whenever the script does."""
    return hashlib.sha256(script()).hexdigest()[:12]


def snippet(domain: str, origin: str, *, versioned: bool = False) -> str:
    """The HTML a site owner pastes into every page's <head>.

    ``origin`` is where Footfall is served (``https://stats.example.com``). The queue
    stub keeps ``footfall(...)`` calls made before the script has loaded.
    """
    path = f"/js/script.{version()}.js" if versioned else "/js/script.js"
    src = html.escape(origin.rstrip("/") + path, quote=True)
    return (
        f'<script defer data-domain="{html.escape(domain, quote=True)}" src="{src}"></script>\n'
        "<script>window.footfall=window.footfall||function(){"
        "(window.footfall.q=window.footfall.q||[]).push(arguments)}</script>\n"
    )
