#!/usr/bin/env bash
# The conformance tools of CI (README: The implementation guide), built with
# Maven on first use and cached by a hash of pom.xml and src/ in
# $RPM_VALIDATOR_STATE_DIR (default ${TMPDIR:-/tmp}/rpm-validator):
#
#   testdata/validator/run.sh core [DIR]     write the FHIR package hl7.fhir.r4.core#4.0.1
#                                            (default ~/.fhir/packages/hl7.fhir.r4.core#4.0.1)
#                                            from HAPI's R4 validation resources, for SUSHI
#   testdata/validator/run.sh validate --ig DIR [--canonical BASE] [--valid] PATH... [--invalid PATH...]
#                                            HAPI's FhirInstanceValidator, offline (Validate.java);
#                                            --canonical: the guide's base in DIR (a
#                                            deployment's --canonical), for the profiles
#                                            of the written types
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${RPM_VALIDATOR_STATE_DIR:-${TMPDIR:-/tmp}/rpm-validator}
command -v java >/dev/null || { echo "run.sh: java not found (Java 17+ needed)" >&2; exit 1; }

hash=$(cd "$HERE" && cat pom.xml $(find src -type f | sort) | sha256sum | cut -c1-16)
BUILD="$STATE/build-$hash"
if ! [ -f "$BUILD/ok" ]; then
	command -v mvn >/dev/null || { echo "run.sh: mvn not found (Maven 3.8+ needed)" >&2; exit 1; }
	mkdir -p "$BUILD"
	args=(-q -f "$HERE/pom.xml" "-Drpm.validator.build.dir=$BUILD" compile dependency:build-classpath
		"-Dmdep.outputFile=$BUILD/classpath.txt")
	# Offline first (the HAPI server's build usually fetched everything), then online.
	if ! mvn -o "${args[@]}" >"$BUILD/mvn-offline.log" 2>&1; then
		if ! mvn "${args[@]}" >"$BUILD/mvn.log" 2>&1; then
			tail -n 40 "$BUILD/mvn.log" >&2
			echo "run.sh: Maven build failed (full log: $BUILD/mvn.log)" >&2
			exit 1
		fi
	fi
	touch "$BUILD/ok"
fi
cp="$BUILD/classes:$(cat "$BUILD/classpath.txt")"

cmd=${1:-}
shift || true
case "$cmd" in
core)
	dir=${1:-$HOME/.fhir/packages/hl7.fhir.r4.core#4.0.1}
	if [ -f "$dir/package/package.json" ] && [ -f "$dir/package/StructureDefinition-Patient.json" ]; then
		echo "run.sh: $dir is already there"
		exit 0
	fi
	tmp="$dir.tmp.$$"
	rm -rf "$tmp"
	java -cp "$cp" org.rpmadapter.validator.BuildR4Core "$tmp"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	;;
validate)
	exec java -Xss4m -cp "$cp" org.rpmadapter.validator.Validate "$@"
	;;
*)
	echo "usage: run.sh core [DIR] | run.sh validate --ig DIR [--canonical BASE] [--valid] PATH... [--invalid PATH...]" >&2
	exit 2
	;;
esac
