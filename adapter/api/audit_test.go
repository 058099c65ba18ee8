package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// recordingAuditor keeps the events in memory.
type recordingAuditor struct {
	mu sync.Mutex
	ev []adapter.AuditEvent
}

func (a *recordingAuditor) Record(_ context.Context, e adapter.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ev = append(a.ev, e)
	return nil
}

func (a *recordingAuditor) events() []adapter.AuditEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]adapter.AuditEvent(nil), a.ev...)
}

func (a *recordingAuditor) String() string {
	b, _ := json.Marshal(a.events())
	return string(b)
}

// Issue 11, point 16: who read or wrote which patient, and what came of it.
func TestAuditTrailRecordsWhoReadOrWroteWhichPatient(t *testing.T) {
	audit := &recordingAuditor{}
	fake := newFake()
	fake.groups["g1"] = []string{"p2", "p3"}
	cfg := withTokens()
	cfg.Auditor = audit
	s := newTestServer(t, cfg, fake)

	do := func(r req) { s.do(t, r) }
	do(req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility-write?month=2024-03", token: fullToken,
		header: map[string]string{HeaderRequestID: "req-1"}})
	do(req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03", token: readToken})
	do(req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility-write", token: readToken})
	do(req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility"})
	do(req{method: http.MethodGet, target: "/fhir/Patient/../$rpm-eligibility", token: readToken})
	do(req{method: http.MethodPost, target: groupOp, token: readToken})
	path := startJob(t, s, "g1")
	pollUntil(t, s, path, http.StatusOK)
	do(req{method: http.MethodDelete, target: path, token: fullToken})
	require.Eventually(t, func() bool {
		for _, e := range audit.events() {
			if e.Operation == adapter.AuditGroupJobEnd {
				return true
			}
		}
		return false
	}, 5*time.Second, 5*time.Millisecond)

	type row struct {
		Token, Op, Patient, Group string
		Write                     bool
		Status                    int
		Outcome                   string
	}
	var got []row
	jobRefs := map[string]bool{}
	for _, e := range audit.events() {
		assert.False(t, e.Time.IsZero())
		assert.NotEmpty(t, e.RequestID)
		if e.Job != "" {
			jobRefs[e.Job] = true
		}
		if e.Operation == adapter.AuditJobStatus && e.Status == http.StatusAccepted {
			continue // polls while running: how many is a matter of timing
		}
		got = append(got, row{e.Token, e.Operation, e.PatientID, e.GroupID, e.Write, e.Status, e.Outcome})
	}
	assert.Equal(t, "req-1", audit.events()[0].RequestID)
	// ElementsMatch: the job's end and the poll that sees it done may be
	// recorded in either order.
	assert.ElementsMatch(t, []row{
		{"ehr", "patient-eligibility", "p1", "", true, 200, "ok"},
		{"dashboard", "patient-eligibility", "p1", "", false, 200, "ok"},
		{"dashboard", "patient-eligibility", "p1", "", true, 403, "refused"},
		{"", "patient-eligibility", "p1", "", false, 401, "refused"},
		{"dashboard", "patient-eligibility", "", "", false, 400, "refused"}, // a refused id is not recorded
		{"dashboard", "group-eligibility", "", "g1", false, 200, "ok"},
		{"ehr", "group-eligibility", "", "g1", false, 202, "ok"},
		{"ehr", "group-eligibility-end", "", "g1", false, 200, "completed"},
		{"ehr", "job-status", "", "", false, 200, "ok"},
		{"ehr", "job-cancel", "", "", false, 204, "ok"},
	}, got)
	require.Len(t, jobRefs, 1, "every event of the job names it by one reference")
	for ref := range jobRefs {
		assert.Len(t, ref, 8)
		assert.Contains(t, path, ref)
		assert.NotContains(t, audit.String(), strings.TrimPrefix(path, "/fhir/_jobs/"), "never the status URL")
	}
	assert.NotContains(t, s.logs.String(), "p1", "ids go to the audit trail, not the log")
}
