package api

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/jobs"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// A scheduled run is the stored job of an async Group request with
// date=day and write: its members are evaluated as of that day, written
// back, and answered with a summary; the audit trail names the schedule.
func TestAScheduledRunEvaluatesTheGroupAsOfItsDay(t *testing.T) {
	riverDSN = func(t *testing.T) string { return filepath.Join(t.TempDir(), "rpm-adapter.db") }
	t.Cleanup(func() { riverDSN = nil })
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2"}
	rec := &recordingAuditor{}
	cfg := withTokens()
	cfg.Auditor = rec
	s := newTestServer(t, cfg, fake)

	var work jobs.ScheduledWork = jobWork{s.Server}
	day := rules.DateOf(2026, time.November, 30)
	spec, err := work.ScheduledJob("g1", day, true)
	require.NoError(t, err)
	assert.Equal(t, "g1", spec.GroupID)
	assert.True(t, spec.Write)
	assert.Equal(t, "schedule-2026-11-30", spec.RequestID)
	spec.ID, spec.Owner = "5c4ed01e000000000000000000000001", jobs.ScheduleOwner
	require.NoError(t, s.cfg.Jobs.Start(context.Background(), spec))
	var st adapter.GroupJobStatus
	require.Eventually(t, func() bool {
		st, err = s.cfg.Jobs.Get(context.Background(), spec.ID)
		return err == nil && st.State == adapter.JobCompleted
	}, 20*time.Second, 20*time.Millisecond)
	assert.Contains(t, string(st.Result), `"resourceType":"Parameters"`, "a summary, not the resources")

	fake.mu.Lock()
	calls := append([]call(nil), fake.calls...)
	fake.mu.Unlock()
	require.Len(t, calls, 2)
	for _, c := range calls {
		assert.Equal(t, day, c.job.Date, c.id)
		assert.Equal(t, rules.NoDate, c.job.Month, c.id)
		assert.True(t, c.write, c.id)
	}
	require.Eventually(t, func() bool {
		for _, e := range rec.events() {
			if e.Operation == adapter.AuditGroupJobEnd {
				return e.Token == jobs.ScheduleOwner && e.Outcome == "completed" && e.RequestID == spec.RequestID
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)
}
