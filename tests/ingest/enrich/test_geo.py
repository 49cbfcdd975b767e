from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from footfall.ingest.enrich.geo import Geo, GeoLocator


@pytest.fixture(scope="module")
def city_mmdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny City database in MaxMind's record layout, written for the test."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    writer.insert_network(
        IPSet(["193.99.144.0/24"]),
        {
            "country": {"iso_code": "DE", "names": {"en": "Germany"}},
            "subdivisions": [{"iso_code": "BE", "names": {"en": "Land Berlin"}}],
            "city": {"names": {"en": "Berlin", "de": "Berlin"}},
        },
    )
    # A record without a country: the country must come from iptocc instead.
    writer.insert_network(IPSet(["1.1.1.0/24"]), {"city": {"names": {"en": "Sydney"}}})
    # A country-only record (like GeoLite2-Country).
    writer.insert_network(IPSet(["2001:4860::/32"]), {"country": {"iso_code": "us"}})
    path = tmp_path_factory.mktemp("geo") / "city.mmdb"
    writer.to_db_file(str(path))
    return path


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("8.8.8.8", "US"),
        ("2001:4860:4860::8888", "US"),
        ("::ffff:8.8.8.8", "US"),  # IPv4-mapped, as dual-stack sockets report it
        ("1.1.1.1", "AU"),
        ("193.99.144.80", "DE"),
        ("5.9.0.1", "DE"),
        ("2a01:4f8::1", "DE"),
        ("212.27.48.10", "FR"),
        ("133.242.0.3", "JP"),
        ("81.2.69.160", "GB"),
    ],
)
def test_country_from_bundled_data(ip: str, country: str) -> None:
    assert GeoLocator().lookup(ip) == Geo(country, "", "")


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "100.64.0.1",  # carrier-grade NAT
        "169.254.1.1",
        "224.0.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "203.0.113.7",  # documentation range
        "",
        "not an ip",
        "8.8.8.8:443",
        "999.1.1.1",
    ],
)
def test_no_location_for_private_or_invalid(ip: str) -> None:
    assert GeoLocator().lookup(ip) == Geo("", "", "")


def test_region_and_city_from_mmdb(city_mmdb: Path) -> None:
    locator = GeoLocator(city_mmdb)
    assert locator.lookup("193.99.144.80") == Geo("DE", "DE-BE", "Berlin")
    assert locator.lookup("::ffff:193.99.144.1") == Geo("DE", "DE-BE", "Berlin")


def test_mmdb_without_country_falls_back_to_iptocc(city_mmdb: Path) -> None:
    assert GeoLocator(city_mmdb).lookup("1.1.1.1") == Geo("AU", "", "Sydney")


def test_mmdb_country_only_record(city_mmdb: Path) -> None:
    assert GeoLocator(city_mmdb).lookup("2001:4860:4860::8888") == Geo("US", "", "")


def test_address_missing_from_mmdb_uses_iptocc(city_mmdb: Path) -> None:
    assert GeoLocator(city_mmdb).lookup("212.27.48.10") == Geo("FR", "", "")


def test_private_address_is_not_looked_up_in_mmdb(city_mmdb: Path) -> None:
    assert GeoLocator(city_mmdb).lookup("10.0.0.1") == Geo()


def test_missing_mmdb_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        GeoLocator(tmp_path / "nope.mmdb")


def test_invalid_mmdb_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mmdb"
    bogus.write_bytes(b"this is not a maxmind database" * 10)
    with pytest.raises(ValueError, match="not a valid MaxMind"):
        GeoLocator(bogus)


def test_close_is_idempotent(city_mmdb: Path) -> None:
    locator = GeoLocator(city_mmdb)
    locator.close()
    locator.close()
    assert locator.lookup("193.99.144.80") == Geo("DE", "", "")
