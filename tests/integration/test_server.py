"""The real server on loopback, and the CLI working with it and without it."""

from __future__ import annotations

import json
import signal

import httpx

from footfall.store.registry import open_stores
from tests.integration.conftest import Server
from tests.support import CHROME_UA


def test_cli_works_directly_then_through_the_running_server(server: Server) -> None:
    # No server yet: the CLI opens the store itself.
    assert server.cli("site", "add", "example.com", "--timezone", "Europe/Berlin").returncode == 0
    server.start()
    # Server running: the CLI goes through its admin API (the file is locked by the server).
    added = server.cli("site", "add", "shop.example", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["domain"] == "shop.example"
    listed = server.cli("site", "list", "--json")
    assert [s["domain"] for s in json.loads(listed.stdout)] == ["example.com", "shop.example"]
    created = server.cli(
        "key",
        "create",
        "--site",
        "example.com",
        "--scopes",
        "ingest,stats",
        "--name",
        "backend",
        "--json",
    )
    key = json.loads(created.stdout)
    assert set(key) >= {"key", "prefix", "site", "scopes"}
    assert key["site"] == "example.com" and key["scopes"] == ["ingest", "stats"]

    r = httpx.post(
        f"{server.url}/api/v1/track/batch",
        headers={"x-api-key": key["key"]},
        json={
            "events": [
                {"url": "https://example.com/x", "user_agent": CHROME_UA, "ip": "198.51.100.1"}
            ]
        },
    )
    assert r.status_code == 202 and r.json()["processed"] == 1
    r = httpx.post(
        f"{server.url}/api/event",
        content=b'{"n":"pageview","u":"https://shop.example/"}',
        headers={"user-agent": CHROME_UA, "content-type": "text/plain"},
    )
    assert r.status_code == 202

    keys = server.cli("key", "list", "--json")
    [listed_key] = json.loads(keys.stdout)
    assert listed_key["prefix"] == key["prefix"] and "key" not in listed_key
    assert server.cli("key", "revoke", key["prefix"]).returncode == 0
    r = httpx.post(
        f"{server.url}/api/v1/track/event",
        headers={"x-api-key": key["key"]},
        json={"url": "https://example.com/y"},
    )
    assert r.status_code == 401
    assert server.cli("site", "remove", "shop.example", stdin="n\n").returncode == 1  # asked
    assert server.cli("site", "remove", "shop.example", "--yes").returncode == 0
    bad = server.cli("site", "remove", "shop.example", "--yes")
    assert bad.returncode == 1 and "no site" in bad.stderr

    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal
    stores = open_stores(f"duckdb:///{server.db_path}")
    site = stores.catalog.get_site("example.com")
    assert site is not None and site.timezone == "Europe/Berlin"
    assert stores.events.count_events(site.id) == 1
    assert stores.catalog.get_site("shop.example") is None
    stores.close()


def test_bad_config_fails_at_start_with_a_sentence(server: Server) -> None:
    server.env["FOOTFALL_DATABASE_URL"] = "mysql://nope"
    out = server.cli("serve")
    assert out.returncode == 2
    assert "FOOTFALL_DATABASE_URL" in out.stderr


def test_logs_are_json_and_carry_no_ip(server: Server) -> None:
    server.env["FOOTFALL_LOG_LEVEL"] = "INFO"
    server.cli("site", "add", "example.com")
    server.start()
    httpx.post(
        f"{server.url}/api/event",
        content=b'{"n":"pageview","u":"https://example.com/"}',
        headers={"user-agent": CHROME_UA, "x-forwarded-for": "198.51.100.99"},
    )
    server.stop()
    lines = [ln for ln in (server.workdir / "server.log").read_text().splitlines() if ln.strip()]
    assert lines and all(json.loads(ln)["level"] for ln in lines)
    assert not any("198.51.100.99" in ln or "POST /api/event" in ln for ln in lines)
    assert not any("color_message" in ln for ln in lines)


def test_goal_commands_directly_and_through_the_server(server: Server) -> None:
    server.cli("site", "add", "example.com")
    assert server.cli("goal", "add", "--site", "example.com", "--event", "Signup").returncode == 0
    server.start()
    added = server.cli("goal", "add", "--site", "example.com", "--page", "/blog/**", "--json")
    assert json.loads(added.stdout)["name"] == "Visit /blog/**"
    both = server.cli("goal", "add", "--site", "example.com", "--event", "X", "--page", "/y")
    assert both.returncode == 1 and "exactly one" in both.stderr
    listed = json.loads(server.cli("goal", "list", "--site", "example.com", "--json").stdout)
    assert [g["name"] for g in listed] == ["Signup", "Visit /blog/**"]
    assert server.cli("goal", "remove", "--site", "example.com", "Visit /blog/**").returncode == 0
    server.stop()
    assert server.cli("goal", "remove", "--site", "example.com", "Signup").returncode == 0
    assert "no goals" in server.cli("goal", "list").stdout


def test_site_snippet_prints_the_tag_for_a_known_site(server: Server) -> None:
    assert server.cli("site", "add", "shop.example").returncode == 0
    out = server.cli("site", "snippet", "shop.example", "--origin", "https://stats.example.net")
    assert out.returncode == 0, out.stderr
    assert 'data-domain="shop.example"' in out.stdout
    assert 'src="https://stats.example.net/js/script.js"' in out.stdout
    # default origin: FOOTFALL_PUBLIC_URL
    server.env["FOOTFALL_PUBLIC_URL"] = "https://a.example.org/"
    pinned = server.cli("site", "snippet", "shop.example", "--versioned")
    assert 'src="https://a.example.org/js/script.' in pinned.stdout
    assert "script.js" not in pinned.stdout
    unknown = server.cli("site", "snippet", "nope.example")
    assert unknown.returncode == 1
    assert "footfall site add nope.example" in unknown.stderr
