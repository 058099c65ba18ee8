package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCapabilityStatementIsValidR4(t *testing.T) {
	s := newTestServer(t, Config{Version: "1.2.3", PublicURL: "https://rpm.example.org"}, nil)
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/metadata"})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, fhirJSON, w.Header().Get("Content-Type"))
	validR4(t, w.Body.Bytes())

	var cs struct {
		ResourceType, Status, Kind, FhirVersion string
		Format                                  []string
		Software                                struct{ Version string }
		Implementation                          struct{ URL string }
		Rest                                    []struct {
			Mode     string
			Resource []struct {
				Type      string
				Operation []struct{ Name, Definition string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &cs))
	assert.Equal(t, "CapabilityStatement", cs.ResourceType)
	assert.Equal(t, "active", cs.Status)
	assert.Equal(t, "instance", cs.Kind)
	assert.Equal(t, "4.0.1", cs.FhirVersion)
	assert.Equal(t, []string{"json"}, cs.Format)
	assert.Equal(t, "1.2.3", cs.Software.Version)
	assert.Equal(t, "https://rpm.example.org/fhir", cs.Implementation.URL)
	require.Len(t, cs.Rest, 1)
	assert.Equal(t, "server", cs.Rest[0].Mode)
	ops := map[string]string{}
	for _, r := range cs.Rest[0].Resource {
		for _, op := range r.Operation {
			assert.Equal(t, "rpm-eligibility", op.Name)
			ops[r.Type] = op.Definition
		}
	}
	assert.Equal(t, map[string]string{
		"Patient": "http://rpm-adapter.org/fhir/OperationDefinition/Patient-rpm-eligibility",
		"Group":   "http://rpm-adapter.org/fhir/OperationDefinition/Group-rpm-eligibility",
	}, ops)
}

func TestOperationDefinitionsAreValidR4(t *testing.T) {
	s := newTestServer(t, Config{Canonical: "https://example.org/fhir"}, nil)
	for _, typ := range []string{"Patient", "Group"} {
		t.Run(typ, func(t *testing.T) {
			w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition/" + typ + "-rpm-eligibility"})
			require.Equal(t, http.StatusOK, w.Code)
			validR4(t, w.Body.Bytes())
			var od struct {
				ResourceType, ID, URL, Code string
				Resource                    []string
				Instance, AffectsState      bool
				Parameter                   []struct {
					Name, Use, Max, Type string
					Min                  int
				}
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &od))
			assert.Equal(t, "OperationDefinition", od.ResourceType)
			assert.Equal(t, typ+"-rpm-eligibility", od.ID)
			assert.Equal(t, "https://example.org/fhir/OperationDefinition/"+typ+"-rpm-eligibility", od.URL)
			assert.Equal(t, "rpm-eligibility", od.Code)
			assert.Equal(t, []string{typ}, od.Resource)
			assert.True(t, od.Instance)
			got := map[string]string{}
			for _, p := range od.Parameter {
				got[p.Name] = p.Use + " " + p.Type
			}
			assert.Equal(t, map[string]string{"month": "in date", "date": "in date", "write": "in boolean",
				"enrollment": "in date", "return": "out Bundle"}, got)
		})
	}
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/OperationDefinition/Observation-lastn"})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "not-found", outcomeOf(t, w).Issue[0].Code)
}
