package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
)

// requireClockAfter fails a CLI test whose expectations assume closed
// windows when the machine's clock is before date: the command line reads
// the real clock.
func requireClockAfter(t *testing.T, date string) {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	require.NoError(t, err)
	if time.Now().Before(d.Add(14 * time.Hour)) {
		t.Fatalf("the clock (%s) is before %s: the windows of this test would still be open", time.Now().Format(time.RFC3339), date)
	}
}

// checkOracle compares the server's ChargeItems and MeasureReports of each
// patient (a 2026-10 worked case) with expected.json.
func checkOracle(t *testing.T, st *e2etest.State, ds *e2etest.Dataset, patients ...string) {
	t.Helper()
	for _, p := range patients {
		ec := e2etest.OracleCase(t, p)
		ev := ec.Evaluations[0]
		require.Equal(t, "2026-10", ev.Month, p)
		w := e2etest.Windows(ev)
		require.Equal(t, e2etest.ExpectedCharges(ev), st.Charges(ds.ID(p), w), "ChargeItems of %s (%s)", p, ec.Case)
		require.Equal(t, e2etest.ExpectedReports(ev), st.Reports(ds.ID(p), w), "MeasureReports of %s (%s)", p, ec.Case)
	}
}

// ndjsonItems reads an output folder's NDJSON file of one type as
// Item.Content lines (type, status, code, units, window, score), with the
// dataset's prefix stripped from the patient.
func ndjsonItems(t *testing.T, dir, typ string, ds *e2etest.Dataset) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, typ+".ndjson"))
	if os.IsNotExist(err) {
		return []string{}
	}
	require.NoError(t, err)
	defer f.Close()
	out := []string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		r, err := e2etest.ParseResource(sc.Bytes())
		require.NoError(t, err)
		it := e2etest.Item{Type: r.Type, ID: r.ID, Status: r.Status(), Units: r.Units(), Period: r.Period(),
			Score: r.Score(), Measure: r.Measure()}
		if typ != "MeasureReport" {
			it.Code = r.Code()
		}
		out = append(out, r.ID+" "+it.Content(ds.Orig(r.Subject())))
	}
	require.NoError(t, sc.Err())
	slices.Sort(out)
	return out
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveE2E runs "serve" in-process on a free loopback port with the given
// environment and arguments, keeping its stdout and stderr (the slog
// records), and returns the API base (http://127.0.0.1:PORT/fhir), the
// captured output and a function that stops it and returns the exit code.
func serveE2E(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code := realMain(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--out", t.TempDir(),
			"--db", filepath.Join(t.TempDir(), "rpm-adapter.db")}, args...),
			io.MultiWriter(pw, logs), logs, func(k string) string { return env[k] })
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, "serve did not start: %s", logs.String())
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case c := <-done:
			return c
		case <-time.After(60 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	return base, logs, stop
}

// bundleResources decodes a Bundle's entries.
func bundleResources(t *testing.T, body []byte) []*e2etest.Resource {
	t.Helper()
	var b struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(body, &b), string(body))
	require.Equal(t, "Bundle", b.ResourceType, string(body))
	var out []*e2etest.Resource
	for _, e := range b.Entry {
		r, err := e2etest.ParseResource(e.Resource)
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

// charges lists a Bundle's ChargeItems of one server patient id in the form
// of e2etest.ExpectedCharges.
func charges(rs []*e2etest.Resource, pid string) []string {
	out := []string{}
	for _, r := range rs {
		if r.Type == "ChargeItem" && r.Subject() == "Patient/"+pid {
			out = append(out, fmt.Sprintf("%s x%s %s %s", r.Code(), r.Units(), r.Status(), r.Period()))
		}
	}
	slices.Sort(out)
	return out
}
