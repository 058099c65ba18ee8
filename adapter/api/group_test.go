package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

const (
	groupOp      = "/fhir/Group/g1/$rpm-eligibility?month=2024-03"
	groupWriteOp = "/fhir/Group/g1/$rpm-eligibility-write?month=2024-03"
)

func TestSmallGroupIsAnsweredAtOnce(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2", "p3", "p4"}
	fake.errs["p2"] = fmt.Errorf("load: %w", &fhirclient.Error{Status: 503, Method: "GET", Resource: "Observation", Err: fhirclient.ErrUnavailable})
	fake.errs["p3"] = fmt.Errorf("load: %w", adapter.ErrNotFound)
	fake.outcomes["p4"] = &adapter.Outcome{PatientID: "p4", NotEvaluated: "no time zone"}
	s := newTestServer(t, Config{GroupConcurrency: 2}, fake)

	b := bundleOf(t, s.do(t, req{method: http.MethodPost, target: groupOp}))
	assert.Equal(t, []string{"MeasureReport", "ChargeItem", "OperationOutcome"}, typesOf(t, b))
	oo := lastOutcome(t, b)
	require.Len(t, oo.Issue, 3, "a member's failure is an issue, not a failed request")
	assert.Equal(t, "transient", oo.Issue[0].Code)
	assert.Contains(t, oo.Issue[0].Diagnostics, "Patient/p2: the FHIR server is unavailable")
	assert.Equal(t, "not-found", oo.Issue[1].Code)
	assert.Contains(t, oo.Issue[1].Diagnostics, "Patient/p3")
	assert.Equal(t, "Patient/p4: not evaluated: no time zone", oo.Issue[2].Diagnostics)
}

func TestGroupMemberInternalErrorsShowNoDetail(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	fake.errs["p1"] = fmt.Errorf("pq: password hunter2")
	s := newTestServer(t, Config{}, fake)
	b := bundleOf(t, s.do(t, req{method: http.MethodPost, target: groupOp}))
	oo := lastOutcome(t, b)
	assert.Equal(t, "exception", oo.Issue[0].Code)
	assert.NotContains(t, oo.Issue[0].Diagnostics, "hunter2")
}

func TestGroupErrors(t *testing.T) {
	fake := newFake()
	fake.groups["big"] = make([]string, 21)
	s := newTestServer(t, Config{SyncGroupLimit: 20}, fake)

	w := s.do(t, req{method: http.MethodPost, target: "/fhir/Group/unknown/$rpm-eligibility"})
	assert.Equal(t, http.StatusNotFound, w.Code)

	w = s.do(t, req{method: http.MethodPost, target: "/fhir/Group/big/$rpm-eligibility"})
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	oo := outcomeOf(t, w)
	assert.Equal(t, "business-rule", oo.Issue[0].Code)
	assert.Contains(t, oo.Issue[0].Diagnostics, "Prefer: respond-async")

	w = s.do(t, req{method: http.MethodPost, target: "/fhir/Group/g$1/$rpm-eligibility"})
	assert.Equal(t, http.StatusBadRequest, w.Code)

	fake.groupErr = &fhirclient.Error{Status: 0, Method: "GET", Resource: "Group", Err: fhirclient.ErrTimeout}
	w = s.do(t, req{method: http.MethodPost, target: "/fhir/Group/big/$rpm-eligibility"})
	assert.Equal(t, http.StatusGatewayTimeout, w.Code)
}

func TestGroupPassesTheJobToEveryMember(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2"}
	s := newTestServer(t, writeOnly(), fake)
	bundleOf(t, s.do(t, req{method: http.MethodPost, target: "/fhir/Group/g1/$rpm-eligibility-write", token: fullToken,
		contentType: "application/fhir+json",
		body:        `{"resourceType":"Parameters","parameter":[{"name":"date","valueDate":"2024-03-05"}]}`}))
	fake.mu.Lock()
	defer fake.mu.Unlock()
	require.Len(t, fake.calls, 2)
	for _, c := range fake.calls {
		assert.Equal(t, rules.DateOf(2024, 3, 5), c.job.Date)
		assert.True(t, c.write)
	}
}

func TestPreferAsync(t *testing.T) {
	tests := map[string]struct {
		headers []string
		want    bool
	}{
		"alone":                   {[]string{"respond-async"}, true},
		"with others":             {[]string{"return=minimal, respond-async"}, true},
		"with a parameter":        {[]string{"respond-async; wait=10"}, true},
		"in a second header":      {[]string{"handling=lenient", "Respond-Async"}, true},
		"absent":                  {[]string{"return=representation"}, false},
		"no header":               {nil, false},
		"as a value is not it":    {[]string{"handling=respond-async"}, false},
		"a longer name is not it": {[]string{"respond-asynchronously"}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tt.want, preferAsync(tt.headers))
		})
	}
}

func TestGroupMemberPanicIsAnIssue(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2"}
	fake.panicOn = "p2"
	s := newTestServer(t, Config{}, fake)
	b := bundleOf(t, s.do(t, req{method: http.MethodPost, target: groupOp}))
	assert.Equal(t, []string{"MeasureReport", "ChargeItem", "OperationOutcome"}, typesOf(t, b))
	assert.Contains(t, lastOutcome(t, b).Issue[0].Diagnostics, "Patient/p2: evaluation failed")
	assert.Contains(t, s.logs.String(), "panic in a group member")
	assert.NotContains(t, s.logs.String(), patientName)
}
