"""The dev stack (deploy/terraform/environments/dev) applied to the test moto_server,
then the app booted from the task definition that stack registered: events in, stats
out, the archive written to the stack's bucket, then destroy.

Both roots are pointed at moto by scripts/infra/moto_override.sh and take the
variables of scripts/infra/moto-*.tfvars, as ``make infra-check`` does (every provider
alias at moto, the S3 backend made local). Applied: the bootstrap root's image
repository of dev (the task definition reads it as a data source), then, in dev,
``-target`` the DynamoDB table, the archive bucket, the SSM secret parameters and the
ECS task definition (Terraform adds what those depend on: the task and execution roles
and policies, the log group, and, through the service module's
``depends_on``, the network and the ALB). Not applied: the ECS service, its
autoscaling, the alarms. moto cannot run a container, and the service's autoscaling
needs the patches of scripts/infra/moto_stub.py, whose full apply, second plan and
destroy of dev run in ``make infra-check``. The archive bucket's TLS-only policy is
removed before the app runs (``without_tls_only_policy``: moto ignores its condition).
Everything the container would see comes from this stack: the environment and
secret names are read back from moto's ECS (``DescribeTaskDefinition``), the secret
values from moto's SSM, as the ECS agent would; only the address changes (loopback, a
free port) and boto3 is pointed at moto (``AWS_ENDPOINT_URL``, dummy credentials, and
the ``AWS_REGION`` Fargate sets).

Needs terraform and the AWS provider mirror (TF_PLUGIN_MIRROR, as
scripts/infra/check.sh), and the moto_server `make test` starts; fails without them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import httpx
import pytest

from tests.backends import AWS_ENDPOINT
from tests.deploy.terraform import ROOT, create_key, workspace
from tests.integration.conftest import Server, free_port
from tests.support import parquet_rows

REGION = "us-east-1"
# The smallest part of the stack that holds everything the task definition names.
TARGETS = [
    "module.table",
    "module.archive",
    "aws_ssm_parameter.secret",
    "module.service.aws_ecs_task_definition.this",
]
# Of the bootstrap root: dev's image repository (the task definition names its URL).
# Its IAM roles need AWS managed policies, which this moto_server does not load.
BOOTSTRAP_TARGETS = ['module.ecr["dev"]']
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@dataclass
class Stack:
    terraform: str
    directory: Path
    env: dict[str, str]
    var_file: Path

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.terraform, f"-chdir={self.directory}", *args, "-no-color"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        return done.stdout

    def output(self, name: str) -> object:
        return json.loads(self.run("output", "-json", name))

    def apply(self, *targets: str) -> None:
        """init, then apply (only ``targets`` if given), as scripts/infra/check.sh."""
        self.run("init", "-input=false")
        self.run("apply", "-auto-approve", "-input=false", *self._args(targets))

    def destroy(self, *targets: str) -> None:
        self.run("destroy", "-auto-approve", "-input=false", *self._args(targets))

    def _args(self, targets: tuple[str, ...]) -> list[str]:
        return [f"-var-file={self.var_file}", *(f"-target={t}" for t in targets)]


def moto_root(terraform: str, env: dict[str, str], directory: Path, label: str) -> Stack:
    """A Terraform root of the copy pointed at moto by the script check.sh uses
    (every provider alias at moto, the S3 backend made local), with its own data
    directory and the variables of check.sh's moto apply."""
    moto_override = ROOT / "scripts" / "infra" / "moto_override.sh"
    subprocess.run(["bash", str(moto_override), str(directory), AWS_ENDPOINT], check=True)
    var_file = ROOT / "scripts" / "infra" / f"moto-{label}.tfvars"
    return Stack(
        terraform, directory, env | {"TF_DATA_DIR": str(directory / ".terraform")}, var_file
    )


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The bootstrap root (it creates the image repository dev reads), then the dev
    environment (targets above), applied to moto_server; both destroyed after."""
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    work = tmp_path_factory.mktemp("dev-stack")
    terraform, env = workspace(work)
    bootstrap = moto_root(terraform, env, work / "terraform" / "bootstrap", "bootstrap")
    dev = moto_root(terraform, env, work / "terraform" / "environments" / "dev", "dev")
    bootstrap.apply(*BOOTSTRAP_TARGETS)
    try:
        dev.apply(*TARGETS)
        try:
            yield dev
        finally:
            dev.destroy(*TARGETS)
    finally:
        bootstrap.destroy(*BOOTSTRAP_TARGETS)


def task_container(family: str) -> dict[str, dict[str, str]]:
    """``{"environment": {name: value}, "secrets": {name: valueFrom}}`` of the task
    definition's only container, as ECS stores it."""
    ecs = boto3.client("ecs", region_name=REGION)
    found = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    (container,) = found["containerDefinitions"]
    return {
        "environment": {e["name"]: e["value"] for e in container.get("environment", [])},
        "secrets": {s["name"]: s["valueFrom"] for s in container.get("secrets", [])},
    }


def resolve(value_from: str) -> str:
    """A secret's value, as the ECS agent reads it: an SSM parameter ARN."""
    assert value_from.startswith(f"arn:aws:ssm:{REGION}:"), value_from
    name = "/" + value_from.split(":parameter/", 1)[1]
    ssm = boto3.client("ssm", region_name=REGION)
    value: str = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    return value


def without_tls_only_policy(bucket: str) -> None:
    """Remove the bucket's policy, once it is seen to be the TLS-only deny alone. moto
    applies a bucket policy's Deny without its Condition (moto/iam/access_control.py
    has no conditions), so this policy denies every request, where S3 denies only
    plain-HTTP ones and the app speaks HTTPS; moto here speaks plain HTTP."""
    s3 = boto3.client("s3", region_name=REGION)
    (statement,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    s3.delete_bucket_policy(Bucket=bucket)


def test_the_dev_task_definition_boots_against_the_dev_stack(
    dev_stack: Stack, tmp_path: Path
) -> None:
    family = dev_stack.output("task_definition_family")
    assert isinstance(family, str)
    container = task_container(family)
    assert container == dev_stack.output("container_environment")
    environment, secret_refs = container["environment"], container["secrets"]
    table_url = environment["FOOTFALL_DATABASE_URL"]
    assert table_url == f"dynamodb://{dev_stack.output('table_name')}?region={REGION}"
    archive_url = environment["FOOTFALL_ARCHIVE_URL"]
    assert archive_url == dev_stack.output("archive_url")
    bucket, prefix = urlsplit(archive_url).netloc, urlsplit(archive_url).path.strip("/")
    without_tls_only_policy(bucket)

    # The operator's one step (docs/deploy.md): real values over the placeholders.
    parameters = dev_stack.output("secret_parameter_names")
    assert isinstance(parameters, dict)
    ssm = boto3.client("ssm", region_name=REGION)
    for name in parameters.values():
        ssm.put_parameter(Name=name, Value=secrets.token_urlsafe(32), Overwrite=True)
    resolved = {name: resolve(ref) for name, ref in secret_refs.items()}
    assert sorted(resolved) == ["FOOTFALL_ADMIN_TOKEN", "FOOTFALL_SECRET_KEY"]

    port = free_port()
    env = environment | resolved | {"FOOTFALL_HOST": "127.0.0.1", "FOOTFALL_PORT": str(port)}
    # Nothing else of this machine's FOOTFALL_* settings leaks in; boto3 reaches moto.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FOOTFALL_", "AWS_"))}
    aws = {
        "AWS_ENDPOINT_URL": AWS_ENDPOINT,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,  # Fargate sets it in every task
    }
    server = Server(tmp_path, port, base | env | aws)
    server.start(timeout=60)
    try:
        assert server.cli("site", "add", "dev.example").returncode == 0
        ingest, stats = (create_key(server, "dev.example", s) for s in ("ingest", "stats"))
        now = datetime.now(UTC)
        yesterday = (now - timedelta(days=1)).replace(hour=12, minute=0, second=0)
        sent = [
            _event("/", yesterday, "198.51.100.1"),
            _event("/pricing", yesterday + timedelta(minutes=1), "198.51.100.1"),
            _event("/", yesterday + timedelta(minutes=2), "198.51.100.2"),
            _event("/docs", now, "198.51.100.3"),
        ]
        answer = httpx.post(
            f"{server.url}/api/v1/track/batch",
            headers={"x-api-key": ingest},
            json={"events": sent},
            timeout=30,
        )
        assert answer.status_code == 202 and answer.json()["processed"] == 4, answer.text
        asked = httpx.post(
            f"{server.url}/api/v2/query",
            headers={"authorization": f"Bearer {stats}"},
            json={
                "site_id": "dev.example",
                "metrics": ["visitors", "pageviews"],
                "date_range": [yesterday.date().isoformat(), now.date().isoformat()],
            },
            timeout=30,
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["results"] == [{"metrics": [3, 4], "dimensions": []}]

        archived = server.cli("archive")
        assert archived.returncode == 0, archived.stderr
    finally:
        server.stop()

    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    day = yesterday.date().isoformat()
    assert len(keys) == 1 and keys[0].startswith(f"{prefix}/site_id=")
    assert keys[0].endswith(f"/date={day}/events.parquet"), keys
    body = s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read()
    rows = parquet_rows(body)
    assert sorted(str(r["pathname"]) for r in rows) == ["/", "/", "/pricing"]


def _event(path: str, at: datetime, ip: str) -> dict[str, str]:
    return {
        "url": f"https://dev.example{path}",
        "ip": ip,
        "user_agent": UA,
        "timestamp": at.isoformat(),
    }
