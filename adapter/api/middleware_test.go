package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestIDIsEchoedOrMade(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	tests := map[string]struct {
		sent string
		keep bool
	}{
		"a uuid is kept":               {"0b4b7c9e-3f7a-4d0e-9d43-2f1f7b7f6c1a", true},
		"a dotted trace id is kept":    {"trace.42:span-7_x", true},
		"none gets one":                {"", false},
		"spaces are refused":           {"abc def", false},
		"a forged log line is refused": {`x" level=ERROR msg="forged`, false},
		"an over-long id is refused":   {strings.Repeat("a", 129), false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := req{method: http.MethodGet, target: "/healthz"}
			if tt.sent != "" {
				r.header = map[string]string{HeaderRequestID: tt.sent}
			}
			got := s.do(t, r).Header().Get(HeaderRequestID)
			if tt.keep {
				assert.Equal(t, tt.sent, got)
			} else {
				assert.Regexp(t, `^[0-9a-f]{32}$`, got)
			}
		})
	}
}

func TestPanicBecomesA500Outcome(t *testing.T) {
	fake := newFake()
	fake.panicOn = "p1"
	s := newTestServer(t, Config{}, fake)
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility",
		header: map[string]string{HeaderRequestID: "req-panic"}})
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	oo := outcomeOf(t, w)
	assert.Equal(t, "exception", oo.Issue[0].Code)
	assert.Contains(t, oo.Issue[0].Diagnostics, "req-panic")
	logs := s.logs.String()
	assert.Contains(t, logs, `"msg":"panic"`)
	assert.Contains(t, logs, `"request_id":"req-panic"`)
	assert.NotContains(t, logs, patientName, "a custom panic value is not logged")
	assert.NotContains(t, w.Body.String(), patientName)

	// The server still serves.
	bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p2/$rpm-eligibility"}))
}

func TestBodyOverTheLimitIs413(t *testing.T) {
	s := newTestServer(t, Config{MaxBodyBytes: 256}, nil)
	big := `{"resourceType":"Parameters","parameter":[{"name":"month","valueDate":"2024-03"}],"padding":"` +
		strings.Repeat("x", 300) + `"}`
	w := s.do(t, req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility", body: big,
		contentType: "application/fhir+json"})
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, "too-long", outcomeOf(t, w).Issue[0].Code)

	// Without a Content-Length the limit bites while reading.
	r := req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility", body: big,
		contentType: "application/fhir+json"}
	hr := newRequest(r)
	hr.ContentLength = -1
	w = serve(s, hr)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
}

func TestUnknownRoutesAndMethodsAreOutcomes(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/Observation/o1"})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "not-found", outcomeOf(t, w).Issue[0].Code)

	w = s.do(t, req{method: http.MethodGet, target: "/fhir/metadata/"})
	assert.Equal(t, http.StatusNotFound, w.Code, "no redirects")

	w = s.do(t, req{method: http.MethodPut, target: "/fhir/Patient/p1/$rpm-eligibility"})
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "not-supported", outcomeOf(t, w).Issue[0].Code)
	assert.Contains(t, w.Header().Get("Allow"), "POST")

	w = s.do(t, req{method: http.MethodGet, target: "/fhir/Group/g1/$rpm-eligibility-write"})
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code, "writing changes state: POST only")
	assert.Equal(t, "POST", w.Header().Get("Allow"))
}

func TestLogsCarryNoPatientDataOrQuery(t *testing.T) {
	const secretID = "pat-7f3a-zebra"
	fake := newFake()
	fake.groups["g-secret"] = []string{secretID, "pat-fails"}
	fake.errs["pat-fails"] = assert.AnError
	s := newTestServer(t, Config{}, fake)

	bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/" + secretID + "/$rpm-eligibility?month=2024-03&enrollment=2024-01-17"}))
	bundleOf(t, s.do(t, req{method: http.MethodPost, target: "/fhir/Group/g-secret/$rpm-eligibility?date=2024-03-09"}))
	s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/" + secretID + "/$rpm-eligibility?month=1999-01"})

	logs := s.logs.String()
	for _, secret := range []string{secretID, "pat-fails", "g-secret", patientName, "2024-01-17", "2024-03-09", "month", "1999", "?"} {
		assert.NotContains(t, logs, secret)
	}
	// Every request line names its route template, status and request id.
	var lines int
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		if rec["msg"] != "http request" {
			continue
		}
		lines++
		assert.Contains(t, []any{routePatientOp, routeGroupOp}, rec["route"])
		assert.NotEmpty(t, rec["request_id"])
		assert.NotNil(t, rec["status"])
		assert.NotNil(t, rec["duration_ms"])
	}
	assert.Equal(t, 3, lines)
	assert.Contains(t, logs, `"msg":"group member failed","request_id"`, "the member's failure is logged by row")
}
