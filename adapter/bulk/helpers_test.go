package bulk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

const (
	obs1 = `{"resourceType":"Observation","id":"o1"}` + "\n" + `{"resourceType":"Observation","id":"o2"}` + "\n"
	obs2 = `{"resourceType":"Observation","id":"o3"}` // no final newline
	pat1 = `{"resourceType":"Patient","id":"p1"}` + "\n"
	oo1  = `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"Observation o9 could not be exported"}]}` + "\n"
)

// bulkServer is a scripted Bulk Data server under /fhir: kick-off at
// Group/{id}/$export, status at /fhir/status/j1, files under /fhir/files/.
// It records every request.
type bulkServer struct {
	*httptest.Server
	t *testing.T

	mu    sync.Mutex
	reqs  []*http.Request
	polls int

	kickOff  func(w http.ResponseWriter, r *http.Request)           // nil: 202 with Content-Location
	status   func(poll int, w http.ResponseWriter, r *http.Request) // nil: 200 with manifest
	manifest string                                                 // "{base}" becomes the server's URL
	files    map[string]string                                      // path under /fhir/files/ → body
	del      int                                                    // status of DELETE; 0 means 202
}

func newBulkServer(t *testing.T) *bulkServer {
	t.Helper()
	s := &bulkServer{t: t, files: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *bulkServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Clone(context.Background()))
	s.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/$export"):
		if s.kickOff != nil {
			s.kickOff(w, r)
			return
		}
		w.Header().Set("Content-Location", s.URL+"/fhir/status/j1")
		w.WriteHeader(http.StatusAccepted)
	case r.URL.Path == "/fhir/status/j1" && r.Method == http.MethodDelete:
		w.WriteHeader(cmpOr(s.del, http.StatusAccepted))
	case r.URL.Path == "/fhir/status/j1":
		s.mu.Lock()
		s.polls++
		n := s.polls
		s.mu.Unlock()
		if s.status != nil {
			s.status(n, w, r)
			return
		}
		s.complete(w)
	case strings.HasPrefix(r.URL.Path, "/fhir/files/"):
		body, ok := s.files[strings.TrimPrefix(r.URL.Path, "/fhir/files/")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", fhirclient.NDJSONType)
		fmt.Fprint(w, body)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// complete answers a status request with the manifest.
func (s *bulkServer) complete(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, strings.ReplaceAll(s.manifest, "{base}", s.URL))
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// requests returns the recorded requests with method whose path has prefix.
func (s *bulkServer) requests(method, prefix string) []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*http.Request
	for _, r := range s.reqs {
		if r.Method == method && strings.HasPrefix(r.URL.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func (s *bulkServer) client(t *testing.T) *fhirclient.Client {
	t.Helper()
	c, err := fhirclient.New(fhirclient.Config{
		BaseURL:       s.URL + "/fhir",
		Auth:          fhirclient.StaticToken("tok-bulk"),
		Timeout:       2 * time.Second,
		MaxRetries:    1,
		RetryWaitMin:  time.Millisecond,
		RetryWaitMax:  5 * time.Millisecond,
		MaxRetryAfter: 50 * time.Millisecond,
	})
	require.NoError(t, err)
	return c
}

// sleeps records the waits Export asks for and returns at once.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testOptions(sl *sleeps) Options {
	return Options{Sleep: sl.Sleep, Now: func() time.Time { return testNow }}
}

// manifest builds a completion manifest; files are "type url [count]".
func manifest(token bool, output []string, errs ...string) string {
	files := func(specs []string) string {
		var parts []string
		for _, spec := range specs {
			f := strings.Fields(spec)
			p := fmt.Sprintf(`{"type":%q,"url":%q`, f[0], f[1])
			if len(f) > 2 {
				p += `,"count":` + f[2]
			}
			parts = append(parts, p+"}")
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprintf(`{"transactionTime":"2026-03-01T11:59:00.123+00:00","request":"{base}/fhir/Group/g1/$export?_type=Observation,Patient",`+
		`"requiresAccessToken":%t,"output":%s,"error":%s}`, token, files(output), files(errs))
}

// entries lists dir recursively as slash paths, for "nothing left" checks.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, de := range des {
		out = append(out, de.Name())
		if de.IsDir() {
			for _, sub := range entries(t, dir+"/"+de.Name()) {
				out = append(out, de.Name()+"/"+sub)
			}
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func writeFile(path, body string) error {
	return os.WriteFile(path, []byte(body), 0o600)
}
