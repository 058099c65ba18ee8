package api

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With stored jobs, rpm_jobs_running is the store's count: the same on
// every replica, whichever started the job, and 0 once it ends.
func TestJobsRunningCountsTheStoredJobsOfEveryReplica(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "rpm-adapter.db")
	riverDSN = func(*testing.T) string { return dsn }
	t.Cleanup(func() { riverDSN = nil })
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2"}
	fake.gate = make(chan struct{})
	a := newTestServer(t, withTokens(), fake)
	b := newTestServer(t, withTokens(), fake)
	assert.Contains(t, scrape(t, b), "\nrpm_jobs_running 0\n")

	path := startJob(t, a, "g1")
	assert.Contains(t, scrape(t, a), "\nrpm_jobs_running 1\n")
	assert.Contains(t, scrape(t, b), "\nrpm_jobs_running 1\n", "a job started on another replica")
	close(fake.gate)
	pollUntil(t, b, path, http.StatusOK)
	for _, s := range []*testServer{a, b} {
		require.Eventually(t, func() bool { return strings.Contains(scrape(t, s), "\nrpm_jobs_running 0\n") },
			5*time.Second, 10*time.Millisecond)
	}
}
