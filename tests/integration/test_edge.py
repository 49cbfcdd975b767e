"""The edge of a real `footfall serve`: slow clients, the server file, the metrics port."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import stat
import time
from collections.abc import Iterator

import httpx

from tests.integration.conftest import Server, free_port

PARTIAL_HEADERS = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
PARTIAL_BODY = (
    b"POST /api/event HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 1000\r\n\r\n" + b'{"n":"pageview",'
)


@contextlib.contextmanager
def sockets(server: Server, count: int, first: bytes) -> Iterator[list[socket.socket]]:
    opened = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            if first:
                s.sendall(first)
            opened.append(s)
        yield opened
    finally:
        for s in opened:
            s.close()


def read_to_eof(s: socket.socket) -> bytes:
    """Everything the server sends until it closes; a socket timeout (30 s, far above the
    1 s deadlines) fails the test instead of hanging."""
    received = b""
    for _ in range(1000):
        try:
            chunk = s.recv(65_536)
        except ConnectionResetError:  # closed with our unread bytes pending: a reset
            return received
        if not chunk:
            return received
        received += chunk
    raise AssertionError("the server kept sending")


def read_response(s: socket.socket) -> bytes:
    """One whole answer of a kept-alive connection: its head, then Content-Length bytes
    (the head and the body may come in separate reads)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65_536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length:")),
        0,
    )  # fmt: skip
    while len(body) < length:
        chunk = s.recv(65_536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_slow_clients_are_closed_and_others_are_still_served(server: Server) -> None:
    server.env |= {
        "FOOTFALL_HEADER_TIMEOUT_SECONDS": "1",
        "FOOTFALL_BODY_TIMEOUT_SECONDS": "1",
        "FOOTFALL_MAX_CONNECTIONS": "200",
    }
    server.start()
    with (
        sockets(server, 60, PARTIAL_HEADERS) as headers,
        sockets(server, 20, b"") as silent,
        sockets(server, 20, PARTIAL_BODY) as bodies,
    ):
        # While they hang, a normal client is served.
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
        dribbler = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        for byte in PARTIAL_HEADERS[:8]:  # bytes trickling in do not extend the deadline
            try:
                dribbler.sendall(bytes([byte]))
            except OSError:
                break  # already closed: the deadline held
            time.sleep(0.25)
        for s in [*headers, *silent, dribbler]:
            assert read_to_eof(s) == b""  # closed without an answer
        for s in bodies:
            answer = read_to_eof(s)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b'"error":"request_timeout"' in answer
        dribbler.close()
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


def test_a_kept_alive_connections_next_head_has_its_own_deadline(server: Server) -> None:
    """One header timer per connection (web/serving.py): when the timer set for the
    first request comes due during the next request's head, that head still gets its
    full deadline; and a head that never ends is closed all the same."""
    server.env["FOOTFALL_HEADER_TIMEOUT_SECONDS"] = "2"
    server.start()
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with sockets(server, 2, request) as (slow, stalled):
        for s in (slow, stalled):
            assert read_response(s).startswith(b"HTTP/1.1 200")
        time.sleep(1.4)  # the first timer comes due 0.6 s into the next heads
        slow.sendall(request[:20])
        stalled.sendall(request[:20])
        time.sleep(1.0)
        slow.sendall(request[20:])  # 1 s into its head: within its own 2 s
        assert read_response(slow).startswith(b"HTTP/1.1 200")
        assert read_to_eof(stalled) == b""  # never completed: closed without an answer


def test_endless_headers_are_cut_off_and_large_bodies_still_pass(server: Server) -> None:
    assert server.cli("site", "add", "shop.example").returncode == 0
    created = server.cli("key", "create", "--site", "shop.example", "--json")
    key = json.loads(created.stdout)["key"]
    server.env["FOOTFALL_HEADER_TIMEOUT_SECONDS"] = "120"  # only the size cap can close them
    server.start()
    with sockets(server, 3, b"GET /health HTTP/1.1\r\nHost: x\r\n") as endless:
        for s in endless:
            with contextlib.suppress(OSError):  # the server may close while we send
                for _ in range(40):  # 40 x 4 KiB of header lines, beyond the 64 KiB cap
                    s.sendall(b"X-Pad: " + b"a" * 4089 + b"\r\n")
            assert not read_to_eof(s).startswith(b"HTTP/1.1 200")
    # a body far larger than the header cap, sent at once with its headers, is served
    event = {"url": "https://shop.example/", "ip": "198.51.100.1", "user_agent": "x"}
    body = json.dumps({"events": [event] * 1000}).encode()
    assert len(body) > 65_536
    headers = {"x-api-key": key, "content-type": "application/json"}
    r = httpx.post(f"{server.url}/api/v1/track/batch", content=body, headers=headers, timeout=10)
    assert r.status_code == 202 and r.json()["processed"] == 1000


def test_an_empty_secret_file_stops_the_server_with_a_sentence(server: Server) -> None:
    """A 0-byte admin_token once became an empty token that `X-API-Key: \\xa0` matched."""
    data = server.workdir / "footfall-data"
    data.mkdir()
    (data / "admin_token").touch()
    out = server.cli("serve", "--port", str(server.port))
    assert out.returncode == 2
    assert "FOOTFALL_ADMIN_TOKEN" in out.stderr and "32 bytes" in out.stderr


def test_the_server_file_is_atomic_private_and_removed_at_sigterm(server: Server) -> None:
    server.start()
    data = server.workdir / "footfall-data"
    info = json.loads((data / "server.json").read_text())
    assert info["url"] == server.url
    for name in ("server.json", "secret_key", "admin_token"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    assert sorted(p.name for p in data.iterdir() if p.name.startswith(".")) == []
    server.stop(signal.SIGTERM)
    assert not (data / "server.json").exists()
    # the CLI then opens the store itself (no stale server to call)
    assert server.cli("site", "list").returncode == 0


def test_metrics_need_the_token_or_the_metrics_port(server: Server) -> None:
    port = free_port()
    server.env["FOOTFALL_METRICS_LISTEN"] = f"127.0.0.1:{port}"
    server.start()
    assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 401
    token = (server.workdir / "footfall-data" / "admin_token").read_text()
    auth = {"authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/metrics", headers=auth, timeout=10).status_code == 200
    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert scraped.status_code == 200 and "footfall_http_requests_total" in scraped.text
    assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=10).status_code == 404
