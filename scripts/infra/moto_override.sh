#!/usr/bin/env bash
# Point a Terraform root at moto_server: write ROOT_DIR/moto_override.tf, where
# the default provider and every aliased one of the root (versions.tf) use
# ENDPOINT with dummy credentials, and an S3 backend becomes a local one (state
# of a throwaway account stays in the root's directory).
#
#   bash scripts/infra/moto_override.sh ROOT_DIR ENDPOINT
#
# Used by scripts/infra/check.sh (the moto apply) and tests/deploy/test_dev_stack.py.
# Variables for those applies: scripts/infra/moto-*.tfvars.
set -euo pipefail

DIR="$1"
ENDPOINT="$2"
SERVICES=(acm apigatewayv2 appautoscaling budgets cloudwatch dynamodb ec2 ecr ecs elasticache elbv2 events iam kms lambda logs rds route53 s3 secretsmanager servicediscovery sns ssm sts)

{
  for alias in "" $(sed -n 's/^ *alias *= *"\([a-z_]*\)".*/\1/p' "$DIR"/versions.tf); do
    echo 'provider "aws" {'
    [[ -n "$alias" ]] && echo "  alias                       = \"$alias\""
    echo '  region                      = "us-east-1"'
    echo '  access_key                  = "testing"'
    echo '  secret_key                  = "testing"'
    echo '  skip_credentials_validation = true'
    echo '  skip_metadata_api_check     = true'
    # skip_requesting_account_id stays false: moto answers STS, and without
    # an account ID the provider reports SG-referencing rules as
    # ACCOUNT/sg-..., a diff on every plan.
    echo '  s3_use_path_style           = true'
    echo '  endpoints {'
    for s in "${SERVICES[@]}"; do echo "    $s = \"$ENDPOINT\""; done
    echo '  }'
    if [[ -z "$alias" ]] && grep -q 'local.tags' "$DIR"/*.tf; then
      echo '  default_tags {'
      echo '    tags = local.tags'
      echo '  }'
    fi
    echo '}'
  done
  if grep -qs 'backend "s3"' "$DIR"/*.tf; then
    printf 'terraform {\n  backend "local" {}\n}\n'
  fi
} >"$DIR/moto_override.tf"
