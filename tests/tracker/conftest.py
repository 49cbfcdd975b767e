"""A small website on loopback that carries the snippet, for the browser tests.

Pages are served at ``http://shop.test:PORT/...`` (Chromium maps *.test to 127.0.0.1),
a different origin from Footfall's, as on a real site. ``/stats/event`` proxies to
Footfall's ``/api/event`` (first-party proxying, as docs/tracker.md describes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.support import CHROME_UA, Live

Page = tuple[int, str, str]  # status, content type, body


@dataclass
class Site:
    """Pages by path; the tracker tag is built from ``live.url`` and the attributes."""

    live: Live
    port: int = 0
    pages: dict[str, Page] = field(default_factory=dict)
    proxied: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://shop.test:{self.port}"

    def tag(self, script: str = "script.js", **attrs: str | None) -> str:
        """The script tag; an attribute given as None is left out."""
        attrs = {"domain": "shop.test", "include-automation": "", **attrs}
        data = " ".join(f'data-{k}="{v}"' for k, v in attrs.items() if v is not None)
        return f'<script defer {data} src="{self.live.url}/js/{script}"></script>'

    def page(
        self,
        path: str,
        body: str = "",
        *,
        status: int = 200,
        head: str = "",
        tag: dict[str, str | None] | None = None,
        script: str = "script.js",
        **attrs: str,
    ) -> str:
        """Add an HTML page carrying the tracker; return its URL. ``tag`` holds data
        attributes whose names are not Python identifiers, or None to leave one out."""
        stub = (
            "<script>window.footfall=window.footfall||function(){"
            "(window.footfall.q=window.footfall.q||[]).push(arguments)}</script>"
        )
        element = self.tag(script, **attrs, **(tag or {}))
        html = (
            f"<!doctype html><html><head><title>{path}</title>{element}{stub}"
            f"{head}</head><body>{body}</body></html>"
        )
        self.pages[path] = (status, "text/html; charset=utf-8", html)
        return self.url + path

    def file(self, path: str, content_type: str) -> None:
        self.pages[path] = (200, content_type, "file body")


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            status, ctype, body = site.pages.get(path) or site.pages.get(
                "/404", (404, "text/plain", "not found")
            )
            data = body.encode()
            self.send_response(status)
            self.send_header("content-type", ctype)
            if not ctype.startswith("text/html"):
                self.send_header("content-disposition", "attachment")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if self.path == "/stats/event":
                # First-party proxy: pass the visitor's user agent and address along.
                site.proxied.append(body)
                answer = httpx.post(
                    f"{site.live.url}/api/event",
                    content=body,
                    headers={
                        "content-type": self.headers.get("content-type", "text/plain"),
                        "user-agent": self.headers.get("user-agent", ""),
                        "x-forwarded-for": self.client_address[0],
                    },
                )
                self.send_response(answer.status_code)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            self.do_GET()  # a form post lands on the page of that path

    return Handler


@pytest.fixture
def site(live: Live) -> Iterator[Site]:
    s = Site(live)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(s))
    s.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live.admin.add_site("shop.test")
    yield s
    server.shutdown()
    server.server_close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A visitor: an ordinary desktop Chrome (headless Chromium's own UA is a bot's)."""
    ctx = browser.new_context(user_agent=CHROME_UA, viewport={"width": 1280, "height": 720})
    yield ctx
    ctx.close()


def eventually(read: Callable[[], Any], expected: Any, timeout: float = 10.0) -> None:
    """Events travel asynchronously (fetch keepalive, then group commit): poll."""
    import time

    deadline = time.monotonic() + timeout
    got = read()
    while got != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        got = read()
    assert got == expected
