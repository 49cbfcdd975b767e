#!/usr/bin/env bash
# Run a command with a throwaway moto_server (DynamoDB, S3) on a free loopback port.
#
#   bash scripts/services/moto.sh COMMAND [ARGS...]
#
# Exports FOOTFALL_TEST_AWS_ENDPOINT=http://127.0.0.1:PORT to COMMAND (tests point
# boto3's AWS_ENDPOINT_URL at it, with dummy credentials), and stops the server when
# COMMAND ends, whatever its status. moto keeps everything in memory: nothing to clean.
# moto_server.py is moto with one patch (a transaction copies each table once).
set -euo pipefail

BIN="${VENV_BIN:-.venv/bin}"
WORK="$(mktemp -d)"
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ENDPOINT="http://127.0.0.1:$PORT"

"$BIN/python" "$(dirname "$0")/moto_server.py" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
cleanup() {
  kill "$MOTO_PID" 2>/dev/null || true
  wait "$MOTO_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 150); do
  if "$BIN/python" -c "import urllib.request; urllib.request.urlopen('$ENDPOINT/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$WORK/moto.log" >&2; exit 1; }
  sleep 0.1
done
echo "moto_server on $ENDPOINT" >&2

export FOOTFALL_TEST_AWS_ENDPOINT="$ENDPOINT"
"$@"
