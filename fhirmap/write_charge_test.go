package fhirmap

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// setJSON returns b with top-level field k set to v.
func setJSON(t *testing.T, b []byte, k string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		delete(m, k)
	} else {
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEnteredInError(t *testing.T) {
	w := newTestWriter(t, PutByID)
	ci := buildScenario(t, w, writeScenarios[0]).Windows[0].ChargeItems[1]
	server := asServerCopy(t, ci.JSON, "7")

	got, err := w.EnteredInError(server, writeTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ci.ID || got.Identifier != ci.Identifier || got.Version != "7" || got.ResourceType != TypeChargeItem {
		t.Errorf("withdrawn item keeps id %s identifier %+v version %q", got.ID, got.Identifier, got.Version)
	}
	s := string(got.JSON)
	for _, want := range []string{`"status":"entered-in-error"`, withdrawNote, `"quantity":{"value":1}`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in %s", want, s)
		}
	}
	if strings.Contains(s, "versionId") || strings.Contains(s, "lastUpdated") {
		t.Errorf("server-managed meta sent back: %s", s)
	}

	cases := map[string]struct {
		in   []byte
		want error
	}{
		"a billed item is never changed": {setJSON(t, server, "status", "billed"), ErrBilled},
		"already entered in error":       {got.JSON, ErrFinalStatus},
		"an item another system wrote":   {setJSON(t, server, "meta", map[string]any{"versionId": "1"}), ErrNotGenerated},
		"a Task is not a ChargeItem":     {buildScenario(t, w, writeScenarios[1]).Windows[0].Task.JSON, nil},
		"invalid FHIR (unknown status)":  {setJSON(t, server, "status", "pat-7f3a"), nil},
		"an item without id":             {setJSON(t, server, "id", nil), nil},
		"not JSON at all":                {[]byte("Patient pat-7f3a"), nil},
	}
	for name, c := range cases {
		_, err := w.EnteredInError(c.in, writeTestNow)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", name)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		case strings.Contains(err.Error(), writeTestPatient):
			t.Errorf("%s: error quotes patient data: %v", name, err)
		}
	}
}
