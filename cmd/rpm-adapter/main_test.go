package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := realMain(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

// The rule book's C18-C23 on the embedded sample with the two example payer
// profiles loaded (R-SET-3, R-DOS-1, R-CON-3, R-PAY-1..3, R-ELIG-1).
func TestEvaluateSampleWithExampleProfilesGivesC18ToC23(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, nil, "evaluate", "--month", "2026-10", "--out", dir, "--quiet",
		"--payer-profile-file", "../../testdata/payer-profiles/acme-commercial-2026.json",
		"--payer-profile-file", "../../testdata/payer-profiles/beacon-heart-2026.json")
	require.Equal(t, exitOK, code, errs)
	for _, re := range []string{
		`wc-c18\s+period 2026-10-01\.\.2026-10-30\s+10\s+99445\s+medicare-ffs\s+billable \| 99453 withheld: 2026 guidance on its day threshold is unsettled; 10 days`,
		`wc-c19\s+period 2026-10-01\.\.2026-10-30\s+18\s+99454\s+acme-commercial-2026 \(DOS last reading\)\s+billable`,
		`wc-c20\s+month 2026-10\s+45\s+yes\s+-\s+medicare-ffs\s+A 99091 charge overlaps this month`,
		`wc-c21\s+month 2026-10\s+80\s+yes\s+99457 99458x2\s+acme-commercial-2026 \(DOS last reading\)\s+billable`,
		`wc-c22\s+period 2026-10-01\.\.2026-10-30\s+20\s+-\s+acme-commercial-2026 \(DOS last reading\)\s+No active RPM consent`,
		`wc-c22\s+month 2026-10\s+25\s+yes\s+-\s+acme-commercial-2026 \(DOS last reading\)\s+No active RPM consent`,
		`wc-c23\s+period 2026-10-01\.\.2026-10-30\s+20\s+-\s+beacon-heart-2026\s+Profile beacon-heart-2026 covers RPM only for I50`,
	} {
		assert.Regexp(t, re, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "ChargeItem.ndjson"))
	require.NoError(t, err)
	// R-DOS-1: C19's 99454 carries the last reading's date as its DOS.
	assert.Regexp(t, `"valueDate":"2026-10-27"[^\n]*"Patient/wc-c19"|"Patient/wc-c19"[^\n]*"valueDate":"2026-10-27"`, string(raw))
}

func TestBadPayerProfileFileStopsTheStart(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"id":"x","policy":{"max_99458_units":4}}`), 0o600))
	code, _, errs := run(t, nil, "evaluate", "--month", "2026-10", "--payer-profile-file", bad)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, bad+": policy: max_99458_units must be 0..3, got 4")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one line: %q", errs)

	code, _, errs = run(t, nil, "evaluate", "--month", "2026-10", "--payer-profile", "nobody")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, `--payer-profile "nobody"`)
}

func TestEvaluateEmbeddedSampleWritesTheFourFiles(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, nil, "evaluate", "--month", "2026-10", "--out", dir)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "PATIENT")
	assert.Regexp(t, `wc-c09\s+month 2026-10\s+40\s+yes\s+99457 99458\s+medicare-ffs\s+billable`, out)
	assert.Regexp(t, `wc-c03\s+period 2026-10-01\.\.2026-10-30\s+15\s+99445\s+medicare-ffs\s+billable \| 99453 withheld: 2026 guidance`, out)
	assert.Regexp(t, `edge-no-timezone .*not evaluated: no time zone`, out)
	assert.Contains(t, out, "55 patients, 0 failed")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"ChargeItem.ndjson", "MeasureReport.ndjson", "OperationOutcome.ndjson", "Task.ndjson"}, names)
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var m map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &m), n)
			assert.Equal(t, strings.TrimSuffix(n, ".ndjson"), m["resourceType"])
		}
		f.Close()
	}
}

func TestEvaluateSelectsPatientsAndReadsTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, map[string]string{"RPM_MONTH": "2026-10", "RPM_OUT": dir},
		"evaluate", "--patient", "wc-c08,wc-c10")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "2 patients, 0 failed")
	assert.Regexp(t, `wc-c10\s+month 2026-10\s+100\s+yes\s+99457 99458x3`, out)
}

func TestEvaluateUnknownPatientFailsWithExitOne(t *testing.T) {
	code, out, _ := run(t, nil, "evaluate", "--month", "2026-10", "--patient", "nobody", "--out", t.TempDir())
	assert.Equal(t, exitPartial, code)
	assert.Contains(t, out, "nobody")
	assert.Contains(t, out, "1 failed")
}

func TestUsageErrorsExitTwoWithOneLine(t *testing.T) {
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"no month or date", []string{"evaluate"}, "month"},
		{"bad month", []string{"evaluate", "--month", "2026-13"}, "not YYYY-MM"},
		{"month before 2021", []string{"evaluate", "--month", "2020-12"}, "before 2021"},
		{"both month and date", []string{"evaluate", "--month", "2026-10", "--date", "2026-10-05"}, "not both"},
		{"both sources", []string{"evaluate", "--month", "2026-10", "--source", ".", "--fhir-base", "http://x"}, "not both"},
		{"write without server", []string{"evaluate", "--month", "2026-10", "--write"}, "--fhir-base"},
		{"bad zone", []string{"evaluate", "--month", "2026-10", "--timezone", "Mars/Base"}, "IANA"},
		{"unknown flag", []string{"evaluate", "--frob"}, "frob"},
		{"policy out of range", []string{"evaluate", "--month", "2026-10", "--max-99458-units", "9"}, "max_99458_units"},
		{"missing source folder", []string{"evaluate", "--month", "2026-10", "--source", "/nonexistent"}, "not a folder"},
		{"server without patients", []string{"evaluate", "--month", "2026-10", "--fhir-base", "http://127.0.0.1:1/fhir"}, "--patient or --group"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, nil, c.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errs, c.msg)
		})
	}
}

func TestGenerateDefaultReproducesTheSample(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := run(t, nil, "generate", "--out", dir)
	require.Equal(t, exitOK, code, errs)
	want, err := filepath.Glob("../../testdata/sample-export/*")
	require.NoError(t, err)
	require.NotEmpty(t, want)
	for _, w := range want {
		a, err := os.ReadFile(w)
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(w)))
		require.NoError(t, err)
		assert.True(t, slices.Equal(a, b), filepath.Base(w))
	}
}

func TestEvaluateReportsLinesThatBelongToNoPatient(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	data := `{"resourceType":"Patient","id":"p1","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/timezone","valueCode":"America/Chicago"}]}
{"resourceType":"Observation","id":"o1","status":"final",
{"resourceType":"Observation","id":"o2","status":"final","subject":{"reference":"Patient/ghost"},"effectiveDateTime":"2026-10-02T08:00:00-05:00","device":{"reference":"Device/d"},"valueQuantity":{"value":1}}
`
	require.NoError(t, os.WriteFile(filepath.Join(src, "mixed.ndjson"), []byte(data), 0o644))
	code, stdout, errs := run(t, nil, "evaluate", "--month", "2026-10", "--source", src, "--out", out)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, stdout, "1 patients, 0 failed")
	assert.Contains(t, stdout, "input issues belong to no evaluated patient")
	oo, err := os.ReadFile(filepath.Join(out, "OperationOutcome.ndjson"))
	require.NoError(t, err)
	assert.Contains(t, string(oo), "malformed-json")
	assert.Contains(t, string(oo), "patient-not-in-export")
}
