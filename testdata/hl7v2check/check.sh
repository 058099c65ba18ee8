#!/usr/bin/env bash
# Run the independent HL7 v2 check (HAPI HL7v2, Check.java) on a file or
# stdin. Builds on first use, cached in ${TMPDIR:-/tmp}/rpm-hl7v2check by a
# hash of pom.xml and src/.
#
#   testdata/hl7v2check/check.sh [FILE] > fields.tsv
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${RPM_HL7CHECK_STATE_DIR:-${TMPDIR:-/tmp}/rpm-hl7v2check}
hash=$(cat "$HERE/pom.xml" $(find "$HERE/src" -type f | sort) | sha256sum | cut -c1-16)
BUILD="$STATE/build-$hash"
if [ ! -f "$BUILD/classpath.txt" ]; then
	mkdir -p "$STATE"
	exec 9>"$STATE/build.lock"
	flock 9
	if [ ! -f "$BUILD/classpath.txt" ]; then
		tmp="$STATE/tmp-$$"
		rm -rf "$tmp" && mkdir -p "$tmp"
		cp -r "$HERE/pom.xml" "$HERE/src" "$tmp/"
		(cd "$tmp" && mvn -q -B -o package dependency:build-classpath -Dmdep.outputFile=classpath.txt >/dev/null 2>&1 ||
			mvn -q -B package dependency:build-classpath -Dmdep.outputFile=classpath.txt >&2)
		rm -rf "$BUILD"
		mv "$tmp" "$BUILD"
	fi
	flock -u 9
fi
exec java -cp "$BUILD/target/hl7v2check-1.jar:$(cat "$BUILD/classpath.txt")" org.rpmadapter.hl7check.Check "$@"
