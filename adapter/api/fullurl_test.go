package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// linkedResources is what a patient's write-back looks like: a
// MeasureReport, a ChargeItem whose supportingInformation and a Task whose
// focus reference it by "MeasureReport/<id>", and references to resources
// outside the Bundle (the Patient, an Observation).
func linkedResources(id string) []adapter.Resource {
	mr, ci, task := "rpm-mr-"+id, "rpm-ci-"+id, "rpm-task-"+id
	return []adapter.Resource{
		{Type: "MeasureReport", ID: mr, JSON: []byte(`{"resourceType":"MeasureReport","id":"` + mr +
			`","status":"pending","type":"individual","measure":"http://rpm-adapter.org/fhir/Measure/rpm-device-days",` +
			`"subject":{"reference":"Patient/` + id + `"},"period":{"start":"2024-03-01","end":"2024-03-30"},` +
			`"evaluatedResource":[{"reference":"Observation/obs-1"}]}`)},
		{Type: "ChargeItem", ID: ci, JSON: []byte(`{"resourceType":"ChargeItem","id":"` + ci +
			`","status":"planned","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99454"}]},` +
			`"subject":{"reference":"Patient/` + id + `"},"supportingInformation":[{"reference":"MeasureReport/` + mr + `"}]}`)},
		{Type: "Task", ID: task, JSON: []byte(`{"resourceType":"Task","id":"` + task +
			`","status":"requested","intent":"order","for":{"reference":"Patient/` + id + `"},` +
			`"focus":{"reference" : "MeasureReport/` + mr + `"}}`)},
	}
}

type fullBundle struct {
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

// restful is a RESTful fullUrl: [base]/[type]/[id].
var restful = regexp.MustCompile(`^(https?://.+/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$`)

// resolve resolves a reference found in the entry with fullUrl from, by
// the rules of R4 bundle.html ("Resolving references in Bundles"): an
// absolute reference (a URL or urn) is looked up as it is; a relative one
// "Type/id" is appended to the RESTful base of the entry's fullUrl, and
// does not resolve inside the Bundle when that fullUrl is not RESTful.
func resolve(from, ref string) string {
	if strings.HasPrefix(ref, "urn:") || strings.Contains(ref, "://") {
		return ref
	}
	m := restful.FindStringSubmatch(from)
	if m == nil {
		return ""
	}
	return m[1] + ref
}

// references lists every Reference.reference in a resource.
func references(t *testing.T, resource []byte) []string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(resource, &v))
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "reference" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// checkFullURLs asserts that every entry has a unique absolute fullUrl and
// that every reference to a MeasureReport, ChargeItem or Task (the
// resources of the answer) resolves to an entry of the Bundle. It returns
// the fullUrls by "Type/id" and the resolved references.
func checkFullURLs(t *testing.T, body []byte) (map[string]string, map[string]string) {
	t.Helper()
	var b fullBundle
	require.NoError(t, json.Unmarshal(body, &b))
	require.NotEmpty(t, b.Entry)
	byURL := map[string]bool{}
	byID := map[string]string{}
	for _, e := range b.Entry {
		require.NotEmpty(t, e.FullURL, "every entry has a fullUrl: %s", e.Resource)
		assert.True(t, restful.MatchString(e.FullURL) || regexp.MustCompile(
			`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(e.FullURL), e.FullURL)
		assert.False(t, byURL[e.FullURL], "fullUrl %s is unique (bdl-7)", e.FullURL)
		byURL[e.FullURL] = true
		var head struct{ ResourceType, ID string }
		require.NoError(t, json.Unmarshal(e.Resource, &head))
		if head.ID != "" {
			byID[head.ResourceType+"/"+head.ID] = e.FullURL
		}
	}
	resolved := map[string]string{}
	for _, e := range b.Entry {
		for _, ref := range references(t, e.Resource) {
			if strings.HasPrefix(ref, "Patient/") || strings.HasPrefix(ref, "Observation/") {
				continue // outside the Bundle
			}
			target := resolve(e.FullURL, ref)
			assert.True(t, byURL[target], "reference %q in %s resolves inside the Bundle", ref, e.FullURL)
			resolved[ref] = target
		}
	}
	return byID, resolved
}

func TestBundleEntriesHaveFullURLsOnTheFHIRBase(t *testing.T) {
	fake := newFake()
	fake.outcomes["p1"] = &adapter.Outcome{PatientID: "p1", Result: &rules.Result{}, Resources: linkedResources("p1"),
		Warnings: []string{"billed ChargeItem left untouched"}}
	s := newTestServer(t, Config{FHIRBase: "https://fhir.example.org/r4/"}, fake)
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03"})
	b := bundleOf(t, w)
	assert.Equal(t, []string{"MeasureReport", "ChargeItem", "Task", "OperationOutcome"}, typesOf(t, b))
	byID, resolved := checkFullURLs(t, w.Body.Bytes())
	assert.Equal(t, map[string]string{
		"MeasureReport/rpm-mr-p1": "https://fhir.example.org/r4/MeasureReport/rpm-mr-p1",
		"ChargeItem/rpm-ci-p1":    "https://fhir.example.org/r4/ChargeItem/rpm-ci-p1",
		"Task/rpm-task-p1":        "https://fhir.example.org/r4/Task/rpm-task-p1",
	}, byID)
	assert.Equal(t, map[string]string{"MeasureReport/rpm-mr-p1": byID["MeasureReport/rpm-mr-p1"]}, resolved,
		"relative references resolve against the RESTful fullUrl")
	for i, r := range linkedResources("p1") {
		assert.JSONEq(t, string(r.JSON), string(b.Entry[i].Resource), "with a FHIR base the resources are as written")
	}
	var fb fullBundle
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &fb))
	assert.Regexp(t, `^urn:uuid:`, fb.Entry[3].FullURL, "the OperationOutcome has no id on the server")
	again := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03"})
	assert.Equal(t, w.Body.String(), again.Body.String(), "the same answer, the same bytes")
}

func TestBundleEntriesWithoutAFHIRBaseResolveByURN(t *testing.T) {
	fake := newFake()
	fake.outcomes["p1"] = &adapter.Outcome{PatientID: "p1", Result: &rules.Result{}, Resources: linkedResources("p1"),
		Warnings: []string{"billed ChargeItem left untouched"}}
	s := newTestServer(t, Config{}, fake)
	get := func() []byte {
		w := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=2024-03"})
		bundleOf(t, w)
		return w.Body.Bytes()
	}
	body := get()
	byID, resolved := checkFullURLs(t, body)
	require.Len(t, byID, 3)
	for _, u := range byID {
		assert.Regexp(t, `^urn:uuid:[0-9a-f-]{36}$`, u)
	}
	mr := byID["MeasureReport/rpm-mr-p1"]
	assert.Equal(t, map[string]string{mr: mr}, resolved,
		"supportingInformation and focus name the MeasureReport's urn, which a relative reference could not")
	var b fullBundle
	require.NoError(t, json.Unmarshal(body, &b))
	assert.Contains(t, string(b.Entry[0].Resource), `"subject":{"reference":"Patient/p1"}`, "references outside the Bundle stay")
	assert.Contains(t, string(b.Entry[0].Resource), `{"reference":"Observation/obs-1"}`)
	assert.Contains(t, string(b.Entry[1].Resource), `"supportingInformation":[{"reference":"`+mr+`"}]`)
	assert.Contains(t, string(b.Entry[2].Resource), `"focus":{"reference":"`+mr+`"}`)

	again, _ := checkFullURLs(t, get())
	assert.Equal(t, byID, again, "a resource has the same urn in every answer")
}

func TestGroupBundleEntriesHaveUniqueFullURLs(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2", "p1"} // a member listed twice
	fake.outcomes["p1"] = &adapter.Outcome{PatientID: "p1", Result: &rules.Result{}, Resources: linkedResources("p1")}
	fake.outcomes["p2"] = &adapter.Outcome{PatientID: "p2", Result: &rules.Result{}, Resources: linkedResources("p2"),
		Warnings: []string{"one"}}
	for _, base := range []string{"", "http://127.0.0.1:8093/fhir"} {
		t.Run("base="+base, func(t *testing.T) {
			s := newTestServer(t, Config{FHIRBase: base}, fake)
			w := s.do(t, req{method: http.MethodPost, target: groupOp})
			b := bundleOf(t, w)
			assert.Equal(t, []string{"MeasureReport", "ChargeItem", "Task", "MeasureReport", "ChargeItem", "Task",
				"OperationOutcome"}, typesOf(t, b), "the member listed twice is in the Bundle once")
			_, resolved := checkFullURLs(t, w.Body.Bytes())
			assert.Len(t, resolved, 2, "each ChargeItem and Task reaches its own patient's MeasureReport")
		})
	}
}

func TestGroupSummaryEntriesHaveFullURLs(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1", "p2", "p3"}
	fake.errs["p2"] = adapter.ErrNotFound
	s := newTestServer(t, Config{Tokens: writeOnly().Tokens, SyncGroupLimit: 1, GroupBundleLimit: 2}, fake)
	path := startJob(t, s, "g1")
	w := pollUntil(t, s, path, http.StatusOK)
	assert.Equal(t, []string{"Parameters", "OperationOutcome"}, typesOf(t, bundleOf(t, w)))
	checkFullURLs(t, w.Body.Bytes())
}

func TestRewriteReferencesTouchesOnlyReferenceValues(t *testing.T) {
	to := map[string]string{"MeasureReport/m1": "urn:uuid:x"}
	for in, want := range map[string]string{
		`{"reference":"MeasureReport/m1"}`:                                    `{"reference":"urn:uuid:x"}`,
		`{"reference" :	"MeasureReport/m1","display":"a"}`:                    `{"reference" :	"urn:uuid:x","display":"a"}`,
		`{"text":"reference","reference":"MeasureReport/m2"}`:                 `{"text":"reference","reference":"MeasureReport/m2"}`,
		`{"text":"MeasureReport/m1"}`:                                         `{"text":"MeasureReport/m1"}`,
		`{"text":"\"reference\":\"MeasureReport/m1\""}`:                       `{"text":"\"reference\":\"MeasureReport/m1\""}`,
		`[{"reference":"MeasureReport/m1"},{"reference":"MeasureReport/m1"}]`: `[{"reference":"urn:uuid:x"},{"reference":"urn:uuid:x"}]`,
		`{"reference":`:                  `{"reference":`,
		`{"reference":"MeasureReport/m1`: `{"reference":"MeasureReport/m1`,
	} {
		assert.Equal(t, want, string(rewriteReferences([]byte(in), to)), in)
	}
}

// BenchmarkPatientBundle is the cost of one answer's Bundle (three
// resources and an outcome), with fullUrls on a FHIR base and as urns
// (which rewrites the references).
func BenchmarkPatientBundle(b *testing.B) {
	out := &adapter.Outcome{PatientID: "p1", Result: &rules.Result{}, Resources: linkedResources("p1"),
		Warnings: []string{"billed ChargeItem left untouched"}}
	for _, base := range []string{"https://fhir.example.org/r4", ""} {
		b.Run("base="+base, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := patientBundle(out, testNow, base); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
