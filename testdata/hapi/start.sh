#!/usr/bin/env bash
# Start a HAPI FHIR JPA server (FHIR R4, in-memory H2) on 127.0.0.1:PORT/fhir.
#
#   testdata/hapi/start.sh [PORT]      (default 8090, or $RPM_HAPI_PORT)
#
# Builds the launcher with Maven on first use (cached by a hash of pom.xml and
# src/), starts the server in the background, waits until GET /fhir/metadata
# answers 200 and prints how long that took. State (build, pid, log) lives in
# $RPM_HAPI_STATE_DIR, default ${TMPDIR:-/tmp}/rpm-hapi, outside the git tree.
# Stop it with testdata/hapi/stop.sh [PORT]. See README.md.
#
# Environment:
#   RPM_HAPI_STATE_DIR      state directory (build cache, pid and log files)
#   RPM_HAPI_START_TIMEOUT  seconds to wait for /fhir/metadata (default 300)
#   RPM_HAPI_JAVA_OPTS      replaces the default JVM options below
#   RPM_HAPI_CDS=0          do not create/use the class-data-sharing archive
#   RPM_HAPI_*              server settings read by the launcher (README.md)
set -euo pipefail

t_begin=$(date +%s.%N)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=${1:-${RPM_HAPI_PORT:-8090}}
STATE=${RPM_HAPI_STATE_DIR:-${TMPDIR:-/tmp}/rpm-hapi}
TIMEOUT=${RPM_HAPI_START_TIMEOUT:-300}
BASE="http://127.0.0.1:${PORT}/fhir"
MAIN=org.rpmadapter.hapi.HapiLauncher

case "$PORT" in
	'' | *[!0-9]*) echo "start.sh: bad port '$PORT'" >&2; exit 2 ;;
esac

command -v java >/dev/null || { echo "start.sh: java not found (Java 17+ needed)" >&2; exit 1; }
command -v curl >/dev/null || { echo "start.sh: curl not found" >&2; exit 1; }
mkdir -p "$STATE"

elapsed() { echo "$(date +%s.%N) $1" | awk '{printf "%.1f", $1 - $2}'; }

# ---------------------------------------------------------------- already running?
PIDFILE="$STATE/hapi-$PORT.pid"
LOG="$STATE/hapi-$PORT.log"

is_ours() { # pid is alive and is our launcher
	[ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "$MAIN"
}

pid=""
if [ -f "$PIDFILE" ]; then
	pid=$(cat "$PIDFILE")
	if is_ours "$pid"; then
		echo "start.sh: server already running on port $PORT (pid $pid)"
	else
		rm -f "$PIDFILE"
		pid=""
	fi
fi

if [ -z "$pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "start.sh: port $PORT is already in use by another process" >&2
	exit 1
fi

# ---------------------------------------------------------------- build
# Key: everything that goes into the build, plus the JDK.
key=$(
	{
		cat "$HERE/pom.xml"
		find "$HERE/src" -type f | LC_ALL=C sort | xargs cat
		java -version 2>&1 | head -n 1
	} | sha256sum | cut -c1-16
)
BUILD="$STATE/build-$key"
JAR="$BUILD/rpm-hapi-launcher.jar"

build_ok() {
	[ -f "$BUILD/ok" ] && [ -f "$JAR" ] && [ -s "$BUILD/classpath.txt" ] || return 1
	local jar
	local IFS=:
	for jar in $(cat "$BUILD/classpath.txt"); do
		[ -f "$jar" ] || return 1 # e.g. ~/.m2 was cleaned
	done
}

build() {
	command -v mvn >/dev/null || { echo "start.sh: mvn not found (Maven 3.8+ needed to build)" >&2; return 1; }
	rm -rf "$BUILD" && mkdir -p "$BUILD"
	local args=(-q -B -f "$HERE/pom.xml" "-Drpm.hapi.build.dir=$BUILD/target"
		compile dependency:build-classpath "-Dmdep.outputFile=$BUILD/classpath.txt")
	# Offline first: needs no network when ~/.m2 already has everything.
	if ! mvn -o "${args[@]}" >"$BUILD/mvn-offline.log" 2>&1; then
		echo "start.sh: resolving dependencies from Maven Central (first run)..."
		if ! mvn "${args[@]}" >"$BUILD/mvn.log" 2>&1; then
			tail -n 40 "$BUILD/mvn.log" >&2
			echo "start.sh: Maven build failed (full log: $BUILD/mvn.log)" >&2
			return 1
		fi
	fi
	jar --create --file "$JAR" -C "$BUILD/target/classes" .
	touch "$BUILD/ok"
}

built=""
if ! build_ok; then
	exec 9>"$STATE/build.lock"
	if command -v flock >/dev/null; then flock 9; fi # one build at a time
	if ! build_ok; then
		t_build=$(date +%s.%N)
		build
		built=" (build took $(elapsed "$t_build") s)"
	fi
	exec 9>&-
fi

# ---------------------------------------------------------------- start
if [ -z "$pid" ]; then
	# Defaults favour start-up time on a small machine: C1 only, serial GC.
	read -r -a jopts <<<"${RPM_HAPI_JAVA_OPTS:--Xms128m -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
	jopts+=(-Duser.timezone=UTC -Dfile.encoding=UTF-8 -Djava.awt.headless=true)
	# Class-data sharing: the first server run dumps an archive of the classes it
	# loaded when it stops (stop.sh moves it into place); later runs map it.
	CDS="$BUILD/app.jsa"
	rm -f "$STATE/hapi-$PORT.cds"
	if [ "${RPM_HAPI_CDS:-1}" != 0 ]; then
		if [ -f "$CDS" ]; then
			jopts+=("-XX:SharedArchiveFile=$CDS")
		else
			jopts+=("-XX:ArchiveClassesAtExit=$CDS.tmp-$PORT" "-Xlog:cds*=off")
			echo "$CDS.tmp-$PORT $CDS" >"$STATE/hapi-$PORT.cds"
		fi
	fi
	cp="$JAR:$(cat "$BUILD/classpath.txt")"
	: >"$LOG"
	# setsid: the server outlives this script and the caller's process group.
	setsid nohup java "${jopts[@]}" -cp "$cp" "$MAIN" "$PORT" >>"$LOG" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$PIDFILE"
fi

# ---------------------------------------------------------------- wait
deadline=$(($(date +%s) + TIMEOUT))
while :; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/metadata" || true)
	[ "$code" = 200 ] && break
	if ! is_ours "$pid"; then
		echo "start.sh: HAPI server exited during start-up. Last log lines ($LOG):" >&2
		tail -n 40 "$LOG" >&2
		rm -f "$PIDFILE"
		exit 1
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "start.sh: no 200 from $BASE/metadata after ${TIMEOUT}s. Last log lines ($LOG):" >&2
		tail -n 40 "$LOG" >&2
		kill "$pid" 2>/dev/null || true
		rm -f "$PIDFILE"
		exit 1
	fi
	sleep 1
done

meta=$(curl -s --max-time 10 "$BASE/metadata")
hapi=$(grep -o '"software":{[^}]*}' <<<"$meta" | grep -o '"version":"[^"]*"' | cut -d'"' -f4 || true)
fhir=$(grep -o '"fhirVersion":"[^"]*"' <<<"$meta" | cut -d'"' -f4 || true)
echo "HAPI FHIR ${hapi:-?} (FHIR ${fhir:-?}) ready at $BASE in $(elapsed "$t_begin") s${built}; pid $pid, log $LOG"
