#!/usr/bin/env bash
# Roll an ECS service onto IMAGE and wait for the deployment to finish.
#
#   scripts/deploy/rollout.sh CLUSTER SERVICE CONTAINER IMAGE
#
# Registers a revision of the service's current task definition with IMAGE in
# CONTAINER, updates the service, then polls the deployment ECS started until
# its rolloutState is COMPLETED (exit 0) or FAILED, or until the circuit
# breaker rolled back to the previous revision (exit 1). Idempotent: when the
# service's primary deployment already runs IMAGE and is COMPLETED, nothing is
# registered or updated (a re-run of a finished deploy succeeds).
#
# Needs aws and jq. ROLLOUT_POLL_SECONDS (15) and ROLLOUT_MAX_POLLS (120, i.e.
# 30 minutes) bound the wait.
set -euo pipefail

[[ $# -eq 4 ]] || { echo "usage: $0 CLUSTER SERVICE CONTAINER IMAGE" >&2; exit 2; }
CLUSTER="$1" SERVICE="$2" CONTAINER="$3" IMAGE="$4"
POLL="${ROLLOUT_POLL_SECONDS:-15}"
MAX_POLLS="${ROLLOUT_MAX_POLLS:-120}"

describe_service() {
  aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --output json \
    | jq -e '.services[0]'
}

image_of() { # task definition ARN -> image of CONTAINER
  aws ecs describe-task-definition --task-definition "$1" --output json \
    | jq -r --arg c "$CONTAINER" '.taskDefinition.containerDefinitions[] | select(.name == $c) | .image'
}

service="$(describe_service)"
current="$(jq -r '.taskDefinition' <<<"$service")"
primary="$(jq -r '.deployments[] | select(.status == "PRIMARY")' <<<"$service")"
if [[ "$(image_of "$current")" == "$IMAGE" && "$(jq -r '.rolloutState' <<<"$primary")" == "COMPLETED" ]]; then
  echo "$SERVICE already runs $IMAGE ($current): nothing to do"
  exit 0
fi

# The current revision with the new image; everything else (secrets, roles,
# health check) stays as Terraform made it.
definition="$(aws ecs describe-task-definition --task-definition "$current" --output json \
  | jq --arg c "$CONTAINER" --arg i "$IMAGE" '.taskDefinition
      | .containerDefinitions |= map(if .name == $c then .image = $i else . end)
      | {family, taskRoleArn, executionRoleArn, networkMode, containerDefinitions, volumes,
         placementConstraints, requiresCompatibilities, cpu, memory, runtimePlatform,
         ephemeralStorage}
      | with_entries(select(.value != null))')"
jq -e --arg c "$CONTAINER" 'any(.containerDefinitions[]; .name == $c)' <<<"$definition" >/dev/null \
  || { echo "no container named $CONTAINER in $current" >&2; exit 1; }
revision="$(aws ecs register-task-definition --cli-input-json "$definition" --output json \
  | jq -r '.taskDefinition.taskDefinitionArn')"
echo "registered $revision"

deployment="$(aws ecs update-service --cluster "$CLUSTER" --service "$SERVICE" \
  --task-definition "$revision" --output json \
  | jq -r --arg r "$revision" '.service.deployments[] | select(.taskDefinition == $r) | .id' | tail -n 1)"
[[ -n "$deployment" ]] || { echo "ECS started no deployment of $revision" >&2; exit 1; }
echo "deployment $deployment started"

for ((i = 1; i <= MAX_POLLS; i++)); do
  service="$(describe_service)"
  ours="$(jq -c --arg d "$deployment" '.deployments[] | select(.id == $d)' <<<"$service")"
  if [[ -z "$ours" ]]; then
    # Gone from the list: the circuit breaker rolled back and ECS dropped it.
    echo "deployment $deployment was rolled back (now on $(jq -r '.taskDefinition' <<<"$service"))" >&2
    exit 1
  fi
  state="$(jq -r '.rolloutState' <<<"$ours")"
  reason="$(jq -r '.rolloutStateReason // ""' <<<"$ours")"
  echo "[$i/$MAX_POLLS] $state: $(jq -r '"\(.runningCount)/\(.desiredCount) running"' <<<"$ours") $reason"
  case "$state" in
    COMPLETED)
      echo "$SERVICE runs $IMAGE"
      exit 0
      ;;
    FAILED)
      echo "deployment $deployment failed: $reason" >&2
      exit 1
      ;;
  esac
  sleep "$POLL"
done
echo "deployment $deployment did not finish after $MAX_POLLS polls" >&2
exit 1
