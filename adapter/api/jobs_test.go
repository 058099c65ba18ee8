package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

var respondAsync = map[string]string{"Prefer": "respond-async"}

// startJob posts an async Group request and returns the status path.
func startJob(t *testing.T, s *testServer, group string) string {
	t.Helper()
	w := s.do(t, req{method: http.MethodPost, target: "/fhir/Group/" + group + "/$rpm-eligibility?month=2024-03",
		token: fullToken, header: respondAsync})
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Equal(t, "respond-async", w.Header().Get("Preference-Applied"))
	loc := w.Header().Get("Content-Location")
	require.Regexp(t, `^http://127\.0\.0\.1:8080/fhir/_jobs/[0-9a-f]{32}$`, loc)
	oo := outcomeOf(t, w)
	require.Len(t, oo.Issue, 2)
	assert.Equal(t, "information", oo.Issue[1].Severity)
	assert.Equal(t, loc, oo.Issue[1].Diagnostics, "the status URL is in the body too, for clients blind to headers")
	return strings.TrimPrefix(loc, "http://"+testListen)
}

// pollUntil polls the status path until it answers want.
func pollUntil(t *testing.T, s *testServer, path string, want int) *httptest.ResponseRecorder {
	t.Helper()
	var w *httptest.ResponseRecorder
	require.Eventually(t, func() bool {
		w = s.do(t, req{method: http.MethodGet, target: path, token: fullToken})
		return w.Code == want
	}, 5*time.Second, 5*time.Millisecond)
	return w
}

func TestAsyncJobLifecycle(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2", "p3"}
	fake.gate = make(chan struct{})
	fake.gated = map[string]bool{"p2": true, "p3": true}
	cfg := withTokens()
	cfg.GroupConcurrency = 1 // members one by one, so progress is exact
	s := newTestServer(t, cfg, fake)

	path := startJob(t, s, "g1")
	require.Eventually(t, func() bool {
		w := s.do(t, req{method: http.MethodGet, target: path, token: fullToken})
		return w.Code == http.StatusAccepted && w.Header().Get("X-Progress") == "1 of 3 patients"
	}, 5*time.Second, 5*time.Millisecond)
	w := s.do(t, req{method: http.MethodGet, target: path, token: fullToken})
	assert.Equal(t, jobPollSeconds, w.Header().Get("Retry-After"))
	assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "in progress")

	close(fake.gate)
	w = pollUntil(t, s, path, http.StatusOK)
	b := bundleOf(t, w)
	assert.Len(t, b.Entry, 6, "two resources for each of three members")
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))

	// Reading twice is fine; deleting a finished job removes its result.
	bundleOf(t, s.do(t, req{method: http.MethodGet, target: path, token: fullToken}))
	assert.Equal(t, http.StatusNoContent, s.do(t, req{method: http.MethodDelete, target: path, token: fullToken}).Code)
	assert.Equal(t, http.StatusNotFound, s.do(t, req{method: http.MethodGet, target: path, token: fullToken}).Code)
	assert.Equal(t, http.StatusNotFound, s.do(t, req{method: http.MethodDelete, target: path, token: fullToken}).Code)
}

func TestCancelledJobIsGone(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2"}
	fake.gate = make(chan struct{}) // never opens: only cancellation ends the job
	s := newTestServer(t, withTokens(), fake)

	path := startJob(t, s, "g1")
	w := s.do(t, req{method: http.MethodDelete, target: path, token: fullToken})
	assert.Equal(t, http.StatusAccepted, w.Code)
	assert.Equal(t, "cancelled", outcomeOf(t, w).Issue[0].Diagnostics)
	w = s.do(t, req{method: http.MethodGet, target: path, token: fullToken})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "cancelled")

	// The work stops: the slot frees and the metrics say so.
	require.Eventually(t, func() bool {
		return strings.Contains(scrape(t, s), `rpm_jobs_total{outcome="cancelled"} 1`)
	}, 5*time.Second, 5*time.Millisecond)
	assert.Contains(t, scrape(t, s), "rpm_jobs_running 0")
}

func TestJobCapacityIs429(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	fake.gate = make(chan struct{})
	s := newTestServer(t, Config{Tokens: writeOnly().Tokens, MaxJobs: 1}, fake)
	path := startJob(t, s, "g1")

	w := s.do(t, req{method: http.MethodPost, target: groupOp, token: fullToken, header: respondAsync})
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "throttled", outcomeOf(t, w).Issue[0].Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))

	close(fake.gate)
	pollUntil(t, s, path, http.StatusOK)
	startJob(t, s, "g1") // a finished job holds no slot
}

func TestFinishedJobsExpire(t *testing.T) {
	var mu sync.Mutex
	now := testNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	s := newTestServer(t, Config{Tokens: writeOnly().Tokens, JobTTL: time.Hour, Now: clock}, fake)
	path := startJob(t, s, "g1")
	pollUntil(t, s, path, http.StatusOK)

	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	assert.Equal(t, http.StatusNotFound, s.do(t, req{method: http.MethodGet, target: path, token: fullToken}).Code)
}

func TestLargeGroupGetsASummary(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2", "p3"}
	fake.errs["p2"] = adapter.ErrNotFound
	fake.outcomes["p3"] = &adapter.Outcome{PatientID: "p3", NotEvaluated: "no time zone",
		Warnings: []string{"one"}}
	s := newTestServer(t, Config{Tokens: writeOnly().Tokens, SyncGroupLimit: 1, GroupBundleLimit: 2}, fake)
	path := startJob(t, s, "g1")
	b := bundleOf(t, pollUntil(t, s, path, http.StatusOK))
	assert.Equal(t, []string{"Parameters", "OperationOutcome"}, typesOf(t, b))
	summary := string(b.Entry[0].Resource)
	for _, want := range []string{
		`{"name":"patients","valueInteger":3}`, `{"name":"evaluated","valueInteger":1}`,
		`{"name":"notEvaluated","valueInteger":1}`, `{"name":"failed","valueInteger":1}`,
		`{"name":"issues","valueInteger":1}`, `{"name":"written","valueBoolean":false}`,
		`{"name":"ChargeItem","valueInteger":1}`, `{"name":"MeasureReport","valueInteger":1}`,
	} {
		assert.Contains(t, summary, want)
	}
	oo := lastOutcome(t, b)
	require.Len(t, oo.Issue, 2)
	assert.Contains(t, oo.Issue[0].Diagnostics, "Patient/p2")
	assert.Equal(t, "Patient/p3: not evaluated: no time zone", oo.Issue[1].Diagnostics)
}

func TestFailedJobAnswersItsError(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	id, err := s.jobs.start(jobSpec{owner: fullLabel, total: 1, timeout: time.Minute}, func(context.Context, string, func()) ([]byte, error) {
		panic("boom")
	})
	require.NoError(t, err)
	w := pollUntil(t, s, "/fhir/_jobs/"+id, http.StatusInternalServerError)
	assert.Equal(t, "exception", outcomeOf(t, w).Issue[0].Code)
	assert.NotContains(t, w.Body.String(), "boom")
}

func TestJobURLsAreUnguessable(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	for _, path := range []string{"/fhir/_jobs/1", "/fhir/_jobs/0123456789ABCDEF0123456789ABCDEF", "/fhir/_jobs/0123456789abcdef0123456789abcdef"} {
		assert.Equal(t, http.StatusNotFound, s.do(t, req{method: http.MethodGet, target: path, token: fullToken}).Code)
	}
}

func TestPublicURLIsTheJobBase(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	s := newTestServer(t, Config{PublicURL: "https://rpm.example.org/api/"}, fake)
	w := s.do(t, req{method: http.MethodPost, target: groupOp, header: respondAsync})
	require.Equal(t, http.StatusAccepted, w.Code)
	assert.Regexp(t, `^https://rpm\.example\.org/api/fhir/_jobs/[0-9a-f]{32}$`, w.Header().Get("Content-Location"))
}

func TestShutdownStopsRunningJobs(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2"}
	fake.gate = make(chan struct{}) // never opens
	s := newTestServer(t, withTokens(), fake)
	startJob(t, s, "g1")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	w := s.do(t, req{method: http.MethodPost, target: groupOp, token: fullToken, header: respondAsync})
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "no new jobs while stopping")
}

// Issue 11, point 9: token B could read and cancel token A's job.
func TestJobIsVisibleOnlyToItsOwner(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	fake.gate = make(chan struct{})
	const otherToken = "other-token-0123456789abcdef"
	cfg := Config{Tokens: []Token{{"ehr", RoleWrite, fullToken}, {"billing", RoleWrite, otherToken}}}
	s := newTestServer(t, cfg, fake)
	path := startJob(t, s, "g1")

	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		w := s.do(t, req{method: m, target: path, token: otherToken})
		assert.Equal(t, http.StatusNotFound, w.Code, m)
		assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "no such job", "as if it did not exist")
	}
	assert.Equal(t, http.StatusAccepted, s.do(t, req{method: http.MethodGet, target: path, token: fullToken}).Code, "still running")
	close(fake.gate)
	pollUntil(t, s, path, http.StatusOK)
	assert.Equal(t, http.StatusNotFound, s.do(t, req{method: http.MethodGet, target: path, token: otherToken}).Code)
}

// Issue 11, point 9: a read token of the same caller (a poller) sees the
// job, but cancelling one that writes needs the write role.
func TestCancellingAWriteJobNeedsTheWriteRole(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	fake.gate = make(chan struct{})
	cfg := Config{Tokens: []Token{{"ehr", RoleWrite, fullToken}, {"ehr", RoleRead, readToken}}}
	s := newTestServer(t, cfg, fake)
	w := s.do(t, req{method: http.MethodPost, target: groupWriteOp, token: fullToken, header: respondAsync})
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	path := strings.TrimPrefix(w.Header().Get("Content-Location"), "http://"+testListen)

	assert.Equal(t, http.StatusAccepted, s.do(t, req{method: http.MethodGet, target: path, token: readToken}).Code)
	w = s.do(t, req{method: http.MethodDelete, target: path, token: readToken})
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "write role")
	assert.Equal(t, http.StatusAccepted, s.do(t, req{method: http.MethodDelete, target: path, token: fullToken}).Code)

	// A read job may be cancelled by the read token.
	path = startJob(t, s, "g1")
	assert.Equal(t, http.StatusAccepted, s.do(t, req{method: http.MethodDelete, target: path, token: readToken}).Code)
}

// Issue 11, point 14: Content-Location was built from the request's Host.
func TestJobLinkNeverComesFromRequestHeaders(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	hdr := map[string]string{"Prefer": "respond-async", "X-Forwarded-Host": "evil.example",
		"X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"}
	for name, tt := range map[string]struct {
		cfg  Config
		want string
	}{
		"the listen address":   {Config{ListenAddr: "127.0.0.1:8443", AllowedHosts: []string{"proxy.example"}}, `^http://127\.0\.0\.1:8443/fhir/_jobs/[0-9a-f]{32}$`},
		"https when TLS":       {Config{ListenAddr: "127.0.0.1:8443", TLS: true, AllowedHosts: []string{"proxy.example"}}, `^https://127\.0\.0\.1:8443/fhir/_jobs/`},
		"the public URL first": {Config{ListenAddr: "127.0.0.1:8443", PublicURL: "https://rpm.example.org/api", AllowedHosts: []string{"proxy.example"}}, `^https://rpm\.example\.org/api/fhir/_jobs/`},
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, tt.cfg, fake)
			r := newRequest(req{method: http.MethodPost, target: groupOp, header: hdr})
			r.Host = "proxy.example"
			w := serve(s, r)
			require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
			assert.Regexp(t, tt.want, w.Header().Get("Content-Location"))
		})
	}
}
