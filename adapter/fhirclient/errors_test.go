package fhirclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutcomeIssues(t *testing.T) {
	many := `{"resourceType":"OperationOutcome","issue":[` +
		strings.Repeat(`{"severity":"error","code":"invalid","diagnostics":"x"},`, 7) +
		`{"severity":"error","code":"invalid"}]}`
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"diagnostics are dropped, severity and code kept", outcome400, []string{"error invalid"}},
		{"details text is dropped too",
			`{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"security","details":{"text":"Scope does not cover Observation"}}]}`,
			[]string{"fatal security"}},
		{"an issue without text keeps severity and code",
			`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`,
			[]string{"error not-found"}},
		{"a code that is free text is replaced",
			`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"Jane Doe 1970-01-01"}]}`,
			[]string{"error ?"}},
		{"more than five issues are cut", many,
			[]string{"error invalid", "error invalid", "error invalid", "error invalid", "error invalid", "…"}},
		{"a resource that is not an OperationOutcome gives nothing", patientJSON, nil},
		{"an HTML error page gives nothing", "<html><body>Bad Gateway</body></html>", nil},
		{"an empty body gives nothing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, outcomeIssues([]byte(tt.body)))
		})
	}
}

func TestStatusKinds(t *testing.T) {
	tests := []struct {
		status int
		want   error
	}{
		{404, ErrNotFound}, {410, ErrNotFound},
		{401, ErrAuth}, {403, ErrAuth},
		{409, ErrConflict}, {412, ErrConflict},
		{408, ErrTimeout}, {504, ErrTimeout},
		{429, ErrUnavailable}, {500, ErrUnavailable}, {502, ErrUnavailable}, {503, ErrUnavailable},
		{400, nil}, {422, nil},
	}
	all := []error{ErrNotFound, ErrAuth, ErrConflict, ErrTimeout, ErrUnavailable}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("status %d", tt.status), func(t *testing.T) {
			err := statusError("GET", "Observation", tt.status, nil)
			for _, kind := range all {
				assert.Equal(t, kind == tt.want, errors.Is(err, kind), "%v", kind)
			}
		})
	}
}

func TestTransportErrorsDropTheURL(t *testing.T) {
	tests := []struct {
		name     string
		cause    error
		wantKind error
	}{
		{"a deadline is a timeout", context.DeadlineExceeded, ErrTimeout},
		{"a cancel is only a cancel", context.Canceled, context.Canceled},
		{"a refused connection is unavailable", errors.New("connect: connection refused"), ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &url.Error{Op: "Get", URL: "https://fhir.test/Observation?" + phiQueryText, Err: tt.cause}
			err := transportError("GET", "Observation", in)
			assert.ErrorIs(t, err, tt.wantKind)
			assert.NotContains(t, err.Error(), "secret-42")
			assert.True(t, strings.HasPrefix(err.Error(), "fhirclient: GET Observation: "), err.Error())
		})
	}
}

// An upstream OperationOutcome may carry anything in its free text; none of
// it may reach the error (which the CLI's table, logs and the API show) or
// the client's log.
func TestUpstreamDiagnosticsNeverLogged(t *testing.T) {
	const phi = `Jane Q Doe, born 1961-04-12, SSN 078-05-1120`
	body := `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception",` +
		`"diagnostics":"` + phi + `","details":{"text":"` + phi + `"},"expression":["` + phi + `"]}]}`
	srv := newScripted(t, reply{status: 500, body: body})
	var logs logBuffer
	cfg := fastConfig(srv.URL)
	cfg.MaxRetries = -1
	cfg.Logger = logs.logger()
	c := newClient(t, cfg)

	_, err := c.Read(t.Context(), "Patient", "p1")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Equal(t, "fhirclient: GET Patient: 500 Internal Server Error: error exception", err.Error())
	for _, part := range []string{"Jane", "1961", "078-05"} {
		assert.NotContains(t, err.Error(), part)
		assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), part)
		assert.NotContains(t, logs.String(), part)
	}
}
