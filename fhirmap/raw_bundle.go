package fhirmap

import (
	"encoding/json"
	"errors"
)

// BundleResources returns the raw JSON of each entry.resource of a Bundle,
// for callers that hand whole resources on (for example the adapter's own
// earlier ChargeItems to Reconcile). It is not on the hot path.
func BundleResources(bundle []byte) ([][]byte, error) {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		return nil, errors.New("fhirmap: the page is not valid JSON")
	}
	if b.ResourceType != "Bundle" {
		return nil, errors.New("fhirmap: the page is not a Bundle")
	}
	out := make([][]byte, 0, len(b.Entry))
	for _, e := range b.Entry {
		if len(e.Resource) > 0 {
			out = append(out, e.Resource)
		}
	}
	return out, nil
}
