package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type capabilityBody struct {
	ResourceType, Status, Kind, FhirVersion string
	Format                                  []string
	Software                                struct{ Version string }
	Implementation                          struct{ URL string }
	Rest                                    []struct {
		Mode     string
		Security *struct {
			Cors        *bool
			Service     []struct{ Text string }
			Description string
		}
		Resource []struct {
			Type        string
			Interaction []struct{ Code string }
			SearchParam []struct{ Name, Type string }
			Operation   []struct{ Name, Definition string }
		}
	}
}

func capabilityOf(t *testing.T, s *testServer) capabilityBody {
	t.Helper()
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/metadata"})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, fhirJSON, w.Header().Get("Content-Type"))
	validR4(t, w.Body.Bytes())
	var cs capabilityBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &cs))
	return cs
}

func TestCapabilityStatementIsValidR4(t *testing.T) {
	s := newTestServer(t, Config{Version: "1.2.3", PublicURL: "https://rpm.example.org"}, nil)
	cs := capabilityOf(t, s)
	assert.Equal(t, "CapabilityStatement", cs.ResourceType)
	assert.Equal(t, "active", cs.Status)
	assert.Equal(t, "instance", cs.Kind)
	assert.Equal(t, "4.0.1", cs.FhirVersion)
	assert.Equal(t, []string{"json"}, cs.Format)
	assert.Equal(t, "1.2.3", cs.Software.Version)
	assert.Equal(t, "https://rpm.example.org/fhir", cs.Implementation.URL)
	require.Len(t, cs.Rest, 1)
	assert.Equal(t, "server", cs.Rest[0].Mode)
	assert.Nil(t, cs.Rest[0].Security, "without tokens there is nothing to authenticate")
	ops := map[string]string{}
	for _, r := range cs.Rest[0].Resource {
		for _, op := range r.Operation {
			ops[r.Type+" "+op.Name] = op.Definition
		}
		if r.Type == "OperationDefinition" {
			var codes, params []string
			for _, i := range r.Interaction {
				codes = append(codes, i.Code)
			}
			for _, p := range r.SearchParam {
				params = append(params, p.Name+" "+p.Type)
			}
			assert.Equal(t, []string{"read", "search-type"}, codes)
			assert.Equal(t, []string{"url uri", "code token"}, params)
		}
	}
	assert.Equal(t, map[string]string{
		"Patient rpm-eligibility":       "http://rpm-adapter.org/fhir/OperationDefinition/Patient-rpm-eligibility",
		"Patient rpm-eligibility-write": "http://rpm-adapter.org/fhir/OperationDefinition/Patient-rpm-eligibility-write",
		"Group rpm-eligibility":         "http://rpm-adapter.org/fhir/OperationDefinition/Group-rpm-eligibility",
		"Group rpm-eligibility-write":   "http://rpm-adapter.org/fhir/OperationDefinition/Group-rpm-eligibility-write",
	}, ops)
}

func TestCapabilityStatementSaysHowToAuthenticate(t *testing.T) {
	cs := capabilityOf(t, newTestServer(t, withTokens(), nil))
	sec := cs.Rest[0].Security
	require.NotNil(t, sec, "rest.security when tokens are configured")
	require.NotNil(t, sec.Cors)
	assert.False(t, *sec.Cors)
	require.Len(t, sec.Service, 1)
	assert.Contains(t, sec.Service[0].Text, "bearer")
	assert.Contains(t, sec.Description, "Authorization: Bearer")
	assert.Contains(t, sec.Description, "write role")
}

type opDefBody struct {
	ResourceType, ID, URL, Code, Description string
	Resource                                 []string
	Instance, AffectsState                   bool
	Parameter                                []struct {
		Name, Use, Max, Type, Documentation string
		Min                                 int
	}
}

func opDefOf(t *testing.T, body []byte) opDefBody {
	t.Helper()
	validR4(t, body)
	var od opDefBody
	require.NoError(t, json.Unmarshal(body, &od))
	return od
}

func TestOperationDefinitionsAreValidR4(t *testing.T) {
	s := newTestServer(t, Config{Canonical: "https://example.org/fhir"}, nil)
	for _, op := range operations {
		t.Run(op.id(), func(t *testing.T) {
			w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition/" + op.id()})
			require.Equal(t, http.StatusOK, w.Code)
			od := opDefOf(t, w.Body.Bytes())
			assert.Equal(t, "OperationDefinition", od.ResourceType)
			assert.Equal(t, op.id(), od.ID)
			assert.Equal(t, "https://example.org/fhir/OperationDefinition/"+op.id(), od.URL)
			assert.Equal(t, op.code, od.Code)
			assert.Equal(t, []string{op.typeName}, od.Resource)
			assert.True(t, od.Instance)
			assert.Equal(t, op.write, od.AffectsState, "only the write operation changes state")
			got := map[string]string{}
			for _, p := range od.Parameter {
				got[p.Name] = p.Use + " " + p.Type
			}
			assert.Equal(t, map[string]string{"month": "in string", "date": "in date",
				"enrollment": "in date", "return": "out Bundle"}, got)
		})
	}
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition/Observation-lastn"})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "not-found", outcomeOf(t, w).Issue[0].Code)
}

// An operation with affectsState false may be invoked with GET (R4
// operations.html); one with affectsState true may not, and is not.
func TestOnlyOperationsThatChangeNothingAreServedByGET(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	s := newTestServer(t, withTokens(), fake)
	for _, op := range operations {
		target := "/fhir/" + op.typeName + "/" + map[string]string{"Patient": "p1", "Group": "g1"}[op.typeName] +
			"/$" + op.code + "?month=2024-03"
		get := s.do(t, req{method: http.MethodGet, target: target, token: fullToken})
		post := s.do(t, req{method: http.MethodPost, target: target, token: fullToken})
		if op.write {
			assert.Equal(t, http.StatusMethodNotAllowed, get.Code, target)
			assert.Equal(t, "POST", get.Header().Get("Allow"))
		} else {
			bundleOf(t, get)
			assert.False(t, s.fake.lastCall(t).write, "%s changes nothing", target)
		}
		bundleOf(t, post)
		assert.Equal(t, op.write, s.fake.lastCall(t).write, target)
	}
}

// A Parameters body built from the OperationDefinition, each parameter
// with the value[x] of its declared type, is accepted.
func TestDeclaredParameterTypesAreAccepted(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	examples := map[string]string{"month": "2024-02", "date": "2024-02-10", "enrollment": "2024-01-20"}
	for _, op := range operations {
		if op.typeName != "Patient" {
			continue
		}
		od := opDefOf(t, s.opDefs[op.id()].body)
		for _, p := range od.Parameter {
			if p.Use != "in" {
				continue
			}
			body := `{"resourceType":"Parameters","parameter":[{"name":"` + p.Name + `","value` +
				strings.ToUpper(p.Type[:1]) + p.Type[1:] + `":"` + examples[p.Name] + `"}]}`
			w := s.do(t, req{method: http.MethodPost, target: "/fhir/Patient/p1/$" + op.code, body: body, token: fullToken})
			bundleOf(t, w)
			// On GET the same values go in the query string.
			if !op.write {
				bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$" + op.code + "?" +
					p.Name + "=" + url.QueryEscape(examples[p.Name]), token: fullToken}))
			}
		}
	}
}

// The Group operations' return documents what large groups really get.
func TestGroupReturnDocumentsTheSummary(t *testing.T) {
	s := newTestServer(t, Config{SyncGroupLimit: 3, GroupBundleLimit: 7}, nil)
	od := opDefOf(t, s.opDefs["Group-rpm-eligibility"].body)
	var doc string
	for _, p := range od.Parameter {
		if p.Name == "return" {
			doc = p.Documentation
		}
	}
	for _, want := range []string{"at most 7 members", "more than 3 members needs Prefer: respond-async",
		"more than 7 members gets a summary", "Parameters", "patients, evaluated, notEvaluated, failed, issues",
		"written", "resources"} {
		assert.Contains(t, doc, want)
	}
}

func TestOperationDefinitionsAreFoundByURL(t *testing.T) {
	s := newTestServer(t, Config{Version: "1.2.3", PublicURL: "https://rpm.example.org"}, nil)
	search := func(q string) (int, []string, searchsetBody) {
		w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition?" + q})
		if w.Code != http.StatusOK {
			return w.Code, nil, searchsetBody{}
		}
		validR4(t, w.Body.Bytes())
		var b searchsetBody
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
		var ids []string
		for _, e := range b.Entry {
			var od opDefBody
			require.NoError(t, json.Unmarshal(e.Resource, &od))
			ids = append(ids, od.ID)
			assert.Equal(t, "https://rpm.example.org/fhir/OperationDefinition/"+od.ID, e.FullURL)
			assert.Equal(t, "match", e.Search.Mode)
		}
		assert.Equal(t, len(ids), b.Total)
		return w.Code, ids, b
	}
	canon := "http://rpm-adapter.org/fhir/OperationDefinition/"
	code, ids, b := search("url=" + url.QueryEscape(canon+"Patient-rpm-eligibility"))
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, []string{"Patient-rpm-eligibility"}, ids)
	assert.Equal(t, "searchset", b.Type)
	assert.Equal(t, "https://rpm.example.org/fhir/OperationDefinition?url="+url.QueryEscape(canon+"Patient-rpm-eligibility"), b.Link[0].URL)

	for q, want := range map[string][]string{
		"": {"Group-rpm-eligibility", "Group-rpm-eligibility-write", "Patient-rpm-eligibility", "Patient-rpm-eligibility-write", "rpm-billing-export"},
		"url=" + canon + "Group-rpm-eligibility-write|1.2.3":                                {"Group-rpm-eligibility-write"},
		"url=" + canon + "Group-rpm-eligibility-write|9":                                    nil,
		"url=" + canon + "Observation-lastn":                                                nil,
		"code=rpm-eligibility-write":                                                        {"Group-rpm-eligibility-write", "Patient-rpm-eligibility-write"},
		"code=rpm-eligibility&_id=Group-rpm-eligibility":                                    {"Group-rpm-eligibility"},
		"_id=Group-rpm-eligibility,Patient-rpm-eligibility":                                 {"Group-rpm-eligibility", "Patient-rpm-eligibility"},
		"url=" + canon + "Patient-rpm-eligibility&_format=json&_pretty=true&_summary=false": {"Patient-rpm-eligibility"},
	} {
		code, ids, _ := search(q)
		assert.Equal(t, http.StatusOK, code, q)
		assert.Equal(t, want, ids, q)
	}
	code, _, _ = search("name=x")
	assert.Equal(t, http.StatusBadRequest, code, "an unsupported search parameter is refused, not ignored")
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition?_format=xml"})
	assert.Equal(t, http.StatusNotAcceptable, w.Code)
}

type searchsetBody struct {
	Type  string
	Total int
	Link  []struct{ Relation, URL string }
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   struct{ Mode string }
	}
}
