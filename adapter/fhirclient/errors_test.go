package fhirclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
		{"diagnostics are surfaced with severity and code", outcome400,
			[]string{"error invalid: Unknown search parameter 'colour'"}},
		{"details text stands in when there are no diagnostics",
			`{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"security","details":{"text":"Scope does not cover Observation"}}]}`,
			[]string{"fatal security: Scope does not cover Observation"}},
		{"an issue without text keeps severity and code",
			`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`,
			[]string{"error not-found"}},
		{"more than five issues are cut", many,
			[]string{"error invalid: x", "error invalid: x", "error invalid: x", "error invalid: x", "error invalid: x", "…"}},
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

func TestLongDiagnosticsAreTruncated(t *testing.T) {
	body := fmt.Sprintf(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":%q}]}`,
		strings.Repeat("é", 1000))
	got := outcomeIssues([]byte(body))
	assert.Len(t, []rune(got[0]), len("error invalid: ")+maxIssueText+1)
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
