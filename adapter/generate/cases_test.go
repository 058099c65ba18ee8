package generate

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The edge cases depend on details of the FHIR JSON, not only on the plan:
// these tests read the written files.

// linesOf returns the resources of typ whose JSON mentions patient id.
func linesOf(ex *export, typ, id string) []map[string]any {
	var out []map[string]any
	for _, rid := range ex.order[typ] {
		r := ex.resources[typ][rid]
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), `"Patient/`+id+`"`) {
			out = append(out, r)
		}
	}
	return out
}

func effective(obs []map[string]any) []string {
	var out []string
	for _, o := range obs {
		out = append(out, o["effectiveDateTime"].(string))
	}
	return out
}

func TestEdgeCasesAreInTheJSON(t *testing.T) {
	dir, _ := writeExport(t, SampleOptions())
	ex := readExport(t, dir)
	pat := ex.resources["Patient"]

	t.Run("C6 the last reading is 04:30 UTC on the day after the period", func(t *testing.T) {
		eff := effective(linesOf(ex, "Observation", "wc-c06"))
		if !slices.Contains(eff, "2026-10-31T04:30:00Z") {
			t.Errorf("no 2026-10-31T04:30:00Z among %v", eff)
		}
	})
	t.Run("C17 readings around the end of daylight saving time", func(t *testing.T) {
		eff := effective(linesOf(ex, "Observation", "wc-c17"))
		for _, want := range []string{"2026-10-31T00:30:00-04:00", "2026-11-02T04:30:00Z", "2026-11-02T00:30:00-05:00"} {
			if !slices.Contains(eff, want) {
				t.Errorf("no %s among %v", want, eff)
			}
		}
	})
	t.Run("R-DAY-4 zones on the Patient, on the address, nowhere", func(t *testing.T) {
		b, _ := json.Marshal(pat["edge-address-timezone"])
		addr, _ := json.Marshal(pat["edge-address-timezone"]["address"])
		if _, onPatient := pat["edge-address-timezone"]["extension"]; onPatient || !strings.Contains(string(addr), "America/Denver") {
			t.Errorf("edge-address-timezone: %s", b)
		}
		if b, _ := json.Marshal(pat["edge-no-timezone"]); strings.Contains(string(b), "StructureDefinition/timezone") {
			t.Errorf("edge-no-timezone has a zone: %s", b)
		}
		if b, _ := json.Marshal(pat["wc-c01"]["extension"]); !strings.Contains(string(b), `"valueCode":"America/New_York"`) {
			t.Errorf("wc-c01 zone extension: %s", b)
		}
	})
	t.Run("C7 self-reported readings have the patient as performer and no device", func(t *testing.T) {
		n := 0
		for _, o := range linesOf(ex, "Observation", "wc-c07") {
			if _, dev := o["device"]; !dev && o["performer"] != nil {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d self-reported readings, want 3", n)
		}
	})
	t.Run("R-TIME-2 durations in the extension, in seconds, and in Encounters", func(t *testing.T) {
		b, _ := json.Marshal(linesOf(ex, "Communication", "edge-seconds"))
		if !strings.Contains(string(b), `"valueDuration":{"code":"s","system":"http://unitsofmeasure.org","unit":"s","value":1199}`) ||
			!strings.Contains(string(b), "http://rpm-adapter.org/fhir/StructureDefinition/communication-duration") {
			t.Errorf("edge-seconds: %s", b)
		}
		enc, _ := json.Marshal(linesOf(ex, "Encounter", "edge-encounter-duration"))
		if !strings.Contains(string(enc), `"end":"2026-10-08T10:14:00-06:00"`) || !strings.Contains(string(enc), `"length":{"code":"min"`) {
			t.Errorf("edge-encounter-duration encounters: %s", enc)
		}
		for _, c := range linesOf(ex, "Communication", "edge-no-duration") {
			if c["extension"] == nil && c["encounter"] == nil {
				return
			}
		}
		t.Error("edge-no-duration has no communication without a duration")
	})
	t.Run("R-PER-4 and R-CON-1 charge items", func(t *testing.T) {
		other, _ := json.Marshal(linesOf(ex, "ChargeItem", "edge-other-practitioner"))
		rtm, _ := json.Marshal(linesOf(ex, "ChargeItem", "edge-rtm-overlap"))
		if !strings.Contains(string(other), `"Organization/other-clinic"`) || !strings.Contains(string(other), `"code":"99454"`) {
			t.Errorf("other practitioner: %s", other)
		}
		if !strings.Contains(string(rtm), `"code":"98977"`) {
			t.Errorf("rtm: %s", rtm)
		}
	})
	t.Run("episodes anchor the periods", func(t *testing.T) {
		e := ex.resources["EpisodeOfCare"]["eoc-wc-c16"]
		if e["period"].(map[string]any)["start"] != "2026-01-15" || e["status"] != "active" {
			t.Errorf("wc-c16 episode: %v", e)
		}
	})
}
