package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postgresURL makes a schema on RPM_TEST_POSTGRES_DSN's server for the test
// and returns a URL selecting it; without the variable the test skips, and
// under CI=true fails.
func postgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("RPM_TEST_POSTGRES_DSN")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RPM_TEST_POSTGRES_DSN is not set: under CI=true the replica test must run (testdata/postgres/start.sh)")
		}
		t.Skip("RPM_TEST_POSTGRES_DSN is not set (testdata/postgres/start.sh starts a server)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rpm_cmd_test_" + hex.EncodeToString(b[:])
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Issue 12 (a), on the generated export: two serve replicas on one
// PostgreSQL share an async Group job's members; the one that took the
// request is killed with SIGKILL mid-job; the other finishes the job with the
// answer a single process gives, and the store holds the rows a single
// process writes, none twice.
func TestServeReplicaKilledMidJobLeavesTheJobToTheOther(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 1,500 patients and waits for River's rescue")
	}
	pg := postgresURL(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "export")
	code, _, errs := run(t, nil, "generate", "--out", src, "--patients", "1500")
	require.Equal(t, exitOK, code, errs)
	op := "/Group/rpm-cohort/$rpm-eligibility?month=2026-10"
	async := map[string]string{"Prefer": "respond-async", "Content-Type": "application/fhir+json"}

	// A single process on SQLite: the answer and the rows to expect.
	single := filepath.Join(dir, "single.db")
	base, stop := startServe(t, nil, "--source", src, "--db", single)
	code, hdr, _ := apiCall(t, http.MethodPost, base+op, "", []byte{}, async)
	require.Equal(t, http.StatusAccepted, code)
	code, want, _ := pollJob(t, hdr.Get("Content-Location"), "")
	require.Equal(t, http.StatusOK, code)
	stop()

	args := []string{"--source", src, "--db", pg, "--job-timeout", "2s", "--job-rescue-after", "4s"}
	baseA, a := startServeChild(t, append(args, "--out", filepath.Join(dir, "out-a"))...)
	baseB, b := startServeChild(t, append(args, "--out", filepath.Join(dir, "out-b"))...)
	code, hdr, _ = apiCall(t, http.MethodPost, baseA+op, "", []byte{}, async)
	require.Equal(t, http.StatusAccepted, code)
	jobPath := strings.TrimPrefix(hdr.Get("Content-Location"), baseA)
	var done, total int
	waitFor(t, 60*time.Second, func() bool {
		code, done, total, _ = progressOf(t, baseB+jobPath) // any replica answers
		return code == http.StatusAccepted && done >= 200
	})
	require.NoError(t, a.Process.Signal(syscall.SIGKILL))
	_ = a.Wait()
	require.Less(t, done, total, "killed in the middle of the job")
	t.Logf("replica A killed at %d of %d", done, total)

	var got []byte
	waitFor(t, 3*time.Minute, func() bool {
		code, _, _, got = progressOf(t, baseB+jobPath)
		return code != http.StatusAccepted
	})
	require.Equal(t, http.StatusOK, code, string(got))
	assert.Equal(t, stable(want), stable(got), "the answer a single process gives")
	require.NoError(t, b.Process.Signal(syscall.SIGTERM))
	_ = b.Wait()

	// The same rows as the single process: every patient and window once.
	count := func(db *sql.DB, q string) int {
		var n int
		require.NoError(t, db.QueryRow(q).Scan(&n), q)
		return n
	}
	sdb, err := sql.Open("sqlite", single)
	require.NoError(t, err)
	defer sdb.Close()
	cfg, err := pgx.ParseConfig(pg)
	require.NoError(t, err)
	pdb := stdlib.OpenDB(*cfg)
	defer pdb.Close()
	for _, q := range []string{
		"SELECT count(*) FROM patients",
		"SELECT count(*) FROM evaluations",
		"SELECT count(*) FROM code_lines",
		"SELECT count(*) FROM (SELECT DISTINCT tenant, patient_id FROM evaluations) p",
	} {
		assert.Equal(t, count(sdb, q), count(pdb, q), q)
	}
	assert.Equal(t, 1535, count(pdb, "SELECT count(*) FROM group_job_members WHERE done = 1"))
	assert.Equal(t, 1535, count(pdb, "SELECT done FROM group_jobs"))
	assert.GreaterOrEqual(t, count(pdb, "SELECT count(DISTINCT a) FROM river_job, unnest(attempted_by) a WHERE kind = 'rpm_member'"), 2,
		"both replicas worked members")
}
