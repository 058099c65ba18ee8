//go:build unix

package ndjson_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
)

func mr(id string) *adapter.Outcome {
	return &adapter.Outcome{PatientID: "p", Resources: []adapter.Resource{
		{Type: "MeasureReport", JSON: []byte(`{"resourceType":"MeasureReport","id":"` + id + `"}`)}}}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
}

func line(id string) string { return `{"resourceType":"MeasureReport","id":"` + id + `"}` }

// Results are PHI: the folder is 0700 and the files 0600 whatever the
// umask, and a looser folder of ours is tightened.
func TestOutputFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	loose := filepath.Join(t.TempDir(), "loose")
	require.NoError(t, os.Mkdir(loose, 0o777))
	for _, dir := range []string{filepath.Join(t.TempDir(), "new", "out"), loose} {
		s, err := ndjson.NewSink(dir)
		require.NoError(t, err)
		require.NoError(t, s.Write(context.Background(), mr("a")))
		require.NoError(t, s.Close())

		st, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o700), st.Mode().Perm(), dir)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
			info, err := e.Info()
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), e.Name())
		}
		assert.Equal(t, []string{"ChargeItem.ndjson", "MeasureReport.ndjson", "OperationOutcome.ndjson", "Task.ndjson"}, names,
			"no temporary or lock file is left")
	}
}

// A symlink at a result file, at a temporary file's name or as the folder
// itself is never followed: its target is neither read nor written.
func TestSymlinkIsNeverFollowed(t *testing.T) {
	target := filepath.Join(t.TempDir(), "precious")
	require.NoError(t, os.WriteFile(target, []byte("keep me\n"), 0o600))

	t.Run("at a result file it is refused", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Symlink(target, filepath.Join(dir, "MeasureReport.ndjson")))
		_, err := ndjson.NewSink(dir)
		assert.ErrorContains(t, err, "output file MeasureReport.ndjson: a symlink, refused")
		assert.Equal(t, "keep me\n", string(must(os.ReadFile(target))))
		left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
		assert.Empty(t, left)
	})
	t.Run("at a temporary file's name it is removed, not followed", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Symlink(target, filepath.Join(dir, ".MeasureReport.ndjson.tmp")))
		s, err := ndjson.NewSink(dir)
		require.NoError(t, err)
		require.NoError(t, s.Write(context.Background(), mr("a")))
		require.NoError(t, s.Close())
		assert.Equal(t, "keep me\n", string(must(os.ReadFile(target))))
		st, err := os.Lstat(filepath.Join(dir, "MeasureReport.ndjson"))
		require.NoError(t, err)
		assert.True(t, st.Mode().IsRegular())
	})
	t.Run("as the folder it is refused", func(t *testing.T) {
		real := t.TempDir()
		link := filepath.Join(t.TempDir(), "out")
		require.NoError(t, os.Symlink(real, link))
		_, err := ndjson.NewSink(link)
		assert.ErrorContains(t, err, "is a symlink: refused")
		assert.Empty(t, must(os.ReadDir(real)))
	})
}

func TestFolderOwnedByAnotherUserIsRefused(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		require.NoError(t, os.Chown(dir, 65534, 65534))
	} else {
		dir = "/" // root's
	}
	_, err := ndjson.NewSink(dir)
	assert.ErrorContains(t, err, "belongs to another user: refused")
}

// A start appends to the earlier results; a run's lines appear only when
// it completes (Close), so an unfinished run leaves the earlier files as
// they were; a last line a crash cut short is dropped.
func TestStartNeverDestroysEarlierResults(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "MeasureReport.ndjson")
	for _, id := range []string{"run1", "run2"} {
		s, err := ndjson.NewSink(dir)
		require.NoError(t, err)
		require.NoError(t, s.Write(context.Background(), mr(id)))
		require.NoError(t, s.Close())
	}
	assert.Equal(t, []string{line("run1"), line("run2")}, readLines(t, final))

	s, err := ndjson.NewSink(dir)
	require.NoError(t, err)
	require.NoError(t, s.Write(context.Background(), mr("run3")))
	assert.Equal(t, []string{line("run1"), line("run2")}, readLines(t, final), "an unfinished run is not visible")
	_, err = ndjson.NewSink(dir)
	assert.ErrorContains(t, err, "in use by another run")
	require.NoError(t, s.Close())
	assert.Equal(t, []string{line("run1"), line("run2"), line("run3")}, readLines(t, final))

	// A crash in the middle of a line (never acknowledged) leaves half a
	// line; the next start drops it.
	f, err := os.OpenFile(final, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"resourceType":"Measu`)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	s, err = ndjson.NewSink(dir)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{line("run1"), line("run2"), line("run3")}, readLines(t, final))
}

// serve answers write=true with 200 once Service.EvaluatePatient returns:
// by then the results are flushed, fsynced and in the result files, and
// they survive kill -9 of the process.
func TestResultsDurableBeforeAck(t *testing.T) {
	if dir := os.Getenv("RPM_TEST_SINK_CHILD"); dir != "" {
		durableChild(t, dir)
		return
	}
	dir := t.TempDir()
	job, err := adapter.ParseJob("2026-10", "", "")
	require.NoError(t, err)
	sink, err := ndjson.NewSink(dir)
	require.NoError(t, err)
	svc, err := adapter.NewService(sampleSource(t), newEvaluator(t, octoberRun), sink)
	require.NoError(t, err)
	out, err := svc.EvaluatePatient(t.Context(), "wc-c03", job, true)
	require.NoError(t, err)
	require.NotEmpty(t, out.Resources)
	got := readLines(t, filepath.Join(dir, "MeasureReport.ndjson"))
	assert.NotEmpty(t, got, "on disk before the answer, with the sink still open")
	require.NoError(t, sink.Close())

	// The same in a process killed with SIGKILL right after the answer.
	dir = t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestResultsDurableBeforeAck$")
	cmd.Env = append(os.Environ(), "RPM_TEST_SINK_CHILD="+dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	acked := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "acked" {
				acked <- true
				return
			}
		}
		acked <- false
	}()
	select {
	case ok := <-acked:
		require.True(t, ok, "the child acknowledged the write")
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the child never acknowledged")
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	lines := readLines(t, filepath.Join(dir, "MeasureReport.ndjson"))
	require.NotEmpty(t, lines, "the acknowledged results survived kill -9")
	assert.Contains(t, lines[0], `"resourceType":"MeasureReport"`)
	// And the next start keeps them.
	s, err := ndjson.NewSink(dir)
	require.NoError(t, err, "the dead run's lock is gone with it")
	require.NoError(t, s.Close())
	assert.Equal(t, lines, readLines(t, filepath.Join(dir, "MeasureReport.ndjson")))
}

// durableChild acknowledges one write, then waits to be killed.
func durableChild(t *testing.T, dir string) {
	job, err := adapter.ParseJob("2026-10", "", "")
	require.NoError(t, err)
	sink, err := ndjson.NewSink(dir)
	require.NoError(t, err)
	svc, err := adapter.NewService(sampleSource(t), newEvaluator(t, octoberRun), sink)
	require.NoError(t, err)
	_, err = svc.EvaluatePatient(context.Background(), "wc-c03", job, true)
	require.NoError(t, err)
	os.Stdout.WriteString("acked\n")
	time.Sleep(time.Minute)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
