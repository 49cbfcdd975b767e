from __future__ import annotations

import base64
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.config import load_settings, path_from_url, resolve_secret, weak_secret_reason
from footfall.errors import ConfigError


def test_unknown_backend_fails_with_a_sentence() -> None:
    with pytest.raises(ConfigError, match="FOOTFALL_DATABASE_URL"):
        load_settings(database_url="mysql://x")


def test_several_workers_need_a_shared_store() -> None:
    with pytest.raises(ConfigError, match="FOOTFALL_WORKERS above 1 needs a shared store"):
        load_settings(workers=2)


@settings(max_examples=50, deadline=None)
@given(
    st.one_of(
        st.text(max_size=31).filter(lambda v: len(v.encode()) < 32),
        st.text(alphabet=" \t\n\u00a0", min_size=1, max_size=40),
        st.text(min_size=32).map(lambda v: f" {v}"),
    ),
    st.booleans(),
)
def test_short_empty_or_padded_secrets_are_refused_even_in_dev(value: str, dev: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        s = load_settings(database_url=f"duckdb:///{tmp}/x.duckdb", dev=dev)
        if value:
            with pytest.raises(ConfigError, match="FOOTFALL_ADMIN_TOKEN"):
                resolve_secret(s, "admin_token", value)
        (Path(tmp) / "admin_token").write_text(value)  # the same value left in the file
        with pytest.raises(ConfigError, match=r"FOOTFALL_ADMIN_TOKEN .*file"):
            resolve_secret(s, "admin_token", "")


# What operators paste: the placeholder the Terraform of an older release wrote into
# SSM, and the made-up values of tutorials.
PLACEHOLDERS = [
    "CHANGE-ME-set-with-aws-ssm-put-parameter-overwrite",
    "changeme-changeme-changeme-changeme",
    "please-replace-me-with-a-real-value-0123456789",
    "<placeholder: a random string of 32+ characters>",
    "my-footfall-secret-key-for-production-2026",
    "footfall-admin-token-production-do-not-share",
    "example-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
@pytest.mark.parametrize("name", ["secret_key", "admin_token"])
def test_recognisable_placeholders_are_refused(tmp_path: Path, name: str, value: str) -> None:
    s = load_settings(database_url="dynamodb://t?region=us-east-1")
    with pytest.raises(ConfigError, match=f"FOOTFALL_{name.upper()} .*placeholder"):
        resolve_secret(s, name, value)
    # The same in a secret file beside an embedded store.
    e = load_settings(database_url=f"duckdb:///{tmp_path}/x.duckdb")
    (tmp_path / name).write_text(value)
    with pytest.raises(ConfigError, match="placeholder"):
        resolve_secret(e, name, "")


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        # one character, or a short chunk, repeated to 32+ bytes
        st.text(
            alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=3
        ).map(lambda chunk: chunk * (40 // len(chunk) + 1)),
        # runs of the alphabet or digits
        st.integers(0, 20).map(lambda i: ("abcdefghijklmnopqrstuvwxyz" * 3)[i : i + 36]),
        st.integers(0, 9).map(lambda i: ("0123456789" * 6)[i : i + 40]),
        # common words, repeated
        st.sampled_from(["password", "letmein", "qwerty", "dragon", "monkey"]).map(lambda w: w * 6),
    )
)
def test_low_entropy_secrets_are_refused(value: str) -> None:
    s = load_settings(database_url="dynamodb://t?region=us-east-1")
    assert weak_secret_reason(value) is not None
    with pytest.raises(ConfigError, match="FOOTFALL_SECRET_KEY"):
        resolve_secret(s, "secret_key", value)


@pytest.mark.parametrize(
    "generate",
    [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_urlsafe(24),
        lambda: secrets.token_hex(16),
        lambda: secrets.token_hex(32),
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    ],
    ids=["urlsafe-32", "urlsafe-24", "hex-16", "hex-32", "base64-32"],
)
def test_random_secrets_are_accepted(generate: Callable[[], str]) -> None:
    """What the docs tell operators to generate, and what Terraform writes (truly
    random: a seeded generator would be tested on its own few strings)."""
    s = load_settings(database_url="dynamodb://t?region=us-east-1")
    for _ in range(300):
        value = generate()
        assert resolve_secret(s, "admin_token", value) == value


def test_an_empty_secret_file_is_refused_with_a_sentence(tmp_path: Path) -> None:
    s = load_settings(database_url=f"duckdb:///{tmp_path}/x.duckdb")
    for name in ("admin_token", "secret_key"):
        (tmp_path / name).touch()
        with pytest.raises(ConfigError, match=f"FOOTFALL_{name.upper()} .*32 bytes"):
            resolve_secret(s, name, "")


_FULL_DISK = """
import resource, signal, sys
from footfall.config import load_settings, resolve_secret
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (8, 8))
try:
    resolve_secret(load_settings(database_url=sys.argv[1]), "secret_key", "")
except OSError:
    sys.exit(3)
"""


def test_a_failed_first_write_leaves_no_secret_behind(tmp_path: Path) -> None:
    """A write that fails half way (a file-size limit stands in for a full disk) leaves
    no file at all, so the next start generates a whole secret; the old code left an
    empty file that was then read as an empty secret."""
    url = f"duckdb:///{tmp_path}/d/x.duckdb"
    run = [sys.executable, "-c", _FULL_DISK, url]
    assert subprocess.run(run, check=False, timeout=60).returncode == 3
    assert [p.name for p in (tmp_path / "d").iterdir()] == []
    secret = resolve_secret(load_settings(database_url=url), "secret_key", "")
    assert len(secret) >= 32


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    s = load_settings(database_url=f"duckdb:///{tmp_path}/x.duckdb")
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: resolve_secret(s, "secret_key", ""), range(32)))
    assert len(found) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary left


def test_removed_trust_setting_fails_with_a_sentence() -> None:
    with pytest.raises(ConfigError, match="FOOTFALL_TRUSTED_PROXIES"):
        load_settings(trust_forwarded_for=True)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("trusted_proxies", "10.0.0.0/33"), ("trusted_proxies", "alb"), ("metrics_listen", "9100")],
)
def test_bad_edge_settings_fail_with_a_sentence(setting: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"FOOTFALL_{setting.upper()}"):
        load_settings(**{setting: value})


def test_embedded_secret_is_generated_once_with_mode_600(tmp_path: Path) -> None:
    s = load_settings(database_url=f"duckdb:///{tmp_path}/d/x.duckdb")
    first = resolve_secret(s, "secret_key", "")
    assert first == resolve_secret(s, "secret_key", "")
    assert len(first) >= 32
    assert (Path(f"{tmp_path}/d/secret_key").stat().st_mode & 0o777) == 0o600


def test_flush_concurrency_is_the_events_backends_unless_set() -> None:
    pg = "postgresql://u@db:5432/f"
    common = {"secret_key": secrets.token_hex(32), "admin_token": secrets.token_hex(32)}
    assert load_settings().flush_writers == 1  # the embedded store: one journal
    assert load_settings(database_url=pg, **common).flush_writers == 4
    assert load_settings(database_url=pg, flush_concurrency=2, **common).flush_writers == 2
    ddb = "dynamodb://footfall?region=eu-west-1"
    assert load_settings(database_url=pg, events_url=ddb, **common).flush_writers == 1


def test_only_the_embedded_store_flushes_on_a_quiet_moment() -> None:
    """Its commit is a journal append; a server store's is a transaction or a batch."""
    pg = "postgresql://u@db:5432/f"
    ddb = "dynamodb://footfall?region=eu-west-1"
    common = {"secret_key": secrets.token_hex(32), "admin_token": secrets.token_hex(32)}
    assert load_settings().flush_quiet == 0.0005
    assert load_settings(database_url=pg, **common).flush_quiet == 0
    assert load_settings(database_url=pg, events_url=ddb, **common).flush_quiet == 0


def test_url_paths() -> None:
    assert path_from_url("duckdb:///./footfall-data/x.duckdb") == "./footfall-data/x.duckdb"
    assert path_from_url("duckdb:////var/lib/x.duckdb") == "/var/lib/x.duckdb"


def test_secrets_can_be_read_from_ssm() -> None:
    """``ssm:/name`` reads a SecureString at start (the Lambda layout), and what it
    holds is checked like any other secret: a placeholder there is refused."""
    from tests.backends import AWS_ENDPOINT, use_moto

    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    use_moto()
    import boto3

    ssm = boto3.client("ssm")
    prefix = f"/footfall-test-{secrets.token_hex(4)}"
    good, placeholder = secrets.token_urlsafe(32), PLACEHOLDERS[0]
    ssm.put_parameter(Name=f"{prefix}/secret-key", Value=good, Type="SecureString")
    ssm.put_parameter(Name=f"{prefix}/admin-token", Value=placeholder, Type="SecureString")
    s = load_settings(database_url="dynamodb://t?region=us-east-1")
    assert resolve_secret(s, "secret_key", f"ssm:{prefix}/secret-key") == good
    with pytest.raises(ConfigError, match=rf"SSM parameter {prefix}/admin-token\) looks like"):
        resolve_secret(s, "admin_token", f"ssm:{prefix}/admin-token")
    with pytest.raises(ConfigError, match="cannot read SSM parameter"):
        resolve_secret(s, "admin_token", f"ssm:{prefix}/missing")


_SERVER_START = """
import sys
from footfall.config import load_settings
from footfall.errors import ConfigError
from footfall.web.app import create_app
for secret in ("password" * 6, ""):  # a weak one, then one generated in the data directory
    try:
        app = create_app(load_settings(database_url=sys.argv[1], secret_key=secret))
    except ConfigError as exc:
        print("refused:", exc.detail)
    else:
        app.state.services.stores.close()
        print("started")
    print("zxcvbn" in sys.modules, "cryptography" in sys.modules)
"""


def test_a_server_checks_its_secrets_then_unloads_zxcvbn(tmp_path: Path) -> None:
    """zxcvbn's word lists (~11 MB) are gone after the start's checks (config.secret_checks),
    whether the start succeeded or refused a weak secret; cryptography (~6 MB, 2FA's
    secrets at rest: accounts/totp.py) waits for a first enrolment or login with 2FA."""
    out = subprocess.run(
        [sys.executable, "-c", _SERVER_START, f"duckdb:///{tmp_path}/x.duckdb"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert out[0].startswith("refused: FOOTFALL_SECRET_KEY") and "entropy" in out[0]
    assert out[1:] == ["False False", "started", "False False"]
