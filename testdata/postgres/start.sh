#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster on 127.0.0.1:PORT for the store's tests
# and print its DSN (the only line on stdout), for RPM_TEST_POSTGRES_DSN:
#
#   export RPM_TEST_POSTGRES_DSN=$(testdata/postgres/start.sh [PORT])   (default 55432)
#
# Installs Debian's postgresql when no /usr/lib/postgresql/*/bin/initdb exists
# (needs root: a fresh CI machine), without the distribution's own "main"
# cluster. The cluster lives in $RPM_PG_STATE_DIR (default
# ${TMPDIR:-/tmp}/rpm-pg-PORT), outside the git tree, runs as a non-root user
# (PostgreSQL refuses root: the "postgres" account when started as root), has
# trust authentication on loopback only (a test database, never real data) and
# is stopped and removed by stop.sh [PORT]. Progress goes to stderr.
set -euo pipefail

PORT=${1:-${RPM_PG_PORT:-55432}}
case "$PORT" in
	'' | *[!0-9]*) echo "start.sh: bad port '$PORT'" >&2; exit 2 ;;
esac
STATE=${RPM_PG_STATE_DIR:-${TMPDIR:-/tmp}/rpm-pg-$PORT}
DB=rpm_test
DSN="postgres://postgres@127.0.0.1:${PORT}/${DB}?sslmode=disable"

. "$(dirname "${BASH_SOURCE[0]}")/find_bin.sh"

BIN=$(find_bin)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "start.sh: PostgreSQL is not installed and installing it needs root" >&2
		exit 1
	fi
	echo "start.sh: installing postgresql from Debian" >&2
	# No default cluster on port 5432: this script makes its own.
	mkdir -p /etc/postgresql-common
	grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
		echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y --no-install-recommends postgresql >&2
	BIN=$(find_bin)
	[ -n "$BIN" ] && [ -x "$BIN/initdb" ] || { echo "start.sh: initdb not found after install" >&2; exit 1; }
fi

# PostgreSQL will not run as root.
as_user() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
	as_user() { runuser -u postgres -- "$@"; }
fi

if [ -f "$STATE/data/postmaster.pid" ] && as_user "$BIN/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
	echo "start.sh: already running on port $PORT" >&2
	echo "$DSN"
	exit 0
fi

rm -rf "$STATE"
mkdir -p "$STATE"
chmod 0700 "$STATE"
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$STATE"
	as_user test -w "$STATE" ||
		{ echo "start.sh: the postgres user cannot write $STATE (set RPM_PG_STATE_DIR or TMPDIR to a folder it can reach)" >&2; exit 1; }
fi

as_user "$BIN/initdb" -D "$STATE/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$STATE/initdb.log" 2>&1 ||
	{ cat "$STATE/initdb.log" >&2; exit 1; }
# Loopback only; the socket in the state dir, never /var/run; fsync off: a
# throw-away cluster trades durability for test speed.
as_user "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/postgres.log" -w -t 60 \
	-o "-c listen_addresses=127.0.0.1 -p $PORT -k $STATE -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
	start >&2 || { tail -n 30 "$STATE/postgres.log" >&2; exit 1; }
as_user "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
echo "start.sh: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, database $DB" >&2
echo "$DSN"
