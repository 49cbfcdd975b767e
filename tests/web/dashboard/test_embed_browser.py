"""An embedded shared dashboard in Debian's headless Chromium: a page of an origin the
owner lists frames it (themed, transparent); a page of any other origin is refused, and
so is the same link without ``embed=true``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Frame, Page

from tests.support import Live
from tests.web.dashboard.browser import (
    add_site,
    create_share,
    generated,
    ingest,
    set_up_owner,
    shoot,
)

DOMAIN = "embed.example"


class Parent(BaseHTTPRequestHandler):
    """A page whose iframe shows ``?src=``; the iframe's load sets data-loaded."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        src = query.get("src", [""])[0].replace('"', "&quot;")
        dark = "dark" in query  # the host page's own colours, under a transparent embed
        body = (
            f"<!doctype html><html><body style='background:{'#1b2233' if dark else '#fde'}'>"
            f'<iframe id="f" src="{src}" width="1100" height="800"'
            " onload=\"document.body.dataset.loaded='1'\"></iframe></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def parent_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Parent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _framed(page: Page, parent: str, src: str, dark: bool = False) -> Frame:
    query = f"src={src.replace('&', '%26').replace('#', '%23')}" + ("&dark=1" if dark else "")
    page.goto(f"{parent}/?{query}")
    page.wait_for_selector('body[data-loaded="1"]', state="attached")
    frame = page.locator("#f").element_handle().content_frame()
    assert frame is not None
    return frame


def test_embed_from_an_allowed_origin_only(
    live: Live, browser: Browser, parent_port: int, tmp_path: Path
) -> None:
    owner = browser.new_context(viewport={"width": 1280, "height": 900})
    page = owner.new_page()
    visitor = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        set_up_owner(page, live.url)
        add_site(page, live.url, DOMAIN)
        ingest(live, DOMAIN, generated(live, DOMAIN))
        link = create_share(page, live.url, DOMAIN)
        allowed = f"http://127.0.0.1:{parent_port}"
        other = f"http://localhost:{parent_port}"  # the same server, another origin
        page.goto(f"{live.url}/sites/{DOMAIN}/settings")
        page.fill("#embed-origins", f"{allowed}/\nhttps://*.example.org")
        page.click("#embed-form button[type=submit]")
        page.wait_for_url("**msg=embed**")
        assert page.input_value("#embed-origins") == f"{allowed}\nhttps://*.example.org"

        viewer = visitor.new_page()
        embedded = f"{link}&embed=true&theme=dark&background=transparent"
        frame = _framed(viewer, allowed, embedded, dark=True)
        frame.wait_for_selector('body[data-ready="1"]', state="attached", timeout=15_000)
        assert frame.locator(".topnav").count() == 0  # no site chrome in an embed
        assert frame.evaluate("document.documentElement.dataset.theme") == "dark"
        assert (
            frame.evaluate("getComputedStyle(document.body).backgroundColor") == "rgba(0, 0, 0, 0)"
        )
        assert float(frame.get_attribute(".dash-stat-value", "data-value") or 0) > 0
        shoot(viewer, tmp_path, "embed-dark")
        # the view's URL keeps the embed, so a reload of the frame stays embeddable
        frame.select_option("#period", "7d")
        search = frame.evaluate("location.search")  # pushed as the select changes
        assert "period=7d" in search, search
        assert "embed=true&theme=dark&background=transparent" in search
        light = _framed(viewer, allowed, f"{link}&embed=true&theme=light")
        light.wait_for_selector('body[data-ready="1"]', state="attached", timeout=15_000)
        assert light.evaluate("document.documentElement.dataset.theme") == "light"
        shoot(viewer, tmp_path, "embed-light")

        # Another origin, and the link without embed=true, are refused by the browser.
        for parent, src in ((other, embedded), (allowed, link)):
            refused = _framed(viewer, parent, src)
            assert refused.locator("#dashboard").count() == 0, (parent, src)
            assert refused.url.startswith("chrome-error:"), refused.url
    finally:
        visitor.close()
        owner.close()
