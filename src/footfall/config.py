"""Typed settings, read once from ``FOOTFALL_*`` environment variables (and ``.env``).

Missing or insecure values fail at start with a sentence saying what to set.
"""

from __future__ import annotations

import gc
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from footfall.errors import ConfigError
from footfall.files import write_atomic
from footfall.mail import smtp
from footfall.proxies import TrustedProxies
from footfall.store import registry

DEFAULT_DATABASE_URL = "duckdb:///./footfall-data/footfall.duckdb"


class Settings(BaseSettings):
    """Every setting Footfall reads. Each field is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(
        env_prefix="FOOTFALL_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    events_url: str = ""  # EventLog + StatsEngine on another backend (store/registry.py)
    database_password: str = Field(default="", repr=False)  # PostgreSQL's, outside the URL
    database_password_secret: str = ""  # or its Secrets Manager secret, re-read on refusal
    # The administrator's secret (RDS's master): serve migrates and grants the app role
    database_admin_secret: str = ""
    redis_url: str = Field(default="", repr=False)  # shared limits and cache news (shared.py)
    redis_password: str = Field(default="", repr=False)  # Redis AUTH token, outside the URL
    ingest_limit_per_key: int = Field(default=0, ge=0)  # events/minute per ingest key; 0: none
    ingest_limit_per_ip: int = Field(default=0, ge=0)  # events/minute per address, keyless
    secret_key: str = ""
    admin_token: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: str = "INFO"
    geoip_db: Path | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    max_connections: int = Field(default=1000, ge=1)
    metrics_listen: str = ""  # host:port of a second listener for /metrics (no token)
    flush_interval_ms: float = Field(default=5.0, gt=0, le=10_000)
    flush_max_events: int = Field(default=100, ge=1)
    flush_concurrency: int = Field(default=0, ge=0, le=32)  # 0: the backend's (registry.Kind)
    buffer_high_water: int = Field(default=100_000, ge=1)
    session_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    future_tolerance_seconds: int = Field(default=300, ge=0)
    query_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
    stats_threads: int = Field(default=2, ge=1, le=64)
    stats_per_caller: int = Field(default=3, ge=1, le=64)
    trusted_proxies: str = ""  # CIDRs or a hop count; see footfall.proxies
    trust_forwarded_for: bool | None = None  # removed: refused at start with a sentence
    dev: bool = False
    # the onboarding's installation check may load private and loopback addresses
    install_check_private: bool = False
    public_url: str = ""  # where visitors' browsers reach Footfall; used in snippets
    archive_url: str = ""  # s3://bucket/prefix: closed days as Parquet (footfall/archive.py)
    cache_dir: str = ""  # closed days' events as Parquet (DynamoDB); "" = a temp dir
    dynamodb_max_events: int = Field(default=250_000, ge=1000)  # one stats frame's
    # Email (footfall/mail, docs/email.md): smtp:// STARTTLS, smtps:// TLS, smtp+plain://
    # none; "" = no email is queued at all. The password may sit outside the URL.
    smtp_url: str = Field(default="", repr=False)
    smtp_password: str = Field(default="", repr=False)
    email_from: str = ""  # the sender, e.g. "Footfall <footfall@example.com>"

    @field_validator("archive_url")
    @classmethod
    def _s3_url(cls, value: str) -> str:
        if value and not (value.startswith("s3://") and len(value) > len("s3://")):
            raise ValueError(f"expected s3://bucket/prefix, got {value!r}")
        return value

    @field_validator("database_url", "events_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value:
            try:
                registry.kind(value)
            except ConfigError as exc:
                raise ValueError(exc.detail) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("FOOTFALL_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("metrics_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if value and (not host or not port.isdigit() or not 0 < int(port) < 65536):
            raise ValueError("give host:port, e.g. 0.0.0.0:9100 (or leave it empty)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @model_validator(mode="after")
    def _no_blind_trust(self) -> Settings:
        if self.trust_forwarded_for is not None:
            raise ValueError(
                "FOOTFALL_TRUST_FORWARDED_FOR was removed: it trusted X-Forwarded-For from "
                "anyone; set FOOTFALL_TRUSTED_PROXIES to your proxies' CIDRs (or a hop "
                "count) instead, and unset it"
            )
        return self

    @model_validator(mode="after")
    def _one_password(self) -> Settings:
        if self.database_password and self.database_password_secret:
            raise ValueError(
                "set FOOTFALL_DATABASE_PASSWORD or FOOTFALL_DATABASE_PASSWORD_SECRET, not "
                "both (the secret is re-read when the database refuses its password)"
            )
        return self

    @model_validator(mode="after")
    def _admin_for_postgres(self) -> Settings:
        if self.database_admin_secret and registry.kind(self.database_url).module != (
            "footfall.store.postgres"
        ):
            raise ValueError(
                "FOOTFALL_DATABASE_ADMIN_SECRET sets up PostgreSQL's application role: "
                "FOOTFALL_DATABASE_URL must be a postgresql:// URL"
            )
        return self

    @model_validator(mode="after")
    def _email(self) -> Settings:
        smtp.check_settings(self.smtp_url, self.smtp_password, self.email_from)
        return self

    @model_validator(mode="after")
    def _one_writer(self) -> Settings:
        if self.workers > 1 and self.embedded:
            raise ValueError(
                "FOOTFALL_WORKERS above 1 needs a shared store: one process owns an "
                "embedded DuckDB file (use PostgreSQL or DynamoDB for several workers)"
            )
        return self

    @property
    def embedded(self) -> bool:
        """One process owns the data (DuckDB): the CLI goes through the running server."""
        return any(registry.kind(u).embedded for u in (self.database_url, self.events_url) if u)

    @property
    def flush_writers(self) -> int:
        """Write transactions the write buffer runs at once: FOOTFALL_FLUSH_CONCURRENCY,
        or the events backend's default."""
        if self.flush_concurrency:
            return self.flush_concurrency
        return self._events_kind.writers

    @property
    def flush_quiet(self) -> float:
        """Seconds without a new event after which the write buffer flushes before its
        interval is out: the events backend's (registry.Kind.flush_quiet_ms)."""
        return self._events_kind.flush_quiet_ms / 1000

    @property
    def _events_kind(self) -> registry.Kind:
        """The backend that takes the events (FOOTFALL_EVENTS_URL, else the database)."""
        return registry.kind(self.events_url or self.database_url)

    @property
    def store_options(self) -> registry.Options:
        return registry.Options(
            timedelta(minutes=self.session_timeout_minutes),
            password=self.database_password,
            password_secret=self.database_password_secret,
            cache_dir=self.cache_dir,
            max_frame_events=self.dynamodb_max_events,
            archive_url=self.archive_url,
        )

    @cached_property
    def duckdb_path(self) -> Path | None:
        """Path of the embedded database file, or None for other backends."""
        parts = urlsplit(self.database_url)
        if parts.scheme != "duckdb":
            return None
        return Path(path_from_url(self.database_url))

    @cached_property
    def proxies(self) -> TrustedProxies:
        """Who may set X-Forwarded-For/-Proto: FOOTFALL_TRUSTED_PROXIES (+ loopback in dev)."""
        return TrustedProxies.parse(self.trusted_proxies, dev=self.dev)

    @property
    def data_dir(self) -> Path | None:
        path = self.duckdb_path
        return path.parent if path is not None else None

    @property
    def loopback_url(self) -> str:
        """This server as seen from its own machine."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def origin(self) -> str:
        """Where visitors' browsers reach Footfall (for snippets): FOOTFALL_PUBLIC_URL."""
        return self.public_url.rstrip("/") or self.loopback_url


def path_from_url(url: str) -> str:
    """``duckdb:///./data/x.duckdb`` -> ``./data/x.duckdb``; ``duckdb:///:memory:`` too."""
    parts = urlsplit(url)
    if parts.scheme != "duckdb" or not parts.path:
        raise ConfigError(f"not a duckdb URL: {url!r}; expected duckdb:///path/to/file.duckdb")
    return parts.path[1:]


def load_settings(**overrides: object) -> Settings:
    """Read settings once; turn validation errors into one readable ConfigError."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["loc"]:
            raise ConfigError(f"FOOTFALL_{str(first['loc'][0]).upper()}: {first['msg']}") from None
        raise ConfigError(first["msg"].removeprefix("Value error, ")) from None
    return settings


MIN_SECRET_BYTES = 32
# zxcvbn's estimate, log10 of guesses: 32 random hex digits score 28 at the least, a
# repeated or sequential string or a few repeated words under 10.
MIN_SECRET_GUESSES_LOG10 = 20
# Words of placeholders and made-up values ("CHANGE-ME-...", "my-secret-key"), compared
# with letters and digits only; 6+ letters, so a random secret holds one by chance
# less than once in 10^8.
PLACEHOLDER_WORDS = (
    "changeme",
    "changethis",
    "placeholder",
    "replaceme",
    "putparameter",
    "example",
    "secretkey",
    "admintoken",
    "yoursecret",
    "insecure",
    "notsecret",
)
_GENERATE = "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"


@cache
def weak_secret_reason(value: str) -> str | None:
    """Why ``value`` may not be a secret key or admin token, or None when it may.

    Refused: under 32 bytes, padded with whitespace (a bare newline or a non-breaking
    space must never become, or match, the secret), a recognisable placeholder, or
    low entropy (repeats, sequences, keyboard walks, common words)."""
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"is missing, empty or shorter than {MIN_SECRET_BYTES} bytes"
    if value != value.strip():
        return "is padded with spaces"
    letters = re.sub(r"[^a-z0-9]", "", value.lower())
    if word := next((w for w in PLACEHOLDER_WORDS if w in letters), None):
        return f"looks like a placeholder (it contains {word!r})"
    if _guesses_log10(value[:100]) < MIN_SECRET_GUESSES_LOG10:
        return "has too little entropy (repeats, sequences or common words)"
    return None


def _guesses_log10(value: str) -> float:
    from zxcvbn import zxcvbn  # its word lists: ~11 MB of Python objects, on first use

    return float(zxcvbn(value)["guesses_log10"])


@contextmanager
def secret_checks() -> Iterator[None]:
    """zxcvbn unloaded after the secret checks inside the block unless it was loaded
    before: a server checks its secrets once, at start (Services.build; a later check
    of the same value is answered from weak_secret_reason's cache), and zxcvbn's word
    lists are ~11 MB of Python objects. Unloaded at once, their pymalloc arenas are
    empty and go back to the system: 10 MB of RSS (docs/performance.md, "Memory").
    Setting a password loads it again (accounts/passwords.py)."""
    loaded = "zxcvbn" in sys.modules
    try:
        yield
    finally:
        if not loaded and "zxcvbn" in sys.modules:
            for name in [m for m in sys.modules if m == "zxcvbn" or m.startswith("zxcvbn.")]:
                del sys.modules[name]
            gc.collect()  # the modules' reference cycles, before other objects fill the arenas


def _checked_secret(name: str, value: str, source: str) -> str:
    if reason := weak_secret_reason(value):
        raise ConfigError(
            f"FOOTFALL_{name.upper()} ({source}) {reason}; set it to a random string "
            f"of {MIN_SECRET_BYTES}+ characters, e.g. the output of {_GENERATE}"
        )
    return value


SSM_PREFIX = "ssm:"


@cache
def _ssm_parameter(parameter: str) -> str:
    """The decrypted value of an SSM parameter, read once per process."""
    import boto3  # only deployments that reference SSM pay for the import

    try:
        found = (
            boto3.session.Session().client("ssm").get_parameter(Name=parameter, WithDecryption=True)
        )
    except Exception as exc:  # botocore's errors share no useful base class here
        raise ConfigError(f"cannot read SSM parameter {parameter}: {exc}") from None
    return str(found["Parameter"]["Value"])


def resolve_secret(settings: Settings, name: str, value: str) -> str:
    """Return a secret, generating and persisting one beside an embedded store.

    The embedded (laptop) mode keeps a random secret in the data directory with mode
    0600, so ``make run`` needs no setup; every other backend must be given the value,
    or ``ssm:/PARAMETER/NAME`` to read it from SSM Parameter Store at start (Lambda,
    which cannot inject SecureStrings as ECS does). An empty, short, padded,
    placeholder or low-entropy value (setting, parameter or file) is refused.
    """
    if value.startswith(SSM_PREFIX):
        parameter = value.removeprefix(SSM_PREFIX)
        return _checked_secret(name, _ssm_parameter(parameter), f"SSM parameter {parameter}")
    if value:
        return _checked_secret(name, value, "the setting")
    data_dir = settings.data_dir
    if data_dir is None:
        raise ConfigError(
            f"FOOTFALL_{name.upper()} is not set; set it to a random string of "
            f"{MIN_SECRET_BYTES}+ characters"
        )
    path = data_dir / name
    if not path.exists():
        # Atomic and never overwriting: a full disk cannot leave an empty secret behind,
        # and a CLI and a server starting together keep the same one.
        write_atomic(path, secrets.token_urlsafe(32).encode(), replace=False)
    try:
        stored = path.read_bytes().decode().removesuffix("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"FOOTFALL_{name.upper()}: cannot read {path}: {exc}") from None
    return _checked_secret(name, stored, f"file {path}")
