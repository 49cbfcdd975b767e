#!/usr/bin/env bash
# Plan or apply one environment the way the pipeline does.
#
#   scripts/deploy/terraform.sh plan  ENV IMAGE_TAG   # writes ENV.tfplan and ENV.plan.txt
#   scripts/deploy/terraform.sh apply ENV             # applies the saved ENV.tfplan
#
# The state lives in the bootstrap bucket (TF_STATE_BUCKET) under ENV/. An
# apply runs exactly the plan the reviewers approved; when that plan is stale
# because it was applied already (a re-run), a fresh plan must be empty, and
# then there is nothing left to do.
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 plan|apply ENV [IMAGE_TAG]" >&2; exit 2; }
ACTION="$1" ENV="$2"
DIR="deploy/terraform/environments/$ENV"
[[ -d "$DIR" ]] || { echo "no environment $ENV" >&2; exit 2; }
: "${TF_STATE_BUCKET:?set TF_STATE_BUCKET to the bootstrap state bucket}"
PLAN="$PWD/$ENV.tfplan"

# GitHub passes an unset variable as "": to Terraform that is a value (an empty
# certificate ARN would turn HTTPS on), so empty TF_VAR_s are dropped.
while IFS= read -r name; do
  [[ -z "${!name}" ]] && unset "$name"
done < <(compgen -e | grep '^TF_VAR_' || true)

terraform -chdir="$DIR" init -input=false -no-color -lockfile=readonly \
  -backend-config="bucket=$TF_STATE_BUCKET" -backend-config="region=${AWS_REGION:-us-east-1}"

case "$ACTION" in
  plan)
    [[ $# -eq 3 ]] || { echo "usage: $0 plan ENV IMAGE_TAG" >&2; exit 2; }
    terraform -chdir="$DIR" plan -input=false -no-color -var "image_tag=$3" -out="$PLAN"
    terraform -chdir="$DIR" show -no-color "$PLAN" >"$ENV.plan.txt"
    ;;
  apply)
    [[ -f "$PLAN" ]] || { echo "no saved plan $PLAN" >&2; exit 2; }
    if terraform -chdir="$DIR" apply -input=false -no-color "$PLAN" 2>"$ENV.apply.err"; then
      exit 0
    fi
    cat "$ENV.apply.err" >&2
    grep -q 'Saved plan is stale' "$ENV.apply.err" || exit 1
    echo "the saved plan is stale; applied already if a fresh plan is empty" >&2
    terraform -chdir="$DIR" plan -input=false -no-color -detailed-exitcode -var "image_tag=${IMAGE_TAG:?}" >/dev/null
    echo "nothing left to apply"
    ;;
  *)
    echo "unknown action $ACTION" >&2
    exit 2
    ;;
esac
