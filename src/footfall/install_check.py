"""The onboarding's "check installation": load a page of the site with the server's
HTTP client and look for the tracker snippet (ours, or Plausible's or Umami's).

The server fetches a URL its user typed, so it guards against being used to reach what
only it can reach (SSRF): http(s) only, default ports or any port, but the host's
every address must be public (no loopback, private, link-local, shared, reserved or
multicast ranges) unless ``FOOTFALL_INSTALL_CHECK_PRIVATE`` allows them; the request
goes to the address that was checked (the host name still names the TLS server and
the ``Host`` header), so a DNS answer that changes in between does not redirect it;
at most ``MAX_REDIRECTS`` redirects, each checked the same way; ``TIMEOUT`` in all
and the first ``MAX_BYTES`` of the body only; no cookies, no credentials.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from footfall.errors import InputError

if TYPE_CHECKING:  # imported by the first check: ~20 MB of RSS a server may never need
    import httpx

TIMEOUT = 5.0  # seconds for the whole check, redirects included
MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "Footfall-InstallCheck/1 (+https://github.com/footfall)"
# <script ... data-domain="a.com,b.com" ...> (ours and Plausible's snippet) or Umami's
# data-website-id; attribute order and quotes vary.
_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\bdata-(domain|website-id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


@dataclass(frozen=True, slots=True)
class Result:
    found: bool
    url: str  # the page read, after redirects
    status: int
    detail: str


def _fail(detail: str) -> InputError:
    return InputError(detail, field="url", code="invalid_url")


def has_snippet(html: str, domain: str, umami_id: str) -> bool:
    for tag in _SCRIPT.findall(html):
        for name, *values in _ATTR.findall(tag):
            value = next((v for v in values if v), "")
            if name.lower() == "domain" and domain in [d.strip().lower() for d in value.split(",")]:
                return True
            if name.lower() == "website-id" and umami_id and value == umami_id:
                return True
    return False


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def _pinned(url: str, allow_private: bool) -> tuple[str, str]:
    """``url`` with its host replaced by a checked address, and the host name."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail("the address must start with http:// or https:// and name a host")
    if parts.username or parts.password:
        raise _fail("the address must not carry a user name or password")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _fail("the address has an invalid port") from None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _fail(f"{host} does not resolve") from None
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise _fail(f"{host} does not resolve")
    if not allow_private and not all(_public(a) for a in addresses):
        raise _fail(
            f"{host} resolves to a private or local address; the server checks public "
            "sites only (FOOTFALL_INSTALL_CHECK_PRIVATE allows others)"
        )
    address = addresses[0]
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host


async def check(
    url: str,
    domain: str,
    umami_id: str,
    allow_private: bool,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Result:
    """Load ``url`` (following up to MAX_REDIRECTS redirects) and look for the snippet.
    Raise InputError for an address the server will not load; a page that cannot be
    loaded is a Result with ``found`` False and the reason."""
    try:
        async with asyncio.timeout(TIMEOUT):
            return await _check(url, domain, umami_id, allow_private)
    except TimeoutError:
        return Result(False, url, 0, f"{url} did not answer within {TIMEOUT:g} s")


async def _check(url: str, domain: str, umami_id: str, allow_private: bool) -> Result:
    import httpx

    async with httpx.AsyncClient(
        timeout=TIMEOUT, follow_redirects=False, trust_env=False
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target, host = await _pinned(url, allow_private)
            parts = urlsplit(url)
            default = parts.port is None
            host_header = host if default else f"{host}:{parts.port}"
            if ":" in host and default:
                host_header = f"[{host}]"
            request = client.build_request(
                "GET",
                target,
                headers={"host": host_header, "user-agent": USER_AGENT, "accept": "text/html"},
                extensions={"sni_hostname": host},
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                return Result(False, url, 0, f"{url} could not be loaded: {type(exc).__name__}")
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= MAX_BYTES:
                        break
            finally:
                await response.aclose()
            text = bytes(body[:MAX_BYTES]).decode(response.encoding or "utf-8", "replace")
            if response.status_code >= 400:
                return Result(False, url, response.status_code,
                              f"{url} answered HTTP {response.status_code}")  # fmt: skip
            if has_snippet(text, domain.lower(), umami_id):
                return Result(True, url, response.status_code, f"found the snippet on {url}")
            return Result(False, url, response.status_code,
                          f"{url} loads, but carries no snippet for {domain}")  # fmt: skip
    return Result(False, url, 0, f"more than {MAX_REDIRECTS} redirects")
