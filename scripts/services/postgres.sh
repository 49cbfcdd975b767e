#!/usr/bin/env bash
# Run a command beside a throwaway PostgreSQL: `postgres.sh CMD [ARGS...]`.
#
# Installs Debian's postgresql when no server is found, makes a cluster in a temp
# dir (initdb as the `postgres` user when run as root: the server refuses to run as
# root), starts it on a free loopback port, exports FOOTFALL_TEST_POSTGRES_URL (a
# superuser URL: tests create a database each) to CMD, and stops and removes the
# cluster when CMD ends, whatever its end. Durability is off (fsync, full pages):
# the cluster dies with the run. Wrappers nest: `postgres.sh redis.sh pytest ...`.
set -euo pipefail

find_bindir() {
  local dir
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  return 1
}

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bindir=$(find_bindir) || {
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir=$(find_bindir)
}

# As root, the cluster belongs to `postgres` (created by the Debian package; made
# here when the binaries came some other way).
as_owner=()
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as_owner=(runuser -u postgres --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/footfall-pg.XXXXXX")
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 143' TERM INT HUP

"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U footfall -A trust -E UTF8 \
  --locale=C.UTF-8 --no-sync >/dev/null
# These roles must give their password, as on RDS (FOOTFALL_DATABASE_PASSWORD and
# _SECRET, the administrator and application roles of tests/store/postgres/).
sed -i '1i host all footfall_password,footfall_rotated,footfall_admin,footfall_app 127.0.0.1/32 scram-sha-256' "$dir/data/pg_hba.conf"
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -s start -o \
  "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
   -c synchronous_commit=off -c max_connections=400 -c shared_buffers=64MB" || {
  cat "$dir/log" >&2
  exit 1
}

export FOOTFALL_TEST_POSTGRES_URL="postgresql://footfall@127.0.0.1:$port/postgres"
"$@"
