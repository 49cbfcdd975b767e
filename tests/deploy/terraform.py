"""Terraform for the deploy tests: a copy of deploy/terraform and an environment that
takes providers from the local mirror only (as scripts/infra/check.sh), and the API
key helper both boot tests use."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.integration.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
MIRROR = os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins")


def workspace(work: Path) -> tuple[str, dict[str, str]]:
    """Copy deploy/terraform into ``work``; the terraform binary and its environment."""
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not on PATH (scripts/infra/check.sh needs it too)"
    assert Path(MIRROR).is_dir(), f"no Terraform provider mirror at {MIRROR}"
    shutil.copytree(ROOT / "deploy" / "terraform", work / "terraform")
    rc = work / "terraform.rc"
    rc.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n'
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n'
    )
    return terraform, os.environ | {
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_DATA_DIR": str(work / "data"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }


def create_key(server: Server, domain: str, scopes: str) -> str:
    made = server.cli("key", "create", "--site", domain, "--scopes", scopes, "--json")
    assert made.returncode == 0, made.stderr
    key: str = json.loads(made.stdout)["key"]
    return key
