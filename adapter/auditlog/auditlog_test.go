package auditlog

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

func TestAuditLogIsPrivateJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	a, err := Open(path)
	require.NoError(t, err)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, e := range []adapter.AuditEvent{
		{Time: at, RequestID: "r1", Token: "ehr", Operation: adapter.AuditPatientEligibility, PatientID: "p1", Write: true, Status: 200, Outcome: "ok"},
		{Time: at, RequestID: "r2", Token: "ehr", Operation: adapter.AuditGroupEligibility, GroupID: "g1", Status: 202, Outcome: "ok"},
	} {
		require.NoError(t, a.Record(context.Background(), e))
	}
	require.NoError(t, a.Close())

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		lines = append(lines, m)
	}
	require.Len(t, lines, 2)
	assert.Equal(t, map[string]any{"time": "2026-11-02T09:00:00Z", "request_id": "r1", "token_label": "ehr",
		"operation": "patient-eligibility", "patient_id": "p1", "write": true, "status": 200.0, "outcome": "ok"}, lines[0])
	assert.Equal(t, "g1", lines[1]["group_id"])

	// Reopening appends and takes away permissions others were given.
	require.NoError(t, os.Chmod(path, 0o644))
	a, err = Open(path)
	require.NoError(t, err)
	require.NoError(t, a.Record(context.Background(), adapter.AuditEvent{Operation: adapter.AuditJobStatus}))
	require.NoError(t, a.Close())
	fi, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(b), "\n"))
}

func TestAuditLogRefusesASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	require.NoError(t, os.WriteFile(target, []byte("keep\n"), 0o644))
	link := filepath.Join(dir, "audit.jsonl")
	require.NoError(t, os.Symlink(target, link))
	_, err := Open(link)
	assert.ErrorContains(t, err, "symlinks are refused")
	b, _ := os.ReadFile(target)
	assert.Equal(t, "keep\n", string(b))
}
