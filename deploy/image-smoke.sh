#!/usr/bin/env bash
# Opt-in smoke test of the container image (make image-smoke): no registry is
# reachable here, so the base is Debian bookworm made with debootstrap (python3.11
# and its venv module), imported into podman. Builds the image, runs it, and waits
# for 200 from /health. Prints the time of each step and the image size.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=localhost/footfall-base:bookworm-slim
TAG=localhost/footfall:smoke
PORT="${SMOKE_PORT:-18000}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECONDS=0
lap() { printf '%-28s %4ss\n' "$1" "$SECONDS"; SECONDS=0; }

need=()
for tool in podman buildah debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if ((${#need[@]})); then
  apt-get update -qq
  apt-get install -y -qq podman buildah debootstrap >/dev/null
fi
lap "tools"

if ! podman image exists "$BASE"; then
  root="$(mktemp -d)"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root" "$MIRROR" >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  # What python:3.11-slim leaves out too: translations, manuals, docs (~50 MB).
  rm -rf "$root"/usr/share/locale/* "$root"/usr/share/man/* "$root"/usr/share/doc/* \
    "$root"/usr/share/info/*
  # This machine reaches PyPI through a TLS-inspecting proxy: the base trusts what
  # the host trusts, and pip and uv are pointed at that bundle (smoke base only).
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  tar -C "$root" -c . | podman import --change 'CMD ["python3"]' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$BASE" >/dev/null
  rm -rf "$root"
fi
lap "base image (debootstrap)"

BASE_IMAGE="$BASE" bash deploy/image.sh "$TAG" >/dev/null
lap "image build"

# `podman run` needs rlimit privileges this sandbox lacks (crun and runc both fail
# on RLIMIT_NOFILE/NPROC), so the image runs in a buildah working container with
# chroot isolation: same filesystem, user, workdir and environment as the image.
ctr="$(buildah from "$TAG")"
cmd="$(buildah inspect --format '{{range .OCIv1.Config.Cmd}}{{.}} {{end}}' "$ctr")"
start="$(date +%s%N)"
# The server runs in a session of its own: the trap ends that process group (only
# what this script started), never other servers on the machine.
# shellcheck disable=SC2086 # the image's CMD, split into words as a runtime would
setsid buildah run --isolation chroot --network host --env FOOTFALL_PORT="$PORT" "$ctr" -- $cmd \
  >"${TMPDIR:-/tmp}/footfall-smoke.log" 2>&1 &
server=$!
trap 'kill -- -"$server" 2>/dev/null || true; sleep 1; buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 150); do
  if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/health', timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
status="$(python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$PORT/health', timeout=2).status)")"
cold_ms=$((($(date +%s%N) - start) / 1000000))
lap "start to /health"
# The image's own HEALTHCHECK command, run inside it.
check="$(buildah inspect --format '{{.Docker.Config.Healthcheck.Test}}' "$TAG")"
buildah run --isolation chroot --network host --env FOOTFALL_PORT="$PORT" "$ctr" -- \
  python3 -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['FOOTFALL_PORT'] + '/health', timeout=4)"
# No shell or coreutils in the image (distroless): each check is Python.
in_image() { buildah run --isolation chroot --network host "$ctr" -- "$@"; }
user="$(in_image python3 -c 'import os; print(os.getuid())')"
# Every extension module of the virtualenv loads (strip, and rootfs.py's library
# closure), and the CLI answers without rich (help, and a usage error).
buildah copy "$ctr" deploy/image_check.py /tmp/image_check.py >/dev/null
in_image python3 /tmp/image_check.py
in_image footfall --help >/dev/null
if in_image footfall site no-such-command 2>/dev/null; then
  echo "footfall site no-such-command should fail" >&2
  exit 1
fi
size="$(podman image inspect --format '{{.Size}}' "$TAG")"
echo "GET /health -> $status; HEALTHCHECK $check passed; runs as uid $user"
echo "container start to /health 200: $cold_ms ms"
echo "image: $((size / 1000 / 1000)) MB uncompressed"
[[ "$status" == 200 && "$user" == 10001 ]]
