package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// scrape reads /metrics as Prometheus would.
func scrape(t *testing.T, s *testServer) string {
	t.Helper()
	w := s.do(t, req{method: http.MethodGet, target: "/metrics", token: fullToken})
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Header().Get("Content-Type"), "text/plain")
	return w.Body.String()
}

func TestMetricsExposeRequestsByRouteAndStatus(t *testing.T) {
	fake := newFake()
	fake.outcomes["p2"] = &adapter.Outcome{PatientID: "p2", NotEvaluated: "no data"}
	fake.errs["p3"] = errors.New("boom")
	s := newTestServer(t, Config{}, fake)
	for _, id := range []string{"p1", "p2", "p3"} {
		s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/" + id + "/$rpm-eligibility?month=2024-03"})
	}
	s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=bad"})
	s.do(t, req{method: http.MethodGet, target: "/no/such/path"})
	s.do(t, req{method: "BREW", target: "/healthz"})

	m := scrape(t, s)
	for _, want := range []string{
		`rpm_http_requests_total{method="GET",route="/fhir/Patient/:id/$rpm-eligibility",status="200"} 2`,
		`rpm_http_requests_total{method="GET",route="/fhir/Patient/:id/$rpm-eligibility",status="400"} 1`,
		`rpm_http_requests_total{method="GET",route="/fhir/Patient/:id/$rpm-eligibility",status="500"} 1`,
		`rpm_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`rpm_http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`rpm_http_request_duration_seconds_bucket{method="GET",route="/fhir/Patient/:id/$rpm-eligibility",le="+Inf"} 4`,
		`rpm_evaluations_total{outcome="evaluated"} 1`,
		`rpm_evaluations_total{outcome="not_evaluated"} 1`,
		`rpm_evaluations_total{outcome="failed"} 1`,
		`rpm_jobs_running 0`,
		`go_goroutines`,
	} {
		assert.Contains(t, m, want)
	}
	assert.NotContains(t, m, "p1")
	assert.NotContains(t, m, "/no/such/path")
}

func TestFHIRCallHooks(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer upstream.Close()
	m := NewMetrics()
	s := newTestServer(t, Config{Metrics: m}, nil)
	require.Same(t, m, s.Metrics())

	client := &http.Client{Transport: m.InstrumentTransport(nil)}
	resp, err := client.Get(upstream.URL + "/r4/Patient/Smith?name=Peter")
	require.NoError(t, err)
	resp.Body.Close()
	resp, err = client.Get(upstream.URL + "/r4/Smith")
	require.NoError(t, err)
	resp.Body.Close()
	m.FHIRRetry(fhirclient.RetryEvent{Method: "GET", Resource: "Observation", Attempt: 2, Status: 503, Reason: "status"})
	m.FHIRCall("POST", "transaction", 0, time.Second)

	got := scrape(t, s)
	for _, want := range []string{
		`rpm_fhir_requests_total{method="GET",resource="Patient",status="503"} 1`,
		`rpm_fhir_requests_total{method="GET",resource="other",status="503"} 1`,
		`rpm_fhir_requests_total{method="POST",resource="transaction",status="0"} 1`,
		`rpm_fhir_retries_total{method="GET",reason="status",resource="Observation"} 1`,
		`rpm_fhir_request_duration_seconds_count{method="GET",resource="Patient"} 1`,
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "Smith", "an id never becomes a label")
	assert.NotContains(t, got, "Peter")
}

func TestResourceOfPath(t *testing.T) {
	for path, want := range map[string]string{
		"/r4/Observation":        "Observation",
		"/fhir/Patient/Patient":  "Patient",
		"/r4/Group/g1/$export":   "Group",
		"/r4":                    "other",
		"/r4/Smith/Observation2": "other",
	} {
		assert.Equal(t, want, resourceOfPath(path), path)
	}
}
