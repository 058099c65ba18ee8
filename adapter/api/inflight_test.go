package api

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (f *fakeService) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// Issue 11, point 7: 150 parallel requests gave 150 upstream calls at once.
// Sync requests and async jobs share one bound; past it a synchronous
// request is answered 503 with Retry-After, and a job's members wait.
func TestEvaluationsInFlightAreBounded(t *testing.T) {
	fake := newFake()
	fake.gate = make(chan struct{})
	fake.groups["g1"] = []string{"m1", "m2", "m3"}
	cfg := writeOnly()
	cfg.MaxInflight = 2
	s := newTestServer(t, cfg, fake)

	var wg sync.WaitGroup
	for _, id := range []string{"p1", "p2"} {
		wg.Go(func() {
			bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/" + id + "/$rpm-eligibility", token: fullToken}))
		})
	}
	require.Eventually(t, func() bool { return fake.callCount() == 2 }, 5*time.Second, time.Millisecond)

	for _, r := range []req{
		{method: http.MethodGet, target: "/fhir/Patient/p3/$rpm-eligibility", token: fullToken},
		{method: http.MethodPost, target: groupOp, token: fullToken},
	} {
		w := s.do(t, r)
		require.Equal(t, http.StatusServiceUnavailable, w.Code, r.target)
		assert.Equal(t, "throttled", outcomeOf(t, w).Issue[0].Code)
		assert.NotEmpty(t, w.Header().Get("Retry-After"))
	}
	path := startJob(t, s, "g1") // admitted; its members queue
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, 2, fake.callCount(), "the job's members wait for a slot")

	close(fake.gate)
	wg.Wait()
	bundleOf(t, pollUntil(t, s, path, http.StatusOK))
	fake.mu.Lock()
	defer fake.mu.Unlock()
	assert.Len(t, fake.calls, 5)
	assert.LessOrEqual(t, fake.maxSeen, 2, "never more than MaxInflight at once")
}

func TestMaxInflightHasADefault(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxInflight, cfg.MaxInflight)
	assert.Greater(t, cfg.MaxInflight, cfg.MaxJobs*cfg.GroupConcurrency, "at the defaults, jobs leave slots to synchronous callers")
}

// Issue 11, point 7: one job may not queue an unbounded cohort.
func TestJobMembersAreCapped(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2", "p3"}
	cfg := writeOnly()
	cfg.MaxJobMembers = 2
	s := newTestServer(t, cfg, fake)
	w := s.do(t, req{method: http.MethodPost, target: groupOp, token: fullToken, header: respondAsync})
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "at most 2")
	assert.Zero(t, fake.callCount())
}

// Issue 11, point 7: one token may not take every job slot.
func TestRunningJobsPerTokenAreCapped(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	fake.gate = make(chan struct{})
	cfg := Config{Tokens: []Token{{"ehr", RoleWrite, fullToken}, {"other", RoleRead, readToken}},
		MaxJobs: 4, MaxJobsPerToken: 1}
	s := newTestServer(t, cfg, fake)
	first := startJob(t, s, "g1")
	w := s.do(t, req{method: http.MethodPost, target: groupOp, token: fullToken, header: respondAsync})
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
	w = s.do(t, req{method: http.MethodPost, target: groupOp, token: readToken, header: respondAsync})
	assert.Equal(t, http.StatusAccepted, w.Code, "another token still may")

	close(fake.gate)
	pollUntil(t, s, first, http.StatusOK)
	startJob(t, s, "g1") // a finished job holds no slot of its owner's
}
