"""DynamoDB attribute values, written and read by hand (the low-level client's shape).

Times are ISO 8601 strings in UTC with microseconds, so they sort as they compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

Item = dict[str, Any]  # attribute name -> {"S": ...} | {"N": ...} | {"B": ...} | ...
NEW = "attribute_not_exists(PK)"  # condition: the item is not there yet
EXISTS = "attribute_exists(PK)"  # condition: the item is there (an update, not a create)


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def b(value: bytes) -> dict[str, bytes]:
    return {"B": value}


def t(value: datetime) -> dict[str, str]:
    return {"S": iso(value)}


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key(pk: str, sk: str) -> Item:
    return {"PK": s(pk), "SK": s(sk)}


def get_s(item: Mapping[str, Any], name: str) -> str:
    return str(item[name]["S"])


def get_opt_s(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None or "NULL" in value else str(value["S"])


def get_n(item: Mapping[str, Any], name: str) -> int:
    return int(item[name]["N"])


def get_opt_n(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    return None if value is None or "NULL" in value else int(value["N"])


def get_b(item: Mapping[str, Any], name: str) -> bytes:
    return bytes(item[name]["B"])


def get_t(item: Mapping[str, Any], name: str) -> datetime:
    return parse_time(get_s(item, name))


def get_opt_t(item: Mapping[str, Any], name: str) -> datetime | None:
    value = get_opt_s(item, name)
    return None if value is None else parse_time(value)


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def padded(number: int) -> str:
    """Integer ids in sort keys, zero-padded so they sort as numbers."""
    return f"{number:012d}"
