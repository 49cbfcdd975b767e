"""The installation check: what it refuses to load (SSRF), how it finds a snippet, and
its limits, against real HTTP servers on loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footfall import install_check
from footfall.errors import InputError

PAGES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/ours": (200, {}, b'<head><script defer data-domain="a.com,shop.test" src="/js/script.js">'),
    "/plausible": (200, {}, b"<script data-domain='shop.test' src='https://p.io/js/script.js'>"),
    "/umami": (200, {}, b'<script async src="/script.js" data-website-id="u-123"></script>'),
    "/other": (200, {}, b'<script data-domain="other.test" src="/js/script.js"></script>'),
    "/text": (200, {}, b'<p>data-domain="shop.test"</p>'),  # not in a script tag
    "/hop": (302, {"location": "/ours"}, b""),
    "/loop": (302, {"location": "/loop"}, b""),
    "/missing": (404, {}, b"nope"),
    # the snippet past the first MAX_BYTES is not read
    "/huge": (200, {}, b"x" * (install_check.MAX_BYTES + 10) + b'<script data-domain="shop.test">'),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        status, headers, body = PAGES.get(self.path, (404, {}, b""))
        self.send_response(status)
        for k, v in {"content-type": "text/html", **headers}.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run(url: str, allow_private: bool = True) -> install_check.Result:
    return asyncio.run(install_check.check(url, "shop.test", "u-123", allow_private))


@pytest.mark.parametrize(
    ("path", "found"),
    [("/ours", True), ("/plausible", True), ("/umami", True), ("/hop", True),
     ("/other", False), ("/text", False), ("/missing", False), ("/huge", False),
     ("/loop", False)],
)  # fmt: skip
def test_finds_the_snippet_of_this_site_only(origin: str, path: str, found: bool) -> None:
    assert run(origin + path).found is found


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pw@example.com/",
        "http:///nohost",
        "http://example.com:99999/",
    ],
)
def test_refuses_what_only_the_server_could_reach(url: str) -> None:
    with pytest.raises(InputError) as refused:
        run(url, allow_private=False)
    assert refused.value.field == "url"


def test_a_closed_port_is_a_reason_not_an_error() -> None:
    result = run("http://127.0.0.1:1/")
    assert not result.found and "could not be loaded" in result.detail


@given(st.text(max_size=200))
def test_has_snippet_never_fails_on_any_page(html: str) -> None:
    install_check.has_snippet(html, "shop.test", "u-123")
