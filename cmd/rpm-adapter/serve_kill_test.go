package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// serveChildEnv names the arguments of a serve run in a child process (this
// test binary again), which the parent can kill with SIGKILL.
const serveChildEnv = "RPM_TEST_SERVE_CHILD_ARGS"

// TestServeChild is not a test: it is serve in a child process, started by
// startServeChild.
func TestServeChild(t *testing.T) {
	raw := os.Getenv(serveChildEnv)
	if raw == "" {
		t.Skip("runs only as the child of TestServeKilledMidJobFinishesItAfterARestart")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(realMain(context.Background(), args, os.Stdout, os.Stderr, func(string) string { return "" }))
}

// startServeChild runs serve with args in a child process and returns its
// base URL and the process.
func startServeChild(t testing.TB, args ...string) (string, *exec.Cmd) {
	t.Helper()
	raw, err := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	if !testing.Verbose() {
		cmd.Stderr = nil
	}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				line <- l
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case l := <-line:
		return strings.TrimSpace(l), cmd
	case <-time.After(60 * time.Second):
		t.Fatal("the child serve never listened")
		return "", nil
	}
}

var progressRE = regexp.MustCompile(`^(\d+) of (\d+) patients$`)

// progressOf GETs a job's status: its status code, done and total.
func progressOf(t *testing.T, status string) (int, int, int, []byte) {
	t.Helper()
	code, hdr, body := apiCall(t, http.MethodGet, status, "", nil, nil)
	m := progressRE.FindStringSubmatch(hdr.Get("X-Progress"))
	if m == nil {
		return code, 0, 0, body
	}
	done, _ := strconv.Atoi(m[1])
	total, _ := strconv.Atoi(m[2])
	return code, done, total, body
}

// waitFor polls cond in the test's goroutine every 250 ms, a little faster
// than a client honouring Retry-After, until it holds or d has passed.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not so after %v", d)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// stable is a job's answer without its time stamp.
func stable(body []byte) string {
	return regexp.MustCompile(`"timestamp":"[^"]*"`).ReplaceAllString(string(body), "")
}

// Issue 12 (b): serve on SQLite killed with SIGKILL in the middle of an
// async Group job and started again on the same file finishes the job, with
// the answer an uninterrupted run gives, every member counted once.
func TestServeKilledMidJobFinishesItAfterARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 1,500 patients and waits for River's rescue")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "export")
	code, _, errs := run(t, nil, "generate", "--out", src, "--patients", "1500")
	require.Equal(t, exitOK, code, errs)
	op := "/Group/rpm-cohort/$rpm-eligibility?month=2026-10"
	async := map[string]string{"Prefer": "respond-async", "Content-Type": "application/fhir+json"}

	// The answer of a run nobody kills.
	base, stop := startServe(t, nil, "--source", src)
	code, hdr, _ := apiCall(t, http.MethodPost, base+op, "", []byte{}, async)
	require.Equal(t, http.StatusAccepted, code)
	code, want, _ := pollJob(t, hdr.Get("Content-Location"), "")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(want), `{"name":"patients","valueInteger":1535}`)
	stop()

	db := filepath.Join(dir, "state", "rpm-adapter.db")
	args := []string{"--source", src, "--db", db, "--out", filepath.Join(dir, "out"),
		"--job-timeout", "2s", "--job-rescue-after", "4s"}
	base, first := startServeChild(t, args...)
	code, hdr, _ = apiCall(t, http.MethodPost, base+op, "", []byte{}, async)
	require.Equal(t, http.StatusAccepted, code)
	jobPath := strings.TrimPrefix(hdr.Get("Content-Location"), base)
	var done, total int
	waitFor(t, 60*time.Second, func() bool {
		code, done, total, _ = progressOf(t, base+jobPath)
		return code == http.StatusAccepted && done >= 100
	})
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	require.Less(t, done, total, "killed in the middle of the job (done %d of %d)", done, total)
	t.Logf("killed at %d of %d", done, total)

	base, second := startServeChild(t, args...)
	code, after, total2, _ := progressOf(t, base+jobPath)
	if code == http.StatusAccepted {
		assert.GreaterOrEqual(t, after, done, "nothing done before the kill is lost")
		assert.Equal(t, total, total2)
	}
	var got []byte
	waitFor(t, 3*time.Minute, func() bool {
		code, _, _, got = progressOf(t, base+jobPath)
		return code != http.StatusAccepted
	})
	require.Equal(t, http.StatusOK, code, string(got))
	assert.Equal(t, stable(want), stable(got), "the same answer as a run nobody killed")
	require.NoError(t, second.Process.Signal(syscall.SIGTERM))
	_ = second.Wait()

	// Every member's line stored once, and counted once.
	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	defer sdb.Close()
	var members, doneLines, counted int
	require.NoError(t, sdb.QueryRow(`SELECT count(*), coalesce(sum(m.done), 0), max(j.done) FROM group_job_members m
	JOIN group_jobs j ON j.job_key = m.job_key`).Scan(&members, &doneLines, &counted))
	assert.Equal(t, []int{1535, 1535, 1535}, []int{members, doneLines, counted})
}
