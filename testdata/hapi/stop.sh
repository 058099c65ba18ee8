#!/usr/bin/env bash
# Stop the HAPI FHIR server(s) started by start.sh.
#
#   testdata/hapi/stop.sh [PORT]    (default 8090, or $RPM_HAPI_PORT; same as start.sh)
#   testdata/hapi/stop.sh --all     every server started from this state dir
#
# Idempotent: exits 0 when nothing is running. Uses only the pid files that
# start.sh wrote under $RPM_HAPI_STATE_DIR (default ${TMPDIR:-/tmp}/rpm-hapi).
set -euo pipefail

STATE=${RPM_HAPI_STATE_DIR:-${TMPDIR:-/tmp}/rpm-hapi}
MAIN=org.rpmadapter.hapi.HapiLauncher
GRACE=${RPM_HAPI_STOP_TIMEOUT:-60}

if [ "${1:-}" = --all ]; then
	shopt -s nullglob
	pidfiles=("$STATE"/hapi-*.pid)
else
	PORT=${1:-${RPM_HAPI_PORT:-8090}}
	case "$PORT" in
		'' | *[!0-9]*) echo "stop.sh: bad port '$PORT'" >&2; exit 2 ;;
	esac
	pidfiles=("$STATE/hapi-$PORT.pid")
fi

is_ours() {
	kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "$MAIN"
}

stopped=0
for pf in "${pidfiles[@]}"; do
	[ -f "$pf" ] || continue
	port=$(basename "$pf" .pid)
	port=${port#hapi-}
	pid=$(cat "$pf")
	if [ -n "$pid" ] && is_ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		graceful=1
		for _ in $(seq 1 $((GRACE * 5))); do
			is_ours "$pid" || break
			sleep 0.2
		done
		if is_ours "$pid"; then
			echo "stop.sh: pid $pid did not exit in ${GRACE}s, killing"
			kill -KILL "$pid" 2>/dev/null || true
			graceful=0
		fi
		# A first run dumps a class-data-sharing archive on a clean exit: keep it.
		cds="$STATE/hapi-$port.cds"
		if [ -f "$cds" ]; then
			read -r tmp final <"$cds" || true
			if [ "$graceful" = 1 ] && [ -s "${tmp:-}" ]; then
				mv -f "$tmp" "$final"
			else
				rm -f "${tmp:-}"
			fi
			rm -f "$cds"
		fi
		echo "stop.sh: stopped HAPI server on port $port (pid $pid)"
		stopped=$((stopped + 1))
	fi
	rm -f "$pf"
done

[ "$stopped" -gt 0 ] || echo "stop.sh: no HAPI server running"
