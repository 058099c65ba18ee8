package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParametersAreValidated(t *testing.T) {
	const op = "/fhir/Patient/p1/$rpm-eligibility"
	params := func(ps ...string) string {
		return `{"resourceType":"Parameters","parameter":[` + strings.Join(ps, ",") + `]}`
	}
	tests := map[string]struct {
		r      req
		status int
		says   string
	}{
		"unknown query parameter": {req{method: "GET", target: op + "?month=2024-03&patient=x"}, 400, `unknown parameter "patient"`},
		"month not YYYY-MM":       {req{method: "GET", target: op + "?month=03-2024"}, 400, "not YYYY-MM"},
		"month and date together": {req{method: "GET", target: op + "?month=2024-03&date=2024-03-01"}, 400, "not both"},
		"date not a date":         {req{method: "GET", target: op + "?date=2024-02-30"}, 400, "not YYYY-MM-DD"},
		"date before 2021":        {req{method: "GET", target: op + "?date=2020-12-31"}, 400, "before 2021"},
		"enrollment not a date":   {req{method: "GET", target: op + "?month=2024-03&enrollment=soon"}, 400, "enrollment"},
		"write on the read op":    {req{method: "GET", target: op + "?month=2024-03&write=true"}, 400, "POST $rpm-eligibility-write"},
		"write=false on it":       {req{method: "POST", target: op + "?month=2024-03&write=false"}, 400, "no write parameter"},
		"write on the write op":   {req{method: "POST", target: op + "-write?month=2024-03&write=true"}, 400, "leave out the write parameter"},
		"date as a string":        {req{method: "POST", target: op, body: params(`{"name":"date","valueString":"2024-03-01"}`)}, 400, "valueDate"},
		"parameter twice":         {req{method: "GET", target: op + "?month=2024-03&month=2024-04"}, 400, "more than once"},
		"empty parameter":         {req{method: "GET", target: op + "?month="}, 400, "empty"},
		"malformed query":         {req{method: "GET", target: op + "?month=%zz"}, 400, "malformed"},
		"patient id too long":     {req{method: "GET", target: "/fhir/Patient/" + strings.Repeat("a", 65) + "/$rpm-eligibility"}, 400, "not a FHIR id"},
		"patient id with a comma": {req{method: "GET", target: "/fhir/Patient/a,b/$rpm-eligibility"}, 400, "not a FHIR id"},
		"xml _format":             {req{method: "GET", target: op + "?_format=xml"}, 406, "JSON"},
		"body not JSON": {req{method: "POST", target: op, body: "month=2024-03",
			contentType: "application/x-www-form-urlencoded"}, 415, "application/fhir+json"},
		"body without content type": {req{method: "POST", target: op, body: params(`{"name":"month","valueDate":"2024-03"}`),
			contentType: noContentType}, 415, "application/fhir+json"},
		"body broken JSON":    {req{method: "POST", target: op, body: `{"resourceType":`, contentType: "application/fhir+json"}, 400, "not valid JSON"},
		"body not Parameters": {req{method: "POST", target: op, body: `{"resourceType":"Patient"}`, contentType: "application/fhir+json"}, 400, "Parameters resource"},
		"body unknown parameter": {req{method: "POST", target: op, body: params(`{"name":"patient","valueString":"x"}`),
			contentType: "application/fhir+json"}, 400, `unknown parameter "patient"`},
		"body wrong value type": {req{method: "POST", target: op, body: params(`{"name":"write","valueString":"true"}`),
			contentType: "application/fhir+json"}, 400, "valueBoolean"},
		"body two values": {req{method: "POST", target: op, body: params(`{"name":"month","valueDate":"2024-03","valueString":"2024-03"}`),
			contentType: "application/fhir+json"}, 400, "more than one value"},
		"body and query repeat a parameter": {req{method: "POST", target: op + "?month=2024-03", body: params(`{"name":"month","valueDate":"2024-03"}`),
			contentType: "application/fhir+json"}, 400, "more than once"},
		"body date before 2021": {req{method: "POST", target: op, body: params(`{"name":"month","valueDate":"2019-05"}`),
			contentType: "application/fhir+json"}, 400, "before 2021"},
	}
	s := newTestServer(t, Config{}, nil)
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			w := s.do(t, tt.r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			oo := outcomeOf(t, w)
			assert.Equal(t, "error", oo.Issue[0].Severity)
			assert.Contains(t, oo.Issue[0].Diagnostics, tt.says)
		})
	}
	s.fake.mu.Lock()
	defer s.fake.mu.Unlock()
	assert.Empty(t, s.fake.calls, "nothing invalid reaches the service")
}

func TestOpParamsMatchTheOperationDefinition(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	in := map[string]bool{}
	for _, op := range operations {
		for _, p := range opDefOf(t, s.opDefs[op.id()].body).Parameter {
			if p.Use != "in" {
				continue
			}
			in[p.Name] = true
			require.Contains(t, opParams, p.Name)
			assert.Equal(t, "value"+strings.ToUpper(p.Type[:1])+p.Type[1:], opParams[p.Name][0],
				"%s: the declared type is the first accepted", p.Name)
		}
	}
	for name := range opParams {
		assert.True(t, in[name] || name == "write", "%s is declared", name)
	}
}

// Issue 11, point 5: "." and ".." match the FHIR id regex, and URL
// resolution turned them into GET /fhir/Patient/ and GET /fhir/.
func TestDotOnlyIdsAreRefused(t *testing.T) {
	fake := newFake()
	fake.groups["."] = []string{"p1"}
	fake.groups[".."] = []string{"p1"}
	s := newTestServer(t, Config{}, fake)
	for _, id := range []string{".", "..", "...", "%2e", "%2E%2E", ".%2e"} {
		for _, r := range []req{
			{method: http.MethodGet, target: "/fhir/Patient/" + id + "/$rpm-eligibility?month=2024-03"},
			{method: http.MethodPost, target: "/fhir/Group/" + id + "/$rpm-eligibility?month=2024-03"},
		} {
			w := s.do(t, r)
			require.Equal(t, http.StatusBadRequest, w.Code, r.target)
			oo := outcomeOf(t, w)
			assert.Equal(t, "invalid", oo.Issue[0].Code)
			assert.Contains(t, oo.Issue[0].Diagnostics, "not a FHIR id")
		}
	}
	assert.Zero(t, fake.callCount(), "nothing reached the service")
	// Dots inside an id are fine.
	bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/a.b/$rpm-eligibility?month=2024-03"}))
	bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/.a/$rpm-eligibility?month=2024-03"}))
}
