"""A stand-in for the ``aws`` and ``docker`` commands that scripts/deploy/*.sh call,
over a JSON state file (FAKE_AWS_STATE): an ECS service whose deployments advance one
step of ``script`` per describe-services, ECR images, and a log of every call.

Installed on PATH as ``aws`` and ``docker`` by tests/deploy/test_deploy_scripts.py.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

STATE = Path(os.environ["FAKE_AWS_STATE"])


def arg(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def main(argv: list[str]) -> int:
    tool = Path(argv[1]).name  # the shim passes its own path ($0) first
    args = argv[2:]
    state: dict[str, Any] = json.loads(STATE.read_text())
    state["calls"].append([tool, *args[:2]])
    out: object = None
    code = 0
    if tool == "docker":
        if args[0] == "push":
            state["images"].append(args[1].rsplit(":", 1)[1])
    elif args[:2] == ["ecr", "describe-images"]:
        tag = arg(args, "--image-ids").removeprefix("imageTag=")
        code = 0 if tag in state["images"] else 254
        out = {"imageDetails": [{"imageTags": [tag]}]} if code == 0 else None
    elif args[:2] == ["ecs", "describe-task-definition"]:
        wanted = arg(args, "--task-definition")
        out = {"taskDefinition": state["taskdefs"][wanted]}
    elif args[:2] == ["ecs", "register-task-definition"]:
        definition = json.loads(arg(args, "--cli-input-json"))
        number = len(state["taskdefs"]) + 1
        revision = f"arn:aws:ecs:us-east-1:1:task-definition/{definition['family']}:{number}"
        state["taskdefs"][revision] = definition | {"taskDefinitionArn": revision}
        state["registered"].append(definition)
        out = {"taskDefinition": state["taskdefs"][revision]}
    elif args[:2] == ["ecs", "update-service"]:
        revision = arg(args, "--task-definition")
        for d in state["deployments"]:
            d["status"] = "ACTIVE"
        state["deployments"].insert(
            0,
            {
                "id": "ecs-svc/new",
                "status": "PRIMARY",
                "taskDefinition": revision,
                "rolloutState": "IN_PROGRESS",
                "runningCount": 0,
                "desiredCount": 2,
            },
        )
        state["previous"], state["current"] = state["current"], revision
        out = {"service": {"deployments": state["deployments"]}}
    elif args[:2] == ["ecs", "describe-services"]:
        new = next((d for d in state["deployments"] if d["id"] == "ecs-svc/new"), None)
        if new is not None and state["script"]:
            step = state["script"].pop(0)
            if step == "ROLLBACK":  # the circuit breaker gave up: back to the old one
                state["deployments"] = [d for d in state["deployments"] if d is not new]
                state["deployments"][0]["status"] = "PRIMARY"
                state["current"] = state["previous"]
            else:
                new["rolloutState"] = step
                new["runningCount"] = 2 if step == "COMPLETED" else 1
                if step == "FAILED":
                    new["rolloutStateReason"] = (
                        "ECS deployment circuit breaker: tasks failed to start."
                    )
        out = {
            "services": [{"taskDefinition": state["current"], "deployments": state["deployments"]}]
        }
    else:
        print(f"fake aws: unexpected call {args}", file=sys.stderr)
        code = 2
    STATE.write_text(json.dumps(state))
    if out is not None:
        print(json.dumps(out))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
