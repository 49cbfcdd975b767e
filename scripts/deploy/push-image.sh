#!/usr/bin/env bash
# Build and push the image of this commit, once.
#
#   scripts/deploy/push-image.sh REPOSITORY_URL TAG
#
# ECR tags are immutable: pushing an existing :TAG again fails. A re-run of a
# deploy finds the tag already there and skips the build, so re-runs succeed.
# Needs aws (ECR login done by the caller) and docker.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 REPOSITORY_URL TAG" >&2; exit 2; }
URL="$1" TAG="$2"
NAME="${URL#*/}"
IMAGE="$URL:$TAG"

if aws ecr describe-images --repository-name "$NAME" --image-ids "imageTag=$TAG" --output json >/dev/null 2>&1; then
  echo "$IMAGE is already pushed"
else
  docker build --file deploy/Dockerfile --tag "$IMAGE" .
  docker push "$IMAGE"
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "image=$IMAGE" >>"$GITHUB_OUTPUT"
fi
