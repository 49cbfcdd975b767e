"""The deploy pipeline's logic, offline: scripts/deploy/rollout.sh and push-image.sh
run against a fake ``aws`` and ``docker`` on PATH (tests/deploy/fake_aws.py) that
play an ECS service and an ECR repository.

What deploy.yml relies on: a rollout waits for its deployment's rolloutState and fails
on FAILED or on a circuit-breaker rollback; re-running a finished deploy changes
nothing (no second push of the immutable :sha tag, no new revision).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OLD = "123456789012.dkr.ecr.us-east-1.amazonaws.com/footfall:aaaa"
NEW = "123456789012.dkr.ecr.us-east-1.amazonaws.com/footfall:bbbb"
CURRENT = "arn:aws:ecs:us-east-1:1:task-definition/footfall:1"


def taskdef(image: str, arn: str = CURRENT) -> dict[str, Any]:
    return {
        "taskDefinitionArn": arn,
        "family": "footfall",
        "revision": 1,
        "status": "ACTIVE",
        "executionRoleArn": "arn:aws:iam::1:role/exec",
        "taskRoleArn": "arn:aws:iam::1:role/task",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "app",
                "image": image,
                "secrets": [{"name": "FOOTFALL_SECRET_KEY", "valueFrom": "arn:aws:ssm:x"}],
                "readonlyRootFilesystem": True,
            },
            {"name": "sidecar", "image": "public.ecr.aws/sidecar:1"},
        ],
    }


@pytest.fixture
def fake(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """(state file, environment with the fake aws and docker first on PATH)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("aws", "docker"):
        shim = bin_dir / tool
        shim.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{ROOT}/tests/deploy/fake_aws.py" "$0" "$@"\n'
        )
        # argv[0] of the shim is its own path: fake_aws.py tells the tools apart by name.
        shim.chmod(0o755)
    state = tmp_path / "state.json"
    env = os.environ | {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_AWS_STATE": str(state),
        "ROLLOUT_POLL_SECONDS": "0",
        "ROLLOUT_MAX_POLLS": "20",
    }
    env.pop("GITHUB_OUTPUT", None)
    return state, env


def service(state: Path, *, image: str, rollout: str, script: list[str], images: list[str]) -> None:
    state.write_text(
        json.dumps(
            {
                "calls": [],
                "registered": [],
                "images": images,
                "script": script,
                "current": CURRENT,
                "previous": None,
                "taskdefs": {CURRENT: taskdef(image)},
                "deployments": [
                    {
                        "id": "ecs-svc/old",
                        "status": "PRIMARY",
                        "taskDefinition": CURRENT,
                        "rolloutState": rollout,
                        "runningCount": 2,
                        "desiredCount": 2,
                    }
                ],
            }
        )
    )


def run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "deploy" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def calls(state: Path) -> list[list[str]]:
    found: list[list[str]] = json.loads(state.read_text())["calls"]
    return found


@pytest.mark.parametrize(
    "script",
    [["COMPLETED"], ["IN_PROGRESS", "COMPLETED"], ["IN_PROGRESS"] * 5 + ["COMPLETED"]],
    ids=["at-once", "after-one-poll", "after-five-polls"],
)
def test_a_rollout_waits_for_completed(
    fake: tuple[Path, dict[str, str]], script: list[str]
) -> None:
    state, env = fake
    service(state, image=OLD, rollout="COMPLETED", script=script, images=["aaaa", "bbbb"])
    done = run("rollout.sh", env, "ff", "ff", "app", NEW)
    assert done.returncode == 0, done.stderr
    saved = json.loads(state.read_text())
    [registered] = saved["registered"]
    app, sidecar = registered["containerDefinitions"]
    assert app["image"] == NEW and sidecar["image"] == "public.ecr.aws/sidecar:1"
    # Everything else of the revision Terraform made stays: secrets, roles, settings.
    assert app["secrets"] == taskdef(OLD)["containerDefinitions"][0]["secrets"]
    assert registered["executionRoleArn"] == "arn:aws:iam::1:role/exec"
    assert "taskDefinitionArn" not in registered and "status" not in registered
    assert saved["script"] == []  # it polled until the end, not once
    assert [c[1:] for c in calls(state)].count(["ecs", "update-service"]) == 1


def test_a_failed_rollout_fails_the_deploy(fake: tuple[Path, dict[str, str]]) -> None:
    state, env = fake
    service(state, image=OLD, rollout="COMPLETED", script=["IN_PROGRESS", "FAILED"], images=[])
    done = run("rollout.sh", env, "ff", "ff", "app", NEW)
    assert done.returncode == 1
    assert "failed" in done.stderr and "circuit breaker" in done.stderr


def test_a_circuit_breaker_rollback_fails_the_deploy(fake: tuple[Path, dict[str, str]]) -> None:
    state, env = fake
    service(state, image=OLD, rollout="COMPLETED", script=["IN_PROGRESS", "ROLLBACK"], images=[])
    done = run("rollout.sh", env, "ff", "ff", "app", NEW)
    assert done.returncode == 1 and "rolled back" in done.stderr


def test_a_rollout_that_never_ends_fails(fake: tuple[Path, dict[str, str]]) -> None:
    state, env = fake
    service(state, image=OLD, rollout="COMPLETED", script=["IN_PROGRESS"] * 50, images=[])
    done = run("rollout.sh", env, "ff", "ff", "app", NEW)
    assert done.returncode == 1 and "did not finish" in done.stderr


def test_rerunning_a_finished_rollout_changes_nothing(fake: tuple[Path, dict[str, str]]) -> None:
    state, env = fake
    service(state, image=NEW, rollout="COMPLETED", script=[], images=["bbbb"])
    done = run("rollout.sh", env, "ff", "ff", "app", NEW)
    assert done.returncode == 0 and "nothing to do" in done.stdout
    assert not any(c[2] in ("register-task-definition", "update-service") for c in calls(state))


def test_a_rollout_of_the_same_image_still_in_progress_is_waited_for(
    fake: tuple[Path, dict[str, str]],
) -> None:
    """A re-run while the first run's deployment is still going registers its own and
    waits too: it never reports success before ECS does."""
    state, env = fake
    service(state, image=NEW, rollout="IN_PROGRESS", script=["COMPLETED"], images=["bbbb"])
    done = run("rollout.sh", env, "ff", "ff", "app", NEW)
    assert done.returncode == 0
    assert [c[1:] for c in calls(state)].count(["ecs", "update-service"]) == 1


def test_the_image_is_pushed_once(fake: tuple[Path, dict[str, str]]) -> None:
    state, env = fake
    service(state, image=OLD, rollout="COMPLETED", script=[], images=["aaaa"])
    url = NEW.rsplit(":", 1)[0]
    for _ in range(3):  # the first run and two re-runs
        done = run("push-image.sh", env, url, "bbbb")
        assert done.returncode == 0, done.stderr
    docker = [c for c in calls(state) if c[0] == "docker"]
    assert [c[1] for c in docker] == ["build", "push"]
    assert json.loads(state.read_text())["images"] == ["aaaa", "bbbb"]
