"""The shields' compiled form (footfall/shields.py) on the cases the HTTP test's
traffic does not reach: IPv4 through IPv6, hash-routed paths, case and www."""

from __future__ import annotations

import pytest

from footfall.domain import DropReason, Shields
from footfall.shields import Guard, parse, parse_lines


@pytest.mark.parametrize(
    ("rules", "host", "ip", "path", "reason"),
    [
        ({"ips": ["203.0.113.0/24"]}, "a.com", "::ffff:203.0.113.9", "/", DropReason.IP_EXCLUDED),
        ({"ips": ["203.0.113.7/24"]}, "a.com", "203.0.113.200", "/", DropReason.IP_EXCLUDED),
        ({"ips": ["2001:db8::/32"]}, "a.com", "2001:db8:1::5", "/", DropReason.IP_EXCLUDED),
        ({"ips": ["2001:db8::/32"]}, "a.com", "203.0.113.9", "/", None),
        ({"ips": ["10.0.0.1"]}, "a.com", "", "/", None),  # no address: nothing to match
        ({"hostnames": ["WWW.A.com"]}, "a.com", "", "/", None),
        ({"hostnames": ["*.a.com"]}, "a.com", "", "/", DropReason.HOSTNAME_NOT_ALLOWED),
        ({"hostnames": ["*.a.com"]}, "x.y.a.com", "", "/", None),
        ({"hostnames": ["a.com"]}, "evil-a.com", "", "/", DropReason.HOSTNAME_NOT_ALLOWED),
        ({"pages": ["/app#/admin*"]}, "a.com", "", "/app#/admins", DropReason.PAGE_EXCLUDED),
        ({"pages": ["/blog/*"]}, "a.com", "", "/blog/a/b", None),
        ({"pages": ["/blog/**"]}, "a.com", "", "/blog/a/b", DropReason.PAGE_EXCLUDED),
        ({"pages": ["/a.b"]}, "a.com", "", "/aXb", None),  # a dot is a dot
    ],
)
def test_guard(
    rules: dict[str, list[str]], host: str, ip: str, path: str, reason: DropReason | None
) -> None:
    assert Guard(parse(rules)).check_page(host, ip, path) == reason


def test_rules_are_kept_as_typed_normalized_once() -> None:
    shields = parse_lines(
        {"ips": " 10.0.0.7/8 ,\n10.0.0.7/8\n\n", "countries": "de, fr", "hostnames": "A.com."}
    )
    assert shields == Shields(hostnames=("a.com",), ips=("10.0.0.7/8",), countries=("DE", "FR"))
    assert Shields.from_text(shields.text()) == shields
    assert Guard(shields).check_country("FR") == DropReason.COUNTRY_EXCLUDED
    assert Guard(shields).check_country("") is None
