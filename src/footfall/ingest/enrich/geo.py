"""IP address -> country, region and city. Offline only: the IP itself is never stored."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import iptocc
import maxminddb
from maxminddb.errors import InvalidDatabaseError


@dataclass(frozen=True, slots=True)
class Geo:
    country: str = ""  # ISO 3166-1 alpha-2, "DE"
    region: str = ""  # ISO 3166-2 subdivision, "DE-BE"
    city: str = ""  # English name, "Berlin"


_NOWHERE = Geo()


def _public_ip(ip: str) -> str | None:
    """The address as a lookup key if it is a public unicast one, else None."""
    ip = ip.strip()
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:8.8.8.8 from dual-stack sockets
        ip = str(address)
    # Private, loopback, link-local, CGNAT, multicast, documentation ranges: no location.
    if not address.is_global or address.is_multicast:
        return None
    return ip


def _field(record: Any, *path: str | int) -> str:
    """record["a"][0]["b"] as a string, or "" when any step is missing."""
    value = record
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or len(value) <= step:
                return ""
        elif not isinstance(value, dict) or step not in value:
            return ""
        value = value[step]
    return value if isinstance(value, str) else ""


class GeoLocator:
    """Country from iptocc's bundled tables; region and city too when a city .mmdb is given.

    The .mmdb may be MaxMind GeoLite2/GeoIP2 City or DB-IP City Lite: they share the
    record layout (country.iso_code, subdivisions[].iso_code, city.names.en).
    """

    def __init__(self, mmdb_path: Path | None = None) -> None:
        self._reader: maxminddb.Reader | None = None
        if mmdb_path is None:
            return
        if not mmdb_path.is_file():
            raise ValueError(
                f"The GeoIP database {mmdb_path} does not exist: point the setting at a "
                "City .mmdb file (MaxMind GeoLite2-City or DB-IP City Lite), or unset it "
                "to use country-only lookups."
            )
        try:
            self._reader = maxminddb.open_database(str(mmdb_path), maxminddb.MODE_AUTO)
        except (InvalidDatabaseError, ValueError, OSError) as exc:
            raise ValueError(
                f"The GeoIP database {mmdb_path} is not a valid MaxMind .mmdb file ({exc})."
            ) from exc

    def lookup(self, ip: str) -> Geo:
        """Where an IP address is; Geo("", "", "") for private or invalid addresses."""
        if self._reader is None:
            # iptocc answers None for private, reserved and malformed addresses itself
            # (checked in tests), so the costly ipaddress checks are skipped: ~0.2 us.
            ip = ip.strip()
            if ip[:7].lower() == "::ffff:":
                ip = ip[7:]
            return Geo(iptocc.country_code(ip) or "") if ip else _NOWHERE
        address = _public_ip(ip)
        if address is None:
            return _NOWHERE
        country = region = city = ""
        if self._reader is not None:
            record = self._reader.get(address)
            country = _field(record, "country", "iso_code").upper()
            subdivision = _field(record, "subdivisions", 0, "iso_code").upper()
            if country and subdivision:
                region = f"{country}-{subdivision}"
            city = _field(record, "city", "names", "en")
        if not country:
            country = iptocc.country_code(address) or ""
        return Geo(country, region, city)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
