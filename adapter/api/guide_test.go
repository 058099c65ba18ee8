package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/ig"
)

// The OperationDefinitions served are the guide's: as compiled with the
// default configuration, and with only the version and the Group limits
// changed otherwise.
func TestOperationDefinitionsAreTheGuides(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	n := 0
	for _, r := range mustGuide(t).All() {
		if r.Type != "OperationDefinition" {
			continue
		}
		n++
		w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition/" + r.ID})
		require.Equal(t, http.StatusOK, w.Code, r.ID)
		assert.JSONEq(t, string(r.JSON), w.Body.String(), r.ID)
	}
	assert.Equal(t, len(operations)+1, n, "the four eligibility operations and the billing export")

	s = newTestServer(t, Config{Version: "1.2.3", SyncGroupLimit: 3, GroupBundleLimit: 7}, nil)
	for _, r := range mustGuide(t).All() {
		if r.Type != "OperationDefinition" {
			continue
		}
		var want, got map[string]any
		require.NoError(t, json.Unmarshal(r.JSON, &want))
		require.NoError(t, json.Unmarshal(s.opDefs[r.ID].body, &got))
		assert.Equal(t, "1.2.3", got["version"], r.ID)
		delete(got, "version")
		for _, od := range []map[string]any{want, got} {
			for _, p := range od["parameter"].([]any) {
				if p := p.(map[string]any); p["name"] == "return" && od["resource"] != nil && od["resource"].([]any)[0] == "Group" {
					delete(p, "documentation") // TestGroupReturnDocumentsTheSummary
				}
			}
		}
		assert.Equal(t, want, got, r.ID)
	}
}

func mustGuide(t *testing.T) *ig.Guide {
	t.Helper()
	g, err := ig.Default()
	require.NoError(t, err)
	return g
}

// statementBody is what the comparison of CapabilityStatements reads.
type statementBody struct {
	URL, Kind           string
	Instantiates        []string
	ImplementationGuide []string
	Rest                []struct {
		Security *json.RawMessage
		Resource []struct {
			Type        string
			Interaction []struct{ Code string }
			SearchParam []struct{ Name, Type, Definition string }
			Operation   []struct{ Name, Definition string }
		}
		Operation []struct{ Name, Definition string }
	}
}

// capabilities lists a statement's capabilities, one string each.
func capabilities(t *testing.T, body []byte) (map[string]bool, statementBody) {
	t.Helper()
	var cs statementBody
	require.NoError(t, json.Unmarshal(body, &cs))
	require.Len(t, cs.Rest, 1)
	out := map[string]bool{}
	for _, r := range cs.Rest[0].Resource {
		out["resource "+r.Type] = true
		for _, i := range r.Interaction {
			out["interaction "+r.Type+" "+i.Code] = true
		}
		for _, p := range r.SearchParam {
			out["search "+r.Type+" "+p.Name+" "+p.Type+" "+p.Definition] = true
		}
		for _, o := range r.Operation {
			out["operation "+r.Type+" $"+o.Name+" "+o.Definition] = true
		}
	}
	for _, o := range cs.Rest[0].Operation {
		out["operation system $"+o.Name+" "+o.Definition] = true
	}
	if cs.Rest[0].Security != nil {
		out["security"] = true
	}
	return out, cs
}

// The served CapabilityStatement (kind instance, this configuration)
// instantiates the guide's (kind requirements, the whole service): in
// every configuration, everything it declares is in the guide's; with
// tokens and the billing export, which is everything the service can be
// configured to offer, it declares all of the guide's.
func TestCapabilityStatementInstantiatesTheGuides(t *testing.T) {
	const canon = "https://fhir.example.org/rpm"
	for name, cfg := range map[string]Config{
		"default":         {},
		"tokens":          withTokens(),
		"billing":         {Billing: &recordingExporter{}},
		"tokens, billing": {Tokens: withTokens().Tokens, Billing: &recordingExporter{}},
		"canonical":       {Canonical: canon, Tokens: withTokens().Tokens, Billing: &recordingExporter{}, Version: "1.2.3"},
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, cfg, nil)
			g, err := ig.Rebase(cfg.Canonical)
			require.NoError(t, err)
			req, ok := g.Get("CapabilityStatement", guideStatement)
			require.True(t, ok)
			want, guide := capabilities(t, req.JSON)
			assert.Equal(t, "requirements", guide.Kind)
			got, served := capabilities(t, s.capability)
			assert.Equal(t, "instance", served.Kind)
			assert.Equal(t, []string{req.URL}, served.Instantiates)
			assert.Equal(t, guide.ImplementationGuide, served.ImplementationGuide)
			assert.Equal(t, []string{g.GuideURL()}, served.ImplementationGuide)
			assert.Empty(t, served.URL, "the served statement is this deployment's, not the guide's canonical one")
			for c := range got {
				assert.True(t, want[c], "the served statement declares %q, the guide's does not", c)
			}
			full := cfg.Billing != nil && len(cfg.Tokens) > 0
			for c := range want {
				if full {
					assert.True(t, got[c], "the guide's statement declares %q, the service configured with tokens and billing does not", c)
				}
			}
			assert.Equal(t, len(cfg.Tokens) > 0, got["security"])
			assert.Equal(t, cfg.Billing != nil, got["operation system $rpm-billing-export "+g.Canonical()+"/OperationDefinition/rpm-billing-export"])
			// Every canonical the served statement names resolves on the service.
			for _, u := range append(append([]string{}, served.Instantiates...), served.ImplementationGuide...) {
				_, ok := g.ByURL(u)
				assert.True(t, ok, u)
			}
			for _, r := range served.Rest[0].Resource {
				for _, o := range r.Operation {
					assert.Contains(t, searchIDs(t, s, "OperationDefinition", o.Definition), "", o.Definition)
				}
			}
		})
	}
}

// searchIDs searches the service by url and lists what it found; "" stands
// for "found at least one".
func searchIDs(t *testing.T, s *testServer, typ, canonical string) []string {
	t.Helper()
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/" + typ + "?url=" + url.QueryEscape(canonical)})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	validR4(t, w.Body.Bytes())
	var b searchsetBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	var ids []string
	for _, e := range b.Entry {
		var r struct{ ID, URL string }
		require.NoError(t, json.Unmarshal(e.Resource, &r))
		assert.Equal(t, canonical, r.URL)
		ids = append(ids, r.ID)
	}
	if len(ids) > 0 {
		ids = append(ids, "")
	}
	sort.Strings(ids)
	return ids
}

// With --canonical X, every definition served carries X: what a resource
// written with X names is what this service publishes, and nothing is
// found under the default base any more.
func TestDefinitionsAreServedUnderTheConfiguredCanonical(t *testing.T) {
	const canon = "https://fhir.example.org/rpm"
	s := newTestServer(t, Config{Canonical: canon, Version: "1.2.3"}, nil)
	for _, c := range []struct{ typ, id string }{
		{"StructureDefinition", "rpm-chargeitem"}, {"StructureDefinition", "rpm-finding"},
		{"CodeSystem", "rpm-issue"}, {"ValueSet", "rpm-finding"}, {"Measure", "rpm-device-days"},
		{"ImplementationGuide", "rpm-adapter.fhir"}, {"CapabilityStatement", "rpm-adapter"},
		{"OperationDefinition", "Group-rpm-eligibility"}, {"OperationDefinition", "rpm-billing-export"},
	} {
		w := s.do(t, req{method: http.MethodGet, target: "/fhir/" + c.typ + "/" + c.id})
		require.Equal(t, http.StatusOK, w.Code, c.typ+"/"+c.id)
		validR4(t, w.Body.Bytes())
		assert.NotContains(t, w.Body.String(), ig.Canonical, "%s/%s names the default base", c.typ, c.id)
		var r struct{ URL string }
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &r))
		u := canon + "/" + c.typ + "/" + c.id
		assert.Equal(t, u, r.URL)
		assert.Equal(t, []string{"", c.id}, searchIDs(t, s, c.typ, u), u)
		assert.Empty(t, searchIDs(t, s, c.typ, ig.Canonical+"/"+c.typ+"/"+c.id), "found under the default base")
	}
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition?url=" +
		url.QueryEscape(canon+"/OperationDefinition/Patient-rpm-eligibility|1.2.3")})
	require.Equal(t, http.StatusOK, w.Code)
	var b searchsetBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	assert.Equal(t, 1, b.Total)
	// The profile a written ChargeItem names, and the binding of its CPT
	// coding, are the served ones.
	w = s.do(t, req{method: http.MethodGet, target: "/fhir/StructureDefinition/rpm-chargeitem"})
	assert.Contains(t, w.Body.String(), canon+"/ValueSet/rpm-cpt")
	assert.NotContains(t, string(s.capability), ig.Canonical)
}
