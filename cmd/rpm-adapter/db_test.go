package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestEvaluateWithDBRecordsEveryEvaluation(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state", "rpm-adapter.db")
	code, out, errs := run(t, map[string]string{"RPM_DB": db}, "evaluate", "--month", "2026-10", "--out", filepath.Join(dir, "out"))
	require.Equal(t, exitOK, code, errs)
	assert.Regexp(t, `\d+ patients, 0 failed`, out)
	st, err := os.Stat(db)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	s, err := store.Open(context.Background(), db, store.Options{})
	require.NoError(t, err)
	defer s.Close()
	e, err := s.Evaluation(context.Background(), "default", "wc-c09", rules.CalendarMonth, rules.DateOf(2026, 10, 1))
	require.NoError(t, err)
	assert.Equal(t, 40, e.Minutes)
	var codes []string
	for _, l := range e.Lines {
		codes = append(codes, l.Code+":"+string(l.State))
	}
	assert.Equal(t, []string{"99457:billable", "99458:billable"}, codes)
	p, err := s.Patient(context.Background(), "default", "edge-no-timezone")
	require.NoError(t, err)
	assert.Equal(t, "no time zone", p.NotEvaluated)
	// The worklist's name and MRN come from the sample's Patient (fhir-mapping §7).
	p, err = s.Patient(context.Background(), "default", "wc-c09")
	require.NoError(t, err)
	assert.Equal(t, "Ann Morgan", p.DisplayName)
	assert.Equal(t, "MRN79248269", p.MRN)
	assert.NotContains(t, out+errs, "Ann Morgan", "names never reach the table or the log")
}

func TestEvaluateWithDBAndNoNamesKeepsIdsOnly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rpm-adapter.db")
	code, _, errs := run(t, nil, "evaluate", "--month", "2026-10", "--out", filepath.Join(dir, "out"), "--db", db, "--no-names")
	require.Equal(t, exitOK, code, errs)
	s, err := store.Open(context.Background(), db, store.Options{})
	require.NoError(t, err)
	defer s.Close()
	p, err := s.Patient(context.Background(), "default", "wc-c09")
	require.NoError(t, err)
	assert.Empty(t, p.DisplayName)
	assert.Empty(t, p.MRN)
	raw, err := os.ReadFile(db)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "Morgan", "the database file holds no name")
}

func TestEvaluateWithAnUnusableDBIsAUsageError(t *testing.T) {
	code, _, errs := run(t, nil, "evaluate", "--month", "2026-10", "--out", t.TempDir(),
		"--db", "postgres://user:secret@127.0.0.1:1/none?connect_timeout=2")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--db")
	assert.NotContains(t, errs, "secret")
}

func TestNoNamesWithoutDBIsAUsageError(t *testing.T) {
	code, _, errs := run(t, nil, "evaluate", "--month", "2026-10", "--out", t.TempDir(), "--no-names")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--no-names is for --db")
}
