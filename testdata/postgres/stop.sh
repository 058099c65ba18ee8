#!/usr/bin/env bash
# Stop the throw-away PostgreSQL cluster that start.sh [PORT] started and
# remove its state directory. Idempotent: exits 0 when nothing runs.
set -euo pipefail

PORT=${1:-${RPM_PG_PORT:-55432}}
case "$PORT" in
	'' | *[!0-9]*) echo "stop.sh: bad port '$PORT'" >&2; exit 2 ;;
esac
STATE=${RPM_PG_STATE_DIR:-${TMPDIR:-/tmp}/rpm-pg-$PORT}
. "$(dirname "${BASH_SOURCE[0]}")/find_bin.sh"
BIN=$(find_bin)

as_user() { "$@"; }
[ "$(id -u)" = 0 ] && as_user() { runuser -u postgres -- "$@"; }

if [ -n "$BIN" ] && [ -f "$STATE/data/postmaster.pid" ]; then
	as_user "$BIN/pg_ctl" -D "$STATE/data" -m fast -w -t 60 stop || true
	echo "stop.sh: stopped PostgreSQL on port $PORT"
else
	echo "stop.sh: no PostgreSQL running on port $PORT"
fi
rm -rf "$STATE"
