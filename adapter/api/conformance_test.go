package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/ig"
)

// The guide's resources are served as embedded, without a token (they are
// definitions), and an unknown id is a 404 OperationOutcome.
func TestGuideResourcesAreServed(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	all, err := ig.All()
	require.NoError(t, err)
	for _, r := range all {
		w := s.do(t, req{method: http.MethodGet, target: "/fhir/" + r.Type + "/" + r.ID})
		if r.Example { // examples are in the guide, not resources of the service
			assert.Equal(t, http.StatusNotFound, w.Code, "%s/%s", r.Type, r.ID)
			continue
		}
		require.Equal(t, http.StatusOK, w.Code, "%s/%s", r.Type, r.ID)
		assert.Equal(t, fhirJSON, w.Header().Get("Content-Type"))
		assert.JSONEq(t, string(r.JSON), w.Body.String(), "%s/%s", r.Type, r.ID)
	}
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/StructureDefinition/rpm-chargeitem"})
	require.Equal(t, http.StatusOK, w.Code)
	var sd struct{ ResourceType, URL, Type string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &sd))
	assert.Equal(t, "StructureDefinition", sd.ResourceType)
	assert.Equal(t, "http://rpm-adapter.org/fhir/StructureDefinition/rpm-chargeitem", sd.URL)
	assert.Equal(t, "ChargeItem", sd.Type)

	w = s.do(t, req{method: http.MethodGet, target: "/fhir/StructureDefinition/no-such-profile"})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "not-found", outcomeOf(t, w).Issue[0].Code)
}

func TestGuideResourcesAreFoundByURL(t *testing.T) {
	s := newTestServer(t, Config{PublicURL: "https://rpm.example.org"}, nil)
	w := s.do(t, req{method: http.MethodGet,
		target: "/fhir/Measure?url=http://rpm-adapter.org/fhir/Measure/rpm-device-days&_pretty=true"})
	require.Equal(t, http.StatusOK, w.Code)
	validR4(t, w.Body.Bytes())
	var b struct {
		Type  string
		Total int
		Entry []struct {
			FullURL  string
			Resource struct{ ResourceType, ID string }
		}
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	assert.Equal(t, "searchset", b.Type)
	require.Equal(t, 1, b.Total)
	require.Len(t, b.Entry, 1)
	assert.Equal(t, "https://rpm.example.org/fhir/Measure/rpm-device-days", b.Entry[0].FullURL)
	assert.Equal(t, "rpm-device-days", b.Entry[0].Resource.ID)

	w = s.do(t, req{method: http.MethodGet, target: "/fhir/CodeSystem?url=http://rpm-adapter.org/fhir/CodeSystem/none"})
	require.Equal(t, http.StatusOK, w.Code)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	assert.Equal(t, 0, b.Total)
}

func TestMetadataListsTheGuide(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/metadata"})
	require.Equal(t, http.StatusOK, w.Code)
	validR4(t, w.Body.Bytes())
	var cs struct {
		ImplementationGuide []string
		Rest                []struct {
			Resource []struct {
				Type        string
				Interaction []struct{ Code string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &cs))
	assert.Equal(t, []string{ig.GuideURL}, cs.ImplementationGuide)
	read := map[string]bool{}
	for _, r := range cs.Rest[0].Resource {
		for _, i := range r.Interaction {
			if i.Code == "read" {
				read[r.Type] = true
			}
		}
	}
	for _, typ := range []string{"StructureDefinition", "CodeSystem", "ValueSet", "Measure", "ImplementationGuide"} {
		assert.True(t, read[typ], "metadata lists no read of %s", typ)
	}
}
