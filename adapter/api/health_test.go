package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

func TestHealthAndReadiness(t *testing.T) {
	fake := newFake()
	clock := newClock()
	s := newTestServer(t, Config{Now: clock.now}, fake)
	w := s.do(t, req{method: http.MethodGet, target: "/healthz"})
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "information", outcomeOf(t, w).Issue[0].Severity)
	assert.Equal(t, http.StatusOK, s.do(t, req{method: http.MethodGet, target: "/readyz"}).Code)

	// Whatever the cause, not ready is 503; the cause is logged, not shown.
	for _, err := range []error{
		&fhirclient.Error{Status: 0, Method: "GET", Resource: "metadata", Err: fhirclient.ErrTimeout},
		&fhirclient.Error{Status: 401, Method: "GET", Resource: "metadata", Issues: []string{"error login: secret realm"}, Err: fhirclient.ErrAuth},
	} {
		fake.readyErr = err
		clock.advance(DefaultReadyCacheTTL)
		w = s.do(t, req{method: http.MethodGet, target: "/readyz"})
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		oo := outcomeOf(t, w)
		assert.Equal(t, "the FHIR source does not answer", oo.Issue[0].Diagnostics)
		assert.NotContains(t, w.Body.String(), "secret realm")
	}
	assert.Contains(t, s.logs.String(), "secret realm")
	assert.Equal(t, http.StatusOK, s.do(t, req{method: http.MethodGet, target: "/healthz"}).Code, "liveness ignores the source")
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: testNow} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingReady counts the readiness checks that reach the service.
type countingReady struct {
	*fakeService
	checks atomic.Int32
}

func (f *countingReady) Ready(ctx context.Context) error {
	f.checks.Add(1)
	return f.fakeService.Ready(ctx)
}

// Issue 11, point 13: /readyz is open, and each check is a credentialed
// call to the FHIR server.
func TestReadinessIsCached(t *testing.T) {
	clock := newClock()
	svc := &countingReady{fakeService: newFake()}
	s, err := New(Config{Now: clock.now, ReadyCacheTTL: 5 * time.Second, ListenAddr: testListen}, svc)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			assert.Equal(t, http.StatusOK, serve(s, newRequest(req{method: http.MethodGet, target: "/readyz"})).Code)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, svc.checks.Load(), "fifty probes, one upstream check")

	svc.fakeService.readyErr = errors.New("down")
	clock.advance(4 * time.Second)
	assert.Equal(t, http.StatusOK, serve(s, newRequest(req{method: http.MethodGet, target: "/readyz"})).Code, "still cached")
	clock.advance(time.Second)
	assert.Equal(t, http.StatusServiceUnavailable, serve(s, newRequest(req{method: http.MethodGet, target: "/readyz"})).Code)
	assert.EqualValues(t, 2, svc.checks.Load())
}

// Issue 11, point 13: the metrics say how busy the service is and what
// fails upstream; with tokens configured they need one.
func TestMetricsNeedATokenUnlessPublic(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	assert.Equal(t, http.StatusUnauthorized, s.do(t, req{method: http.MethodGet, target: "/metrics"}).Code)
	assert.Equal(t, http.StatusOK, s.do(t, req{method: http.MethodGet, target: "/metrics", token: readToken}).Code)

	cfg := withTokens()
	cfg.MetricsPublic = true
	s = newTestServer(t, cfg, nil)
	assert.Equal(t, http.StatusOK, s.do(t, req{method: http.MethodGet, target: "/metrics"}).Code)
}
