#!/usr/bin/env bash
# Run a command beside a throwaway Redis: `redis.sh CMD [ARGS...]`.
#
# Installs Debian's redis-server when missing, starts one on a free loopback port with
# no persistence, in a temp dir, exports FOOTFALL_TEST_REDIS_URL to CMD, and stops it
# when CMD ends, whatever its end. Nests with postgres.sh.
set -euo pipefail

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v redis-server >/dev/null || {
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/footfall-redis.XXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
  --logfile "$dir/log" &
pid=$!

stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 143' TERM INT HUP

for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
  sleep 0.05
done
redis-cli -p "$port" ping >/dev/null

export FOOTFALL_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
"$@"
