#!/usr/bin/env bash
# Build the Footfall image with podman or buildah (whichever this machine has).
#   deploy/image.sh [TAG]            uses the Dockerfile's default base image
#   BASE_IMAGE=... deploy/image.sh   any Debian-based image with python3.11
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-localhost/footfall:latest}"
args=(-f deploy/Dockerfile -t "$tag")
if [[ -n "${BASE_IMAGE:-}" ]]; then
  args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
fi
if command -v buildah >/dev/null 2>&1; then
  # Rootful builds in a sandbox without user namespaces: chroot isolation, and
  # the host's network for PyPI.
  buildah bud --layers --format docker --isolation chroot --network host "${args[@]}" .
elif command -v podman >/dev/null 2>&1; then
  podman build --format docker --network host "${args[@]}" .
else
  echo "image: neither buildah nor podman is installed (apt-get install buildah)" >&2
  exit 1
fi
