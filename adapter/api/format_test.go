package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fhirRoutes are one request per /fhir route, each answering 200 or 202
// with FHIR JSON when the format is acceptable.
func fhirRoutes(t *testing.T, s *testServer) map[string]req {
	t.Helper()
	job := startJob(t, s, "g1")
	pollUntil(t, s, job, http.StatusOK)
	return map[string]req{
		"metadata":            {method: http.MethodGet, target: "/fhir/metadata"},
		"OperationDefinition": {method: http.MethodGet, target: "/fhir/OperationDefinition/Patient-rpm-eligibility"},
		"Patient GET":         {method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03", token: readToken},
		"Patient POST":        {method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03", token: readToken},
		"Group POST":          {method: http.MethodPost, target: groupOp, token: fullToken},
		"job status":          {method: http.MethodGet, target: job, token: fullToken},
	}
}

func withQuery(target, q string) string {
	if strings.Contains(target, "?") {
		return target + "&" + q
	}
	return target + "?" + q
}

func TestFormatsOtherThanJSONAreNotAcceptableOnEveryRoute(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	s := newTestServer(t, withTokens(), fake)
	for name, r := range fhirRoutes(t, s) {
		t.Run(name, func(t *testing.T) {
			for _, accept := range []string{"application/fhir+xml", "application/xml", "text/html",
				"application/fhir+json;q=0", "application/fhir+json; fhirVersion=3.0", "text/turtle, application/fhir+xml;q=0.5"} {
				r := r
				r.header = map[string]string{"Accept": accept}
				w := s.do(t, r)
				assert.Equal(t, http.StatusNotAcceptable, w.Code, "Accept %s", accept)
				assert.Equal(t, "not-supported", outcomeOf(t, w).Issue[0].Code)
			}
			for _, f := range []string{"xml", "application/fhir+xml", "html", "ttl", "text/xml"} {
				r := r
				r.target = withQuery(r.target, "_format="+f)
				w := s.do(t, r)
				assert.Equal(t, http.StatusNotAcceptable, w.Code, "_format=%s", f)
				assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "_format")
			}
			for _, accept := range []string{"", "application/fhir+json", "application/json", "*/*", "application/*",
				// HAPI's generic client, encoding unset and JSON
				"application/fhir+xml;q=1.0, application/fhir+json;q=1.0, application/xml+fhir;q=0.9, application/json+fhir;q=0.9",
				"application/fhir+json;q=1.0, application/json+fhir;q=0.9",
				"application/fhir+json; fhirVersion=4.0",
				"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", // a browser
			} {
				r := r
				if accept != "" {
					r.header = map[string]string{"Accept": accept}
				}
				w := s.do(t, r)
				assert.Contains(t, []int{http.StatusOK, http.StatusAccepted}, w.Code, "Accept %q: %s", accept, w.Body.String())
				assert.Equal(t, fhirJSON, w.Header().Get("Content-Type"))
			}
			for _, f := range []string{"json", "JSON", "application/json", "application/fhir+json", "application/fhir%2Bjson",
				"application/fhir%2Bjson%3B%20fhirVersion%3D4.0"} {
				r := r
				r.target = withQuery(r.target, "_format="+f)
				r.header = map[string]string{"Accept": "application/fhir+xml"} // _format wins
				w := s.do(t, r)
				assert.Contains(t, []int{http.StatusOK, http.StatusAccepted}, w.Code, "_format=%s: %s", f, w.Body.String())
			}
		})
	}
}

func TestProbesAnswerWhateverTheyAccept(t *testing.T) {
	s := newTestServer(t, Config{MetricsPublic: true}, nil)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		w := s.do(t, req{method: http.MethodGet, target: path, header: map[string]string{"Accept": "text/plain"}})
		assert.Equal(t, http.StatusOK, w.Code, path)
	}
}

// HAPI's generic client with pretty printing on sends _pretty=true on
// every call, and may send _summary and _elements: they are honoured
// (_pretty) or ignored, never refused.
func TestStandardParametersAreNeverRefused(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	s := newTestServer(t, withTokens(), fake)
	for name, r := range fhirRoutes(t, s) {
		t.Run(name, func(t *testing.T) {
			plain := s.do(t, r)
			require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, plain.Code, plain.Body.String())
			assert.NotContains(t, plain.Body.String(), "\n")
			for _, q := range []string{"_pretty=true", "_pretty=false", "_summary=false", "_summary=true", "_elements=id,status",
				"_format=json&_pretty=true&_summary=data"} {
				r := r
				r.target = withQuery(r.target, q)
				w := s.do(t, r)
				require.Equal(t, plain.Code, w.Code, "%s: %s", q, w.Body.String())
				if strings.Contains(q, "_pretty=true") {
					assert.Contains(t, w.Body.String(), "\n  \"", "%s indents", q)
				} else {
					assert.NotContains(t, w.Body.String(), "\n", q)
				}
				if name == "metadata" || name == "OperationDefinition" {
					var a, b bytes.Buffer
					require.NoError(t, json.Compact(&a, plain.Body.Bytes()))
					require.NoError(t, json.Compact(&b, w.Body.Bytes()))
					assert.Equal(t, a.String(), b.String(), "%s changes nothing but the layout", q)
				}
			}
		})
	}
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?_pretty=true&patient=x", token: readToken})
	assert.Equal(t, http.StatusBadRequest, w.Code, "unknown operation parameters are still refused")
	assert.Contains(t, w.Body.String(), "\n  \"", "errors are pretty too")
	assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, `unknown parameter "patient"`)
}
