package fhirclient

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fastConfig is a Config for a test server with waits of milliseconds, so a
// test of four retries still finishes at once.
func fastConfig(baseURL string) Config {
	return Config{
		BaseURL:       baseURL,
		Timeout:       2 * time.Second,
		MaxRetries:    3,
		RetryWaitMin:  time.Millisecond,
		RetryWaitMax:  5 * time.Millisecond,
		MaxRetryAfter: 50 * time.Millisecond,
	}
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	require.NoError(t, err)
	return c
}

func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// reply is one canned answer of a scripted server.
type reply struct {
	status int
	header map[string]string
	body   string
}

// scripted answers request i (0-based) with next(i, r) and records every
// request it receives.
type scripted struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

// newScripted serves replies in order, repeating the last one.
func newScripted(t *testing.T, replies ...reply) *scripted {
	t.Helper()
	return newScriptedFunc(t, func(i int, _ *http.Request) reply {
		return replies[min(i, len(replies)-1)]
	})
}

func newScriptedFunc(t *testing.T, next func(i int, r *http.Request) reply) *scripted {
	t.Helper()
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, r.Clone(r.Context()))
		s.mu.Unlock()
		rep := next(n, r)
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if rep.body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", fhirJSON)
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write([]byte(rep.body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *scripted) request(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[i]
}

// countingServer counts requests and records whether any carried an
// Authorization header: the foreign host of the credential tests.
type countingServer struct {
	*httptest.Server
	hits     atomic.Int32
	sawCreds atomic.Bool
}

func newCountingServer(t *testing.T) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			s.sawCreds.Store(true)
		}
		w.Header().Set("Content-Type", fhirJSON)
		_, _ = w.Write([]byte(`{"resourceType":"Bundle","type":"searchset"}`))
	}))
	t.Cleanup(s.Close)
	return s
}

// logBuffer captures slog output for PHI checks.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fakeClock is an injectable clock for token lifetimes and HTTP-dates.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const (
	emptyBundle  = `{"resourceType":"Bundle","type":"searchset"}`
	patientJSON  = `{"resourceType":"Patient","id":"p1"}`
	outcome400   = `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Unknown search parameter 'colour'"}]}`
	phiQueryText = "patient=Patient/secret-42"
)
