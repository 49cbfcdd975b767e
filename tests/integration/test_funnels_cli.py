"""``footfall funnel`` on the embedded store: directly, then through the running
server's admin API (the same answers either way)."""

from __future__ import annotations

import json

from tests.integration.conftest import Server


def test_funnel_commands_directly_and_through_the_server(server: Server) -> None:
    server.cli("site", "add", "example.com")
    direct = server.cli(
        "funnel", "add", "Signup path", "--site", "example.com",
        "--step", "page:/", "--step", "/pricing", "--step", "event:Signup",
    )  # fmt: skip
    assert direct.returncode == 0, direct.stderr
    assert "Visit / -> Visit /pricing -> Signup" in direct.stdout
    server.start()
    added = server.cli(
        "funnel", "add", "Docs/deep", "--site", "example.com",
        "--step", "page:/docs/**", "--step", "event:Download", "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    made = json.loads(added.stdout)
    assert made["site"] == "example.com" and made["name"] == "Docs/deep"
    assert [s["label"] for s in made["steps"]] == ["Visit /docs/**", "Download"]
    one = server.cli("funnel", "add", "Short", "--site", "example.com", "--step", "/")
    assert one.returncode == 1 and "2 to 8 steps" in one.stderr
    bad = server.cli("funnel", "add", "Bad", "--site", "example.com", "--step", "x", "--step", "/")
    assert bad.returncode == 1 and "event:NAME or page:/PATH" in bad.stderr
    listed = json.loads(server.cli("funnel", "list", "--site", "example.com", "--json").stdout)
    assert [f["name"] for f in listed] == ["Docs/deep", "Signup path"]
    assert server.cli("funnel", "remove", "--site", "example.com", "Docs/deep").returncode == 0
    server.stop()
    assert server.cli("funnel", "remove", "--site", "example.com", "Signup path").returncode == 0
    assert "no funnels" in server.cli("funnel", "list").stdout
    missing = server.cli("funnel", "remove", "--site", "example.com", "Signup path")
    assert missing.returncode == 1
