#!/usr/bin/env bash
# Offline infrastructure checks: terraform fmt/validate/test, checkov,
# hadolint, actionlint, zizmor, shellcheck, and an apply/plan/destroy of the
# bootstrap root and both environments (dev and prod, at once) against
# moto_server on loopback.
#
# Needs: terraform on PATH, the AWS provider in a filesystem mirror
# (TF_PLUGIN_MIRROR, default /opt/tf-plugins), python3 with venv, and PyPI for
# the first run. Never downloads providers or modules.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

TF_DIR="deploy/terraform"
TOOLS="$ROOT/.tools"
INFRA_VENV="$TOOLS/infra-venv"
CHECKOV_VENV="$TOOLS/checkov-venv"
REQS="scripts/infra/requirements.txt"
CHECKOV_REQS="scripts/infra/requirements-checkov.txt"
MIRROR="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
PYTHON="${PYTHON:-python3}"

START=$(date +%s)
WORK="$(mktemp -d)"
MOTO_PID=""
SUMMARY=()

cleanup() {
  if [[ -n "$MOTO_PID" ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }
ok() {
  SUMMARY+=("ok    $1 ($(($(date +%s) - $2))s)")
}

# ---------------------------------------------------------------- tools ---
# A venv is (re)installed only when its requirements file changed since the
# last install: the stamp holds the file's hash.
ensure_venv() {
  local venv="$1" reqs="$2" stamp hash
  stamp="$venv/.requirements.sha256"
  hash="$(sha256sum "$reqs" | cut -d' ' -f1)"
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    return 0
  fi
  echo "installing $reqs into ${venv#"$ROOT"/}"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
  echo "$hash" >"$stamp"
}

t=$(date +%s)
step "Tools"
command -v terraform >/dev/null || { echo "terraform not found on PATH" >&2; exit 1; }
# No `cmd | head` under pipefail: head exits after one line, the writer dies
# of SIGPIPE now and then and pipefail turns that into a failed check.
# Read the whole output and keep the first line in the shell instead.
mapfile -t PROVIDER_BINS < <(find "$MIRROR" -name 'terraform-provider-aws*' -type f 2>/dev/null | sort)
PROVIDER_BIN="${PROVIDER_BINS[0]:-}"
[[ -n "$PROVIDER_BIN" ]] || { echo "no AWS provider under $MIRROR" >&2; exit 1; }
ensure_venv "$INFRA_VENV" "$REQS"
ensure_venv "$CHECKOV_VENV" "$CHECKOV_REQS"
BIN="$INFRA_VENV/bin"
TF_VERSION="$(terraform version)"
echo "${TF_VERSION%%$'\n'*}"
echo "provider: ${PROVIDER_BIN#"$MIRROR"/}"
ok "tools" "$t"

# Providers come from the local mirror only.
export TF_CLI_CONFIG_FILE="$WORK/terraform.rc"
cat >"$TF_CLI_CONFIG_FILE" <<EOF
provider_installation {
  filesystem_mirror {
    path = "$MIRROR"
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
EOF
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

mapfile -t TF_ROOTS < <(find "$TF_DIR/modules" "$TF_DIR/environments" -mindepth 1 -maxdepth 1 -type d | sort)
TF_ROOTS+=("$TF_DIR/bootstrap" examples/lambda-counter/terraform)

# ------------------------------------------------------- fmt / validate ---
t=$(date +%s)
step "terraform fmt, module READMEs"
terraform fmt -check -recursive -diff "$TF_DIR"
terraform fmt -check -recursive -diff examples
"$BIN/python" scripts/infra/tf_docs.py --check
ok "terraform fmt + README tables" "$t"

t=$(date +%s)
step "terraform init + validate (${#TF_ROOTS[@]} roots)"
for dir in "${TF_ROOTS[@]}"; do
  # Keep .terraform out of the work tree.
  export TF_DATA_DIR="$WORK/data/${dir//\//_}"
  terraform -chdir="$dir" init -backend=false -input=false -no-color >"$WORK/init.log" 2>&1 \
    || { cat "$WORK/init.log"; exit 1; }
  printf '%-45s ' "$dir"
  terraform -chdir="$dir" validate -no-color | tr -d '\n'
  echo
done
ok "terraform validate" "$t"

# ----------------------------------------------------------------- tests ---
t=$(date +%s)
step "terraform test"
tests_run=0
for dir in "${TF_ROOTS[@]}"; do
  compgen -G "$dir/tests/*.tftest.hcl" >/dev/null || continue
  export TF_DATA_DIR="$WORK/data/${dir//\//_}"
  echo "--- $dir"
  if ! terraform -chdir="$dir" test -no-color >"$WORK/test.log" 2>&1; then
    cat "$WORK/test.log"
    exit 1
  fi
  grep -E 'run "|Success!' "$WORK/test.log"
  tests_run=$((tests_run + 1))
done
unset TF_DATA_DIR
ok "terraform test ($tests_run roots)" "$t"

# ------------------------------------------------------------ linters ---
t=$(date +%s)
step "checkov"
CHECKOV=("$CHECKOV_VENV/bin/checkov" --skip-download --quiet --compact)
"${CHECKOV[@]}" -d "$TF_DIR" --framework terraform
"${CHECKOV[@]}" -d examples --framework terraform
"${CHECKOV[@]}" -f deploy/Dockerfile --framework dockerfile
"${CHECKOV[@]}" -d .github/workflows --framework github_actions
ok "checkov" "$t"

t=$(date +%s)
step "hadolint, actionlint, zizmor, shellcheck"
"$BIN/hadolint" deploy/Dockerfile
"$BIN/actionlint" -shellcheck "$BIN/shellcheck" .github/workflows/*.yml
"$BIN/zizmor" --offline --no-progress .github/workflows
mapfile -t SCRIPTS < <(find scripts deploy bench .ci -name '*.sh' -o -name run -path '.ci/*' | sort)
"$BIN/shellcheck" "${SCRIPTS[@]}"
ok "hadolint/actionlint/zizmor/shellcheck" "$t"

# -------------------------------------------------- apply against moto ---
t=$(date +%s)
step "terraform apply / plan / destroy against moto_server"
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ENDPOINT="http://127.0.0.1:$PORT"
# moto attaches AWS managed policies (e.g. the RDS enhanced monitoring role's)
# only when they are loaded; cheap, and keeps optional features appliable.
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$BIN/python" scripts/infra/moto_stub.py "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 100); do
  if "$BIN/python" -c "import urllib.request; urllib.request.urlopen('$ENDPOINT/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$WORK/moto.log"; exit 1; }
  sleep 0.2
done
echo "moto on $ENDPOINT"

# Work on a copy so the override file and state never touch the work tree.
mkdir -p "$WORK/tree"
cp -r "$TF_DIR" "$WORK/tree/"
find "$WORK/tree" \( -name .terraform -o -name '*.tfstate*' -o -name .terraform.lock.hcl \) -prune -exec rm -rf {} +
# The provider pointed at moto replaces the root's own provider block (an
# _override.tf file), and the S3 backend becomes a local one: state of a
# throwaway account stays in the work directory.
write_moto_override() {
  bash "$ROOT/scripts/infra/moto_override.sh" "$1" "$ENDPOINT"
}

# apply and a second plan that must be empty: ROOT_DIR LABEL [-var ...]. Logs go
# to $WORK/LABEL.*.log, so that two roots may run at once.
moto_apply() {
  local dir="$1" label="$2"
  shift 2
  local plan_rc log="$WORK/$label"
  write_moto_override "$dir"
  export TF_DATA_DIR="$WORK/data/moto-$label"
  terraform -chdir="$dir" init -input=false -no-color >"$log.init.log" 2>&1 || { cat "$log.init.log"; return 1; }
  terraform -chdir="$dir" apply -auto-approve -input=false -no-color "$@" >"$log.apply.log" 2>&1 \
    || { cat "$log.apply.log"; tail -50 "$WORK/moto.log"; return 1; }
  echo "$label: $(grep -E '^Apply complete' "$log.apply.log")"
  set +e
  terraform -chdir="$dir" plan -detailed-exitcode -input=false -no-color "$@" >"$log.plan.log" 2>&1
  plan_rc=$?
  set -e
  if [[ $plan_rc -ne 0 ]]; then
    cat "$log.plan.log"
    echo "$label: second plan is not empty (exit $plan_rc)" >&2
    return 1
  fi
  echo "$label: second plan: no changes"
}

# destroy what moto_apply made: ROOT_DIR LABEL [-var ...]
moto_destroy() {
  local dir="$1" label="$2"
  shift 2
  local log="$WORK/$label"
  export TF_DATA_DIR="$WORK/data/moto-$label"
  terraform -chdir="$dir" destroy -auto-approve -input=false -no-color "$@" >"$log.destroy.log" 2>&1 \
    || { cat "$log.destroy.log"; return 1; }
  echo "$label: $(grep -E '^Destroy complete' "$log.destroy.log")"
}

# Run "FUNCTION ROOT_DIR LABEL ARGS..." for dev and prod at once (each waits on
# moto's answers and the provider's retry sleeps far more than on the CPU), and
# fail when either failed.
both() {
  local fn="$1" dev_pid prod_pid rc=0
  "$fn" "$WORK/tree/terraform/environments/dev" dev "${DEV[@]}" & dev_pid=$!
  "$fn" "$WORK/tree/terraform/environments/prod" prod "${PROD[@]}" & prod_pid=$!
  wait "$dev_pid" || rc=1
  wait "$prod_pid" || rc=1
  return "$rc"
}

moto_aws() { # python code run with boto3 pointed at moto
  AWS_ENDPOINT_URL="$ENDPOINT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_DEFAULT_REGION=us-east-1 "$BIN/python" -c "import boto3; $1"
}

# The bootstrap root first (state bucket, image repositories, OIDC provider and
# roles), then both environments on top of it, then everything destroyed. Prod is
# applied whole: its HTTPS listener gets a certificate requested from moto's ACM,
# and before the destroy its database loses its deletion protection, as an
# operator tearing down a stack would do (aws rds modify-db-instance).
BOOT=(-var-file="$ROOT/scripts/infra/moto-bootstrap.tfvars")
DEV=(-var-file="$ROOT/scripts/infra/moto-dev.tfvars")
CERT_ARN="$(moto_aws "print(boto3.client('acm').request_certificate(DomainName='stats.example.com')['CertificateArn'])")"
PROD=(-var-file="$ROOT/scripts/infra/moto-prod.tfvars" -var "certificate_arn=$CERT_ARN")
moto_apply "$WORK/tree/terraform/bootstrap" bootstrap "${BOOT[@]}"
both moto_apply
moto_aws "rds = boto3.client('rds')
for db in rds.describe_db_instances()['DBInstances']:
    rds.modify_db_instance(DBInstanceIdentifier=db['DBInstanceIdentifier'], DeletionProtection=False, ApplyImmediately=True)"
both moto_destroy
moto_destroy "$WORK/tree/terraform/bootstrap" bootstrap "${BOOT[@]}"
unset TF_DATA_DIR
ok "moto apply/plan/destroy" "$t"

# -------------------------------------------------------------- summary ---
printf '\n==> Summary\n'
printf '%s\n' "${SUMMARY[@]}"
printf 'infra-check passed in %ss\n' "$(($(date +%s) - START))"
