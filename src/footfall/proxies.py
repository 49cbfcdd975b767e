"""Which proxies may tell us the client's address (``FOOTFALL_TRUSTED_PROXIES``).

Each proxy appends the address it saw to ``X-Forwarded-For``, so only the right-hand
entries written by our own proxies can be believed; the left-most is whatever the
client sent. The client is the right-most address not in the trusted set (or, with a
hop count N, the N-th entry from the right), and only when the peer is itself trusted.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)


@lru_cache(maxsize=4096)
def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()
    hops: int = 0

    @classmethod
    def parse(cls, raw: str, *, dev: bool = False) -> TrustedProxies:
        """``""`` (nobody), ``"2"`` (two hops), or ``"10.0.0.0/16, 192.0.2.7"``;
        ``dev`` adds loopback. Raises ValueError with a sentence."""
        text = raw.strip()
        extra = LOOPBACK if dev else ()
        if text.isdigit():
            hops = int(text)
            if hops > 10:
                raise ValueError("a hop count above 10 is not a real proxy chain")
            return cls(extra, hops)
        networks: list[Network] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(
                    f"{part!r} is neither an address nor a CIDR block; give a comma list "
                    "such as 10.0.0.0/16,192.0.2.7 or a hop count such as 1"
                ) from None
        return cls(tuple(networks) + extra, 0)

    def trusts(self, address: str) -> bool:
        """Is the direct peer one of our proxies?"""
        if self.hops:
            return True  # by count: whatever connects is the last of our proxies
        found = _address(address)
        return found is not None and any(found in net for net in self.networks)

    def https(self, scheme: str, peer: str, forwarded_proto: str | None) -> bool:
        """Was the request made over HTTPS: ``X-Forwarded-Proto`` from a trusted proxy,
        else the scheme of the connection itself."""
        if forwarded_proto and self.trusts(peer):
            return forwarded_proto.split(",")[0].strip().lower() == "https"
        return scheme == "https"

    def client(self, peer: str, forwarded: str | None) -> str:
        """The client's address: the peer, or the right-most believable XFF entry."""
        if not forwarded or not self.trusts(peer):
            return _canonical(peer)
        entries = [p for p in (part.strip() for part in forwarded.split(",")) if p]
        if self.hops:
            if not entries:
                return _canonical(peer)
            found = _address(entries[-min(self.hops, len(entries))])
            return str(found) if found is not None else _canonical(peer)
        last = _canonical(peer)
        for entry in reversed(entries):
            found = _address(entry)
            if found is None:
                return last  # garbage written before our proxies: stop at the last good hop
            last = str(found)
            if not any(found in net for net in self.networks):
                return last
        return last


def _canonical(raw: str) -> str:
    found = _address(raw)
    return str(found) if found is not None else raw
