package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --strict-write (the google/fhir reference path with fhirvalidate) and the
// default fast encoder write the same bytes for the whole embedded sample,
// but for the run time (the two runs happen seconds apart) and the order of
// the lines (patients are evaluated concurrently).
func TestStrictWriteWritesTheSameFiles(t *testing.T) {
	fast, strict := t.TempDir(), t.TempDir()
	code, _, errs := run(t, nil, "evaluate", "--month", "2026-10", "--out", fast)
	require.Equal(t, exitOK, code, errs)
	code, _, errs = run(t, nil, "evaluate", "--month", "2026-10", "--strict-write", "--out", strict)
	require.Equal(t, exitOK, code, errs)
	for _, n := range []string{"ChargeItem.ndjson", "MeasureReport.ndjson", "OperationOutcome.ndjson", "Task.ndjson"} {
		a, err := os.ReadFile(filepath.Join(fast, n))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(strict, n))
		require.NoError(t, err)
		if n != "Task.ndjson" { // the sample's October is closed: no Tasks
			assert.NotEmpty(t, a, n)
		}
		assert.Equal(t, normalizeRun(string(b)), normalizeRun(string(a)), n)
	}
}

var runInstant = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)

func normalizeRun(s string) string {
	lines := strings.Split(runInstant.ReplaceAllString(s, `"<run time>"`), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
