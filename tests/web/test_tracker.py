"""Serving the tracker, and CORS on the routes trackers call from other origins."""

from __future__ import annotations

import gzip

from footfall import tracker
from tests.support import CHROME_UA, Running


def test_script_is_served_compressed_with_a_short_cache(running: Running) -> None:
    r = running.client.get("/js/script.js", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.content == tracker.script()  # httpx undid the gzip
    assert len(gzip.compress(tracker.script())) < 1536


def test_versioned_path_is_immutable_and_other_versions_are_404(running: Running) -> None:
    r = running.client.get(f"/js/script.{tracker.version()}.js")
    assert r.status_code == 200
    assert "immutable" in r.headers["cache-control"]
    assert "max-age=31536000" in r.headers["cache-control"]
    stale = running.client.get("/js/script.0123456789ab.js")
    assert stale.status_code == 404
    assert stale.json()["error"] == "not_found"


def test_etag_answers_not_modified(running: Running) -> None:
    etag = running.client.get("/js/script.js").headers["etag"]
    r = running.client.get("/js/script.js", headers={"if-none-match": etag})
    assert r.status_code == 304
    assert r.content == b""


def test_browser_ingest_routes_answer_cors_preflight(running: Running) -> None:
    for path in ("/api/event", "/api/send", "/api/batch"):
        r = running.client.options(
            path,
            headers={
                "origin": "https://shop.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        assert r.status_code == 204, path
        assert r.headers["access-control-allow-origin"] == "*"
        assert "content-type" in r.headers["access-control-allow-headers"]


def test_browser_ingest_answers_carry_cors_even_when_refused(running: Running) -> None:
    ok = running.client.post(
        "/api/event",
        content=b'{"n":"pageview","u":"https://example.com/","d":"example.com"}',
        headers={"user-agent": CHROME_UA, "content-type": "text/plain;charset=UTF-8"},
    )
    assert ok.status_code == 202
    assert ok.headers["access-control-allow-origin"] == "*"
    bad = running.client.post("/api/event", content=b"{", headers={"user-agent": CHROME_UA})
    assert bad.status_code == 400
    assert bad.headers["access-control-allow-origin"] == "*"


def test_keyed_ingest_routes_are_not_open_to_browsers(running: Running) -> None:
    r = running.client.options("/api/v1/track/event")
    assert r.status_code == 405
    assert "access-control-allow-origin" not in r.headers
