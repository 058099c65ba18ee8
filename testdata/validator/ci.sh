#!/usr/bin/env bash
# CI's conformance step (README: The implementation guide), from the
# repository root: `bash testdata/validator/ci.sh`.
#
#  1. writes the FHIR package hl7.fhir.r4.core#4.0.1 into ~/.fhir/packages
#     from HAPI's R4 validation resources (the FHIR package registry is not
#     reachable, and npm has no version of it);
#  2. installs SUSHI from ig/package-lock.json (npm ci), compiles ig/input/fsh
#     and fails when the result differs from the committed ig/fsh-generated;
#  3. produces what the adapter writes: `evaluate` NDJSON for closed and open
#     windows of 2025 (generated patients) and 2026 (the embedded sample),
#     and from `serve` the Patient and Group Bundles, error
#     OperationOutcomes, the CapabilityStatement and OperationDefinitions;
#  4. validates them, the write side's golden files (transaction Bundles,
#     entered-in-error and closing updates) and the guide's own resources with
#     HAPI's FhirInstanceValidator (R4 core + the guide, offline): no error
#     allowed; then the deliberately broken resources of
#     testdata/validator/broken, each of which must fail;
#  5. with --canonical https://fhir.example.org/rpm: evaluate's output and
#     serve's CapabilityStatement against the guide as serve publishes it
#     under that base (no error allowed, and no URL of the default base left).
#
# Environment: RPM_VALIDATOR_SERVE_PORT (default 18181), RPM_VALIDATOR_WORK
# (default a fresh temporary folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
say() { printf -- '-- %s (%ss)\n' "$1" "$(( $(date +%s) - t0 ))"; }
PORT=${RPM_VALIDATOR_SERVE_PORT:-18181}
WORK=${RPM_VALIDATOR_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/rpm-conformance.XXXXXX")}
mkdir -p "$WORK"

if ! command -v npm >/dev/null; then
	say "installing Node.js and npm from Debian"
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
	else
		echo "ci.sh: npm not found and not root to install it" >&2; exit 1
	fi
fi

say "R4 core package for SUSHI (testdata/validator: BuildR4Core)"
bash testdata/validator/run.sh core

say "SUSHI (npm ci in ig/) compiles the FSH; the committed JSON must not change"
(cd ig && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npx --no-install sushi build . >"$WORK/sushi.log" 2>&1) || {
	tail -n 60 "$WORK/sushi.log"; echo "ci.sh: SUSHI failed"; exit 1; }
grep -E '[0-9]+ Errors +[0-9]+ Warnings' "$WORK/sushi.log" || true
if ! grep -qE '\b0 Errors' "$WORK/sushi.log"; then
	grep -E '^(error|warn)' -A3 "$WORK/sushi.log"; echo "ci.sh: SUSHI reported errors"; exit 1
fi
if [ -n "$(git status --porcelain -- ig/fsh-generated)" ]; then
	git status --short -- ig/fsh-generated; git diff --stat -- ig/fsh-generated
	echo "ci.sh: ig/fsh-generated differs from what SUSHI compiles from ig/input: run (cd ig && npx sushi build .) and commit"
	exit 1
fi

say "the adapter's outputs: evaluate (2025 and 2026, closed and open windows)"
go build -o "$WORK/rpm-adapter" ./cmd/rpm-adapter
bin="$WORK/rpm-adapter"
"$bin" generate --out "$WORK/gen-2025" --patients 40 --months 2 --start 2025-09 --seed 2025 >/dev/null
out="$WORK/outputs"
"$bin" evaluate --source "$WORK/gen-2025" --month 2025-10 --out "$out/closed-2025" --quiet >/dev/null
"$bin" evaluate --source "$WORK/gen-2025" --date 2025-10-14 --out "$out/open-2025" --quiet >/dev/null
"$bin" evaluate --month 2026-10 --out "$out/closed-2026" --quiet >/dev/null
"$bin" evaluate --date 2026-10-14 --out "$out/open-2026" --quiet >/dev/null
wc -l "$out"/*/*.ndjson | tail -n 1

say "the API's answers: serve on 127.0.0.1:$PORT (the embedded sample)"
api="$out/api"
mkdir -p "$api"
"$bin" serve --addr "127.0.0.1:$PORT" --db "$WORK/serve.db" >"$WORK/serve.log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null || true' EXIT
B="http://127.0.0.1:$PORT/fhir"
for _ in $(seq 1 100); do curl -fs -o /dev/null "$B/metadata" && break; sleep 0.2; done
get() { # FILE EXPECTED-STATUS curl-args...
	local f=$1 want=$2; shift 2
	local got; got=$(curl -s -o "$api/$f" -w '%{http_code}' "$@")
	[ "$got" = "$want" ] || { echo "ci.sh: $* answered $got, want $want"; cat "$api/$f"; exit 1; }
}
J='Content-Type: application/fhir+json'
get patient-closed.bundle.json 200 -X POST -H "$J" "$B/Patient/wc-c10/\$rpm-eligibility?month=2026-10"
get patient-open.bundle.json 200 "$B/Patient/pt-00013/\$rpm-eligibility?date=2026-10-14"
get patient-warnings.bundle.json 200 "$B/Patient/edge-data-quality/\$rpm-eligibility?month=2026-10"
get error-400.outcome.json 400 "$B/Patient/wc-c10/\$rpm-eligibility?month=2026-13"
get error-404.outcome.json 404 "$B/Patient/no-such-patient/\$rpm-eligibility?month=2026-10"
get error-415.outcome.json 415 -X POST -H 'Content-Type: text/plain' "$B/Patient/wc-c10/\$rpm-eligibility?month=2026-10"
get error-422.outcome.json 422 -X POST -H "$J" "$B/Group/rpm-cohort/\$rpm-eligibility?month=2026-10"
get error-route.outcome.json 404 "$B/Nothing/here"
get metadata.capabilitystatement.json 200 "$B/metadata"
get patient.operationdefinition.json 200 "$B/OperationDefinition/Patient-rpm-eligibility"
get group.operationdefinition.json 200 "$B/OperationDefinition/Group-rpm-eligibility"
get billing.operationdefinition.json 200 "$B/OperationDefinition/rpm-billing-export"
get rpm-chargeitem.structuredefinition.json 200 "$B/StructureDefinition/rpm-chargeitem"
cmp -s "$api/rpm-chargeitem.structuredefinition.json" ig/fsh-generated/resources/StructureDefinition-rpm-chargeitem.json ||
	{ echo "ci.sh: serve's StructureDefinition/rpm-chargeitem is not the guide's"; exit 1; }
rm "$api/rpm-chargeitem.structuredefinition.json"
loc=$(curl -s -D - -o "$api/accepted-202.json" -X POST -H "$J" -H 'Prefer: respond-async' "$B/Group/rpm-cohort/\$rpm-eligibility?month=2026-10" |
	tr -d '\r' | awk 'tolower($1) == "content-location:" {print $2}')
# The 202's body, when the service sends one (an OperationOutcome), is validated too.
if [ -s "$api/accepted-202.json" ]; then mv "$api/accepted-202.json" "$api/accepted-202.outcome.json"; else rm -f "$api/accepted-202.json"; fi
[ -n "$loc" ] || { echo "ci.sh: the async Group request gave no Content-Location"; exit 1; }
for _ in $(seq 1 300); do
	code=$(curl -s -o "$api/group.bundle.json" -w '%{http_code}' "$loc")
	[ "$code" = 200 ] && break
	sleep 0.5
done
[ "$code" = 200 ] || { echo "ci.sh: the Group job did not finish"; exit 1; }
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
trap - EXIT
ls "$api"

# --canonical: what evaluate writes under another base must validate against
# what serve publishes under it (the guide as served, not as compiled).
X=https://fhir.example.org/rpm
say "--canonical $X: evaluate, and the guide as serve publishes it"
xdir="$WORK/canonical"
mkdir -p "$xdir/guide" "$xdir/outputs"
"$bin" evaluate --canonical "$X" --month 2026-10 --out "$xdir/outputs/closed-2026" --quiet >/dev/null
"$bin" evaluate --canonical "$X" --date 2026-10-14 --out "$xdir/outputs/open-2026" --quiet >/dev/null
# With a token, so that its CapabilityStatement has rest.security, and a
# store, so that it lists $rpm-billing-export: the fullest one.
RPM_API_TOKENS="ci:write:$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" \
	"$bin" serve --canonical "$X" --addr "127.0.0.1:$PORT" --db "$WORK/serve-canonical.db" >"$WORK/serve-canonical.log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "$B/metadata" && break; sleep 0.2; done
n=0
for f in ig/fsh-generated/resources/*.json; do
	name=$(basename "$f" .json); typ=${name%%-*}; id=${name#*-}
	# The guide's examples are no resources of the service (404).
	if curl -fs -o "$xdir/guide/$name.json" "$B/$typ/$id"; then n=$((n + 1)); else rm -f "$xdir/guide/$name.json"; fi
done
curl -fs -o "$xdir/outputs/metadata.capabilitystatement.json" "$B/metadata"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
trap - EXIT
grep -q "\"url\": *\"$X/StructureDefinition/rpm-chargeitem\"" "$xdir/guide/StructureDefinition-rpm-chargeitem.json" ||
	{ echo "ci.sh: serve --canonical $X does not publish StructureDefinition/rpm-chargeitem under $X"; exit 1; }
if grep -l 'http://rpm-adapter.org/fhir' "$xdir"/guide/*.json "$xdir"/outputs/*/*.ndjson "$xdir"/outputs/*.json; then
	echo "ci.sh: the files above still name http://rpm-adapter.org/fhir under --canonical $X"; exit 1
fi
echo "$n definitions served under $X"

say "HAPI FhirInstanceValidator: the outputs, the goldens and the guide must have no error"
# The guide's StructureDefinitions are loaded (and snapshotted) by the
# validator rather than validated as instances: HAPI's StructureDefinition
# checks look the core package up online.
guide=$(ls ig/fsh-generated/resources/*.json | grep -v /StructureDefinition-)
bash testdata/validator/run.sh validate --ig ig/fsh-generated/resources \
	$guide "$out" testdata/golden/write \
	--invalid testdata/validator/broken 2>&1 | grep -v 'PackageClient' | tee "$WORK/validate.log" | tail -n 80
grep -q '^validate: ok' "$WORK/validate.log" || { echo "ci.sh: validation failed (full report: $WORK/validate.log)"; exit 1; }

say "HAPI FhirInstanceValidator: evaluate's output under --canonical $X against the guide serve publishes under it"
bash testdata/validator/run.sh validate --ig "$xdir/guide" --canonical "$X" "$xdir/outputs" 2>&1 |
	grep -v 'PackageClient' | tee "$WORK/validate-canonical.log" | tail -n 30
grep -q '^validate: ok' "$WORK/validate-canonical.log" ||
	{ echo "ci.sh: validation under --canonical failed (full report: $WORK/validate-canonical.log)"; exit 1; }
say "done"
