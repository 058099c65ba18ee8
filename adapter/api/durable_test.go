package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/jobs"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// riverDSN, while set, makes newTestServer keep its async jobs on River in
// a store there (withRiver), so that the job tests written for the
// in-memory jobs show the same guarantees for the stored ones.
var riverDSN func(t *testing.T) string

// withRiver is cfg with its jobs on River, when riverDSN is set.
func withRiver(t *testing.T, cfg Config) Config {
	t.Helper()
	if riverDSN == nil || cfg.Jobs != nil {
		return cfg
	}
	st, err := store.Open(t.Context(), riverDSN(t), store.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	q, err := jobs.New(st, jobs.Options{JobTimeout: 5 * time.Second, RescueAfter: 10 * time.Second,
		PollInterval: 100 * time.Millisecond, Now: cfg.Now})
	require.NoError(t, err)
	cfg.Jobs = q
	return cfg
}

// The job guarantees of the README's Security section (owner labels,
// caps, cancellation, the in-flight bound), on River: the same tests as for
// the in-memory jobs. Not here: TestShutdownStopsRunningJobs (a stored job
// outlives a shutdown on purpose: TestStoredJobOutlivesShutdown) and the
// retention count of finished jobs (MaxRetainedJobs; stored jobs expire by
// JobTTL only).
func TestJobGuaranteesHoldOnRiver(t *testing.T) {
	tests := map[string]func(*testing.T){
		"TestAsyncJobLifecycle":                    TestAsyncJobLifecycle,
		"TestCancelledJobIsGone":                   TestCancelledJobIsGone,
		"TestJobCapacityIs429":                     TestJobCapacityIs429,
		"TestFinishedJobsExpire":                   TestFinishedJobsExpire,
		"TestLargeGroupGetsASummary":               TestLargeGroupGetsASummary,
		"TestJobURLsAreUnguessable":                TestJobURLsAreUnguessable,
		"TestJobIsVisibleOnlyToItsOwner":           TestJobIsVisibleOnlyToItsOwner,
		"TestCancellingAWriteJobNeedsTheWriteRole": TestCancellingAWriteJobNeedsTheWriteRole,
		"TestJobMembersAreCapped":                  TestJobMembersAreCapped,
		"TestRunningJobsPerTokenAreCapped":         TestRunningJobsPerTokenAreCapped,
		"TestEvaluationsInFlightAreBounded":        TestEvaluationsInFlightAreBounded,
		"TestJobLinkNeverComesFromRequestHeaders":  TestJobLinkNeverComesFromRequestHeaders,
	}
	drivers := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "rpm-adapter.db") },
	}
	if dsn := os.Getenv("RPM_TEST_POSTGRES_DSN"); dsn != "" {
		drivers["postgres"] = func(t *testing.T) string { return postgresSchema(t, dsn) }
	} else if os.Getenv("CI") == "true" {
		t.Fatal("RPM_TEST_POSTGRES_DSN is not set: under CI=true the PostgreSQL driver must be tested (testdata/postgres/start.sh)")
	}
	for dname, dsn := range drivers {
		for name, f := range tests {
			t.Run(dname+"/"+name, func(t *testing.T) {
				riverDSN = dsn
				t.Cleanup(func() { riverDSN = nil })
				f(t)
			})
		}
	}
}

// postgresSchema makes a schema for the test on the server at base and
// returns a URL selecting it; the schema is dropped at the end.
func postgresSchema(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rpm_api_test_" + hex.EncodeToString(b[:])
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

// A stored job outlives the server that started it: a second server on
// the same database (a restart, or another replica) answers its status with
// the owner check and finishes it, the member cut off by the shutdown
// evaluated again.
func TestStoredJobOutlivesShutdown(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "rpm-adapter.db")
	riverDSN = func(*testing.T) string { return dsn }
	t.Cleanup(func() { riverDSN = nil })
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2"}
	fake.gate = make(chan struct{})
	fake.gated = map[string]bool{"p2": true}
	cfg := withTokens()
	first := newTestServer(t, cfg, fake)
	path := startJob(t, first, "g1")
	require.Eventually(t, func() bool {
		w := first.do(t, req{method: http.MethodGet, target: path, token: fullToken})
		return w.Header().Get("X-Progress") == "1 of 2 patients"
	}, 10*time.Second, 10*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, first.Shutdown(ctx))

	second := newTestServer(t, cfg, fake)
	assert.Equal(t, http.StatusNotFound, second.do(t, req{method: http.MethodGet, target: path, token: readToken}).Code,
		"still only its owner's")
	w := second.do(t, req{method: http.MethodGet, target: path, token: fullToken})
	assert.Equal(t, http.StatusAccepted, w.Code)
	assert.Equal(t, "1 of 2 patients", w.Header().Get("X-Progress"))
	close(fake.gate)
	w = pollUntil(t, second, path, http.StatusOK)
	b := bundleOf(t, w)
	assert.Contains(t, typesOf(t, b), "MeasureReport")
	var p1, p2 int
	for _, c := range fake.callsOf() {
		switch c.id {
		case "p1":
			p1++
		case "p2":
			p2++
		}
	}
	assert.Equal(t, 1, p1, "a member whose line was stored is not evaluated again")
	assert.Equal(t, 2, p2, "the member cut off is evaluated again")
}

// callsOf is a copy of the evaluations asked for so far.
func (f *fakeService) callsOf() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}
