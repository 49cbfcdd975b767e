"""Client addresses: X-Forwarded-For is believed only from FOOTFALL_TRUSTED_PROXIES."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footfall.config import Settings, load_settings
from footfall.proxies import TrustedProxies
from tests.accounts.helpers import HTML, PASSWORD, accounts_of, csrf, make_user
from tests.support import Running, settings_for
from tests.web.test_ingest import PLAUSIBLE_HEADERS

PEER = "203.0.113.9"  # the TestClient's address in `running`
PROXIES = "203.0.113.9/32, 10.0.0.0/8"

public_v4 = st.integers(0x0B000000, 0x7EFFFFFF).map(lambda n: str(ipaddress.IPv4Address(n)))
inside = st.integers(0x0A000000, 0x0AFFFFFF).map(lambda n: str(ipaddress.IPv4Address(n)))
junk = st.one_of(public_v4, inside, st.text(max_size=12).filter(lambda t: "," not in t))


@given(st.lists(junk, max_size=4), public_v4, st.lists(inside, max_size=3))
def test_the_client_is_the_rightmost_address_our_proxies_saw(
    sent: list[str], client: str, hops: list[str]
) -> None:
    """Whatever the client wrote into the header, the proxies append what they saw:
    the answer is the real client, never a value of the client's choosing."""
    proxies = TrustedProxies.parse("10.0.0.0/8")
    header = ", ".join([*sent, client, *hops])
    assert proxies.client("10.1.2.3", header) == client
    assert proxies.client(client, header) == client  # a peer outside: header ignored
    by_count = TrustedProxies.parse(str(len(hops) + 1))
    assert by_count.client("10.1.2.3", header) == client


@given(st.lists(junk, max_size=5), public_v4)
def test_nobody_is_trusted_by_default(sent: list[str], peer: str) -> None:
    assert TrustedProxies.parse("").client(peer, ", ".join(sent)) == peer
    assert TrustedProxies.parse("", dev=True).client("127.0.0.1", peer) == peer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, behind PROXIES (the `running` app uses this)."""
    return load_settings(**(settings.model_dump() | {"trusted_proxies": PROXIES}))


def visitor(running: Running, forwarded: str) -> object:
    running.client.post(
        "/api/event",
        content=b'{"n":"pageview","u":"https://example.com/","d":"example.com"}',
        headers={**PLAUSIBLE_HEADERS, "x-forwarded-for": forwarded},
    )
    return running.events("example.com")[-1]["visitor_id"]


def test_forwarded_for_feeds_the_visitor_hash(running: Running) -> None:
    first = visitor(running, "198.51.100.1, 10.0.0.1")
    assert visitor(running, "spoofed, 192.0.2.44, 198.51.100.1") == first
    assert visitor(running, "198.51.100.1") == first
    assert visitor(running, "198.51.100.2") != first


def test_debug_request_answers_the_ip_used(running: Running) -> None:
    r = running.client.post(
        "/api/event",
        content=b'{"n":"pageview","u":"https://example.com/"}',
        headers={
            **PLAUSIBLE_HEADERS,
            "x-debug-request": "true",
            "x-forwarded-for": "192.0.2.1, 198.51.100.7",
        },
    )
    assert r.status_code == 200 and r.json()["ip"] == "198.51.100.7"


def test_a_trusted_proxy_tells_the_scheme(running: Running) -> None:
    make_user(accounts_of(running.client), "owner@example.com")
    token = csrf(running.client.get("/login", headers=HTML).text)
    data = {"email": "owner@example.com", "password": PASSWORD, "csrf_token": token}
    r = running.client.post(
        "/login", data=data, headers={"x-forwarded-proto": "https"}, follow_redirects=False
    )
    assert "Secure" in r.headers["set-cookie"]
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_an_untrusted_peer_cannot_choose_its_address(tmp_path: Path) -> None:
    """The default trusts nobody: a new X-Forwarded-For per attempt buys no new attempts."""
    from fastapi.testclient import TestClient

    from footfall.web.app import create_app

    app = create_app(settings_for(tmp_path / "d"))
    with TestClient(app, client=(PEER, 5000)) as c:
        make_user(accounts_of(c), "owner@example.com")
        token = csrf(c.get("/login", headers=HTML).text)
        answers = []
        for i in range(25):  # 25 different emails, each attempt with a fresh XFF
            data = {"email": f"u{i}@example.com", "password": "wrong", "csrf_token": token}
            r = c.post("/login", data=data, headers={"x-forwarded-for": f"198.51.100.{i}"})
            answers.append(r.status_code)
        assert answers[:20] == [401] * 20
        assert set(answers[20:]) == {429}  # the peer's own limit, whatever the header said
