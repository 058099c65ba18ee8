package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// With no flags serve keeps its store in ./rpm-adapter.db (0600), records
// every evaluation it makes (a read as well as a write) and the audit trail,
// in the store and in --audit-log when that is given too.
func TestServeRecordsEvaluationsAndAuditInRpmAdapterDBByDefault(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	audit := filepath.Join(dir, "audit.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- realMain(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--out", filepath.Join(dir, "out"), "--audit-log", audit,
			"--seed-sample=false"}, // the worklist's start-up evaluations would record wc-c09 too
			pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	res, err := http.Get(base + "/Patient/wc-c09/$rpm-eligibility?month=2026-10")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	cancel()
	select {
	case code := <-done:
		require.Equal(t, exitOK, code)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	st, err := os.Stat(filepath.Join(dir, "rpm-adapter.db"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	s, err := store.Open(context.Background(), filepath.Join(dir, "rpm-adapter.db"), store.Options{})
	require.NoError(t, err)
	defer s.Close()
	e, err := s.Evaluation(context.Background(), "default", "wc-c09", rules.CalendarMonth, rules.DateOf(2026, 10, 1))
	require.NoError(t, err, "a read (write=false) is recorded too")
	assert.Equal(t, 40, e.Minutes)
	evs, err := s.AuditEvents(context.Background(), time.Time{}, 0)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, adapter.AuditPatientEligibility, evs[0].Operation)
	assert.Equal(t, "wc-c09", evs[0].PatientID)
	file, err := os.ReadFile(audit)
	require.NoError(t, err)
	assert.Contains(t, string(file), `"patient_id":"wc-c09"`, "--audit-log has it as well")
}
