"""``footfall user`` on a stopped server: the CLI opens the store itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.store.registry import open_stores

SECRET = "cli-test-signing-Jq7vX2mRk9LpZ4wT8nBc3Hs"


def cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env |= {
        "FOOTFALL_DATABASE_URL": f"duckdb:///{tmp_path}/data/footfall.duckdb",
        "FOOTFALL_SECRET_KEY": SECRET,
        "FOOTFALL_ADMIN_TOKEN": "cli-test-admin-Vb8nM3xQ7rT2kL9pW4zH6cJ1",
    }
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_user_add_list_remove_on_the_local_store(tmp_path: Path) -> None:
    added = cli(
        tmp_path,
        "user",
        "add",
        "Boss@Example.com",
        "--role",
        "owner",
        "--password-stdin",
        stdin="boss password 1\n",
    )
    assert added.returncode == 0, added.stderr
    assert cli(tmp_path, "site", "add", "example.com").returncode == 0
    viewer = cli(
        tmp_path,
        "user",
        "add",
        "v@example.com",
        "--site",
        "example.com",
        "--password-stdin",
        stdin="viewer password\n",
    )
    assert viewer.returncode == 0, viewer.stderr
    listing = cli(tmp_path, "user", "list").stdout.splitlines()
    assert listing == ["boss@example.com\towner\t", "v@example.com\t-\texample.com:viewer"]
    short = cli(tmp_path, "user", "add", "x@example.com", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert "at least 10 characters" in short.stderr
    weak = "password123\n"
    common = cli(tmp_path, "user", "add", "x@example.com", "--password-stdin", stdin=weak)
    assert common.returncode == 1 and "too easy to guess" in common.stderr
    assert cli(tmp_path, "user", "remove", "v@example.com").returncode == 0
    assert cli(tmp_path, "user", "remove", "v@example.com").returncode == 1

    stores = open_stores(f"duckdb:///{tmp_path}/data/footfall.duckdb")
    try:
        user = AccountService(stores, SECRET).authenticate(
            "boss@example.com", "boss password 1", "ip"
        )
        assert user.role is Role.OWNER
    finally:
        stores.close()


def test_password_prompt_asks_twice(tmp_path: Path) -> None:
    r = cli(tmp_path, "user", "add", "p@example.com", stdin="prompted pass 1\nprompted pass 1\n")
    assert r.returncode == 0, r.stderr
    mismatch = cli(tmp_path, "user", "add", "q@example.com", stdin="first one 123\nsecond 12345\n")
    assert mismatch.returncode != 0
