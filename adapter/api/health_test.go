package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

func TestHealthAndReadiness(t *testing.T) {
	fake := newFake()
	s := newTestServer(t, Config{}, fake)
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
		w = s.do(t, req{method: http.MethodGet, target: "/readyz"})
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		oo := outcomeOf(t, w)
		assert.Equal(t, "the FHIR source does not answer", oo.Issue[0].Diagnostics)
		assert.NotContains(t, w.Body.String(), "secret realm")
	}
	assert.Contains(t, s.logs.String(), "secret realm")
	assert.Equal(t, http.StatusOK, s.do(t, req{method: http.MethodGet, target: "/healthz"}).Code, "liveness ignores the source")
}
