"""Security headers on every response (web/headers.py)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from footfall.web.app import create_app
from tests.accounts.helpers import HTML
from tests.support import Running, settings_for

PATHS = [
    ("GET", "/login"),
    ("GET", "/setup"),
    ("GET", "/sites/example.com"),
    ("GET", "/share/example.com?auth=nope"),
    ("GET", "/health"),
    ("GET", "/api/v1/sites"),
    ("GET", "/js/script.js"),
    ("GET", "/static/app.css"),
    ("GET", "/no/such/page"),
    ("POST", "/api/event"),
    ("OPTIONS", "/api/event"),
]


def directives(policy: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_every_response_carries_the_security_headers(
    running: Running, method: str, path: str
) -> None:
    r = running.client.request(method, path, headers=HTML, follow_redirects=False)
    csp = directives(r.headers["content-security-policy"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in r.headers  # plain HTTP


def test_the_inline_scripts_of_a_page_are_exactly_the_hashed_ones(running: Running) -> None:
    """A CSP violation breaks a page silently: every inline script must match a hash."""
    r = running.client.get("/login", headers=HTML)
    allowed = set(directives(r.headers["content-security-policy"])["script-src"])
    inline = re.findall(r"<script(?![^>]*\b(?:src|type)=)[^>]*>(.*?)</script>", r.text, re.S)
    assert inline, "the theme script is inline"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed


def test_the_tracker_and_ingest_stay_usable_cross_origin(running: Running) -> None:
    script = running.client.get("/js/script.js")
    assert script.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert "cross-origin-resource-policy" not in script.headers
    preflight = running.client.options(
        "/api/event",
        headers={"origin": "https://shop.test", "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_hsts_only_over_https_as_seen_directly_or_from_a_trusted_proxy(tmp_path: Path) -> None:
    def app(trusted: str) -> TestClient:
        settings = settings_for(tmp_path / (trusted or "none"), trusted_proxies=trusted)
        return TestClient(create_app(settings), client=("10.0.0.5", 4000))

    https = {"x-forwarded-proto": "https"}
    with app("") as c:
        assert "strict-transport-security" not in c.get("/health", headers=https).headers
        direct = TestClient(c.app, base_url="https://footfall.test")
        assert direct.get("/health").headers["strict-transport-security"].startswith("max-age=")
    with app("10.0.0.0/8") as c:
        assert "strict-transport-security" in c.get("/health", headers=https).headers
        assert "strict-transport-security" not in c.get("/health").headers
