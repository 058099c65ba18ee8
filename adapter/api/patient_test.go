package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestPatientOperationReturnsACollectionBundle(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	for name, tt := range map[string]struct{ target, id string }{
		"dollar as is":     {"/fhir/Patient/p1/$rpm-eligibility?month=2024-03", "p1"},
		"dollar escaped":   {"/fhir/Patient/p1/%24rpm-eligibility?month=2024-03", "p1"},
		"id with dot-dash": {"/fhir/Patient/p-1.2/$rpm-eligibility?month=2024-03", "p-1.2"},
	} {
		t.Run(name, func(t *testing.T) {
			w := s.do(t, req{method: http.MethodGet, target: tt.target})
			b := bundleOf(t, w)
			assert.Equal(t, []string{"MeasureReport", "ChargeItem"}, typesOf(t, b))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			got := s.fake.lastCall(t)
			assert.Equal(t, tt.id, got.id)
			assert.Equal(t, rules.DateOf(2024, 3, 1), got.job.Month)
			assert.False(t, got.write)
		})
	}
}

func TestPatientOperationAddsAnOutcomeForWarnings(t *testing.T) {
	fake := newFake()
	fake.outcomes["p1"] = &adapter.Outcome{PatientID: "p1", Result: &rules.Result{}, Resources: resourcesFor("p1"),
		OperationOutcome: []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing","diagnostics":"Observation skipped: no effective time"}]}`),
		Warnings:         []string{"billed ChargeItem left untouched"}}
	fake.outcomes["p2"] = &adapter.Outcome{PatientID: "p2", NotEvaluated: "no time zone"}
	s := newTestServer(t, Config{}, fake)

	b := bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?date=2024-03-10"}))
	assert.Equal(t, []string{"MeasureReport", "ChargeItem", "OperationOutcome"}, typesOf(t, b))
	oo := lastOutcome(t, b)
	require.Len(t, oo.Issue, 2)
	assert.Equal(t, "Observation skipped: no effective time", oo.Issue[0].Diagnostics)
	assert.Equal(t, "billed ChargeItem left untouched", oo.Issue[1].Diagnostics)

	b = bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p2/$rpm-eligibility?date=2024-03-10"}))
	assert.Equal(t, []string{"OperationOutcome"}, typesOf(t, b), "not evaluated is a result, not an error")
	oo = lastOutcome(t, b)
	assert.Equal(t, "incomplete", oo.Issue[0].Code)
	assert.Equal(t, "not evaluated: no time zone", oo.Issue[0].Diagnostics)
}

func TestPatientOperationDefaultsToToday(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility"}))
	got := s.fake.lastCall(t)
	assert.Equal(t, rules.DateOf(2024, 3, 15), got.job.Date, "testNow in UTC")
	assert.Equal(t, rules.NoDate, got.job.Month)
}

func TestPatientOperationReadsAParametersBody(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	body := `{"resourceType":"Parameters","parameter":[
		{"name":"month","valueDate":"2024-02"},
		{"name":"enrollment","valueDate":"2024-01-20"}]}`
	for _, ct := range []string{"application/fhir+json", "application/json; charset=utf-8"} {
		w := s.do(t, req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility-write", body: body,
			contentType: ct, token: fullToken})
		bundleOf(t, w)
		got := s.fake.lastCall(t)
		assert.Equal(t, rules.DateOf(2024, 2, 1), got.job.Month)
		assert.Equal(t, rules.DateOf(2024, 1, 20), got.job.Enrollment)
		assert.True(t, got.write)
	}
	// An empty POST body takes the query string alone.
	bundleOf(t, s.do(t, req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03", token: fullToken}))
}

func TestPatientOperationMapsServiceErrors(t *testing.T) {
	upstream := func(status int, kind error) error {
		return fmt.Errorf("load: %w", &fhirclient.Error{Status: status, Method: "GET", Resource: "Observation", Err: kind})
	}
	tests := map[string]struct {
		err    error
		status int
		code   string
	}{
		"unknown patient is 404":            {fmt.Errorf("load: %w", adapter.ErrNotFound), 404, "not-found"},
		"upstream failure is 502":           {upstream(400, nil), 502, "exception"},
		"upstream auth refusal is 502":      {upstream(401, fhirclient.ErrAuth), 502, "exception"},
		"upstream unavailable is 503":       {upstream(503, fhirclient.ErrUnavailable), 503, "transient"},
		"upstream timeout is 504":           {upstream(504, fhirclient.ErrTimeout), 504, "timeout"},
		"our own deadline is 504":           {fmt.Errorf("load: %w", context.DeadlineExceeded), 504, "timeout"},
		"anything else is 500 with no text": {errors.New("sql: password hunter2 rejected"), 500, "exception"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			fake := newFake()
			fake.errs["p1"] = tt.err
			s := newTestServer(t, Config{}, fake)
			w := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03",
				header: map[string]string{HeaderRequestID: "req-42"}})
			assert.Equal(t, tt.status, w.Code)
			oo := outcomeOf(t, w)
			assert.Equal(t, tt.code, oo.Issue[0].Code)
			assert.NotContains(t, w.Body.String(), "hunter2")
			if tt.status == 500 {
				assert.Contains(t, oo.Issue[0].Diagnostics, "req-42", "the request id lets an operator find the log")
				assert.Contains(t, s.logs.String(), "hunter2", "the cause is logged")
			}
			if tt.status == 502 {
				assert.Contains(t, oo.Issue[0].Diagnostics, "GET Observation")
			}
		})
	}
}

func TestUpstream503And429AskForRetryLater(t *testing.T) {
	fake := newFake()
	fake.errs["p1"] = &fhirclient.Error{Status: 503, Method: "GET", Resource: "Patient", Err: fhirclient.ErrUnavailable}
	s := newTestServer(t, Config{}, fake)
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility"})
	assert.Equal(t, 503, w.Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
}
