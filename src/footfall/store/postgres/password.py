"""Where the PostgreSQL password comes from: a fixed value (FOOTFALL_DATABASE_PASSWORD),
or a Secrets Manager secret read at start and read again whenever the database refuses
the password it holds (FOOTFALL_DATABASE_PASSWORD_SECRET).

A rotated secret (RDS rotates its managed master secret every 7 days) then reaches the
running tasks on their next new connection; ECS injects a secret only when a task
starts, so a fixed value stops working at the first rotation.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol

import boto3

from footfall.errors import ConfigError

# After a re-read that found the same refused password, the next re-read waits this long
# (a wrong secret must not turn every connection attempt into a Secrets Manager call).
UNCHANGED_RETRY_SECONDS = 5.0


class Password(Protocol):
    def current(self) -> str:
        """The password to connect with ("" for none: peer, trust or a .pgpass)."""
        ...

    def rejected(self, password: str) -> str:
        """``password`` was refused: the password to try instead (the same when there
        is no other)."""
        ...


def secrets_client(secret_id: str) -> Any:
    """A Secrets Manager client in the region of ``secret_id`` when it is an ARN."""
    region = secret_id.split(":")[3] if secret_id.startswith("arn:") else None
    return boto3.session.Session().client("secretsmanager", region_name=region or None)


def read_secret(secret_id: str, setting: str, client: Any = None) -> str:
    """The string of a Secrets Manager secret (ARN or name), or ConfigError naming
    ``setting``."""
    sm = client or secrets_client(secret_id)
    try:
        return str(sm.get_secret_value(SecretId=secret_id)["SecretString"])
    except Exception as exc:  # botocore's errors share no useful base class here
        raise ConfigError(f"{setting}: cannot read {secret_id}: {exc}") from None


class FixedPassword:
    def __init__(self, password: str) -> None:
        self._password = password

    def current(self) -> str:
        return self._password

    def rejected(self, password: str) -> str:
        return self._password


class SecretPassword:
    """The password in a Secrets Manager secret: its ``password`` key when the secret is
    JSON (as RDS-managed secrets are), else the whole string. Thread-safe."""

    def __init__(self, secret_id: str, client: Any = None) -> None:
        self._secret_id = secret_id
        self._client = client or secrets_client(secret_id)
        self._lock = threading.Lock()
        self._quiet_until = 0.0
        self._password = self._read()

    def _read(self) -> str:
        value = read_secret(self._secret_id, "FOOTFALL_DATABASE_PASSWORD_SECRET", self._client)
        try:
            parsed = json.loads(value)
        except ValueError:
            return str(value)
        if isinstance(parsed, dict) and isinstance(parsed.get("password"), str):
            return str(parsed["password"])
        return str(value)

    def current(self) -> str:
        with self._lock:
            return self._password

    def rejected(self, password: str) -> str:
        with self._lock:
            # Another connection may have re-read it already.
            if password == self._password and time.monotonic() >= self._quiet_until:
                self._password = self._read()
                if self._password == password:
                    self._quiet_until = time.monotonic() + UNCHANGED_RETRY_SECONDS
            return self._password
