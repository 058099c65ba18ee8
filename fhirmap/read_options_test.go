package fhirmap

import (
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestCanonicalIsConfigurable(t *testing.T) {
	r, err := NewReader(Options{Canonical: "https://example.org/rpm",
		RPMEpisodeCodings: []Coding{{System: "http://hospital.example.org/programs", Code: "RPM-BP"}}})
	if err != nil {
		t.Fatal(err)
	}
	comm := `{"resourceType":"Communication","id":"c1","status":"completed","subject":{"reference":"Patient/p1"},"sent":"2026-10-05T10:00:00Z",
		"category":[{"coding":[{"system":"%s/CodeSystem/program","code":"ccm"}]}],
		"extension":[{"url":"%s/StructureDefinition/communication-duration","valueDuration":{"value":90,"system":"http://unitsofmeasure.org","code":"s"}}]}`
	for _, tt := range []struct {
		base    string
		program rules.Program
		dur     time.Duration
	}{
		{"https://example.org/rpm", rules.ProgramCCM, 90 * time.Second},
		{DefaultCanonical, rules.ProgramRPM, 0}, // another base's codes mean nothing here
	} {
		res, issues := r.Decode([]byte(strings.ReplaceAll(comm, "%s", tt.base)))
		c := res.(*Communication)
		if c.Program != tt.program || c.Duration != tt.dur || len(issues) != 0 {
			t.Errorf("base %s: program %q duration %v issues %v", tt.base, c.Program, c.Duration, issues)
		}
	}
	ep := `{"resourceType":"EpisodeOfCare","id":"e1","status":"active","patient":{"reference":"Patient/p1"},"period":{"start":"2026-01-15"},"type":[{"coding":[{"system":"%s","code":"%s"}]}]}`
	for _, tt := range []struct {
		system, code string
		rpm          bool
	}{
		{"https://example.org/rpm/CodeSystem/program", "rpm", true},
		{"http://hospital.example.org/programs", "RPM-BP", true},
		{DefaultCanonical + "/CodeSystem/program", "rpm", false},
		{"http://hospital.example.org/programs", "rpm-bp", false},
	} {
		res, _ := r.Decode([]byte(strings.NewReplacer("%s", tt.system).Replace(strings.Replace(ep, `"%s"}]}]}`, `"`+tt.code+`"}]}]}`, 1))))
		if e := res.(*EpisodeOfCare); e.RPM != tt.rpm {
			t.Errorf("%s#%s: RPM %v, want %v", tt.system, tt.code, e.RPM, tt.rpm)
		}
	}
	ci := `{"resourceType":"ChargeItem","id":"c1","status":"planned","meta":{"tag":[{"system":"https://example.org/rpm/CodeSystem/rpm-adapter","code":"generated"}]},
		"identifier":[{"system":"https://example.org/rpm/identifier/chargeitem","value":"v1"}],
		"code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99454"}]},"subject":{"reference":"Patient/p1"},"occurrenceDateTime":"2026-01-15"}`
	res, _ := r.Decode([]byte(ci))
	if c := res.(*ChargeItem); !c.Own || c.Identifier != "v1" {
		t.Errorf("own item not recognised: %+v", c)
	}
	res, _ = Decode([]byte(ci))
	if c := res.(*ChargeItem); c.Own || c.Identifier != "" {
		t.Errorf("another base's tag taken as own: %+v", c)
	}
}

func TestNewReaderRefusesNegativeLimits(t *testing.T) {
	for _, o := range []Options{{MaxLineBytes: -1}, {MaxBundleBytes: -1}, {MaxDepth: -1}} {
		if _, err := NewReader(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestChargeNeedsAZoneForInstants(t *testing.T) {
	c := &ChargeItem{ID: "c1", Code: "99454", Status: "billable",
		Start: When{Kind: WhenInstant, At: time.Date(2026, 1, 20, 6, 0, 0, 0, time.UTC), Date: rules.NoDate},
		End:   When{Kind: WhenDate, Date: rules.DateOf(2026, 2, 18)}}
	if _, ok := c.Charge(nil); ok {
		t.Error("an instant was placed on a date without a zone")
	}
	ch, ok := c.Charge(readChicago)
	if !ok || ch.Start != rules.DateOf(2026, 1, 20) || ch.End != rules.DateOf(2026, 2, 18) || ch.Ref != "ChargeItem/c1" {
		t.Errorf("charge %+v %v", ch, ok)
	}
	c.Status = "entered-in-error"
	if _, ok := c.Charge(readChicago); ok {
		t.Error("an entered-in-error item reached the rules")
	}
}

// The same names load once and are shared; concurrent decodes are safe
// (run with -race).
func TestReaderConcurrentUse(t *testing.T) {
	in := []byte(`{"resourceType":"Patient","id":"p1","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/timezone","valueCode":"America/Chicago"}]}`)
	done := make(chan *time.Location)
	for range 8 {
		go func() {
			res, _ := Decode(in)
			done <- res.(*Patient).Location
		}()
	}
	first := <-done
	for range 7 {
		if l := <-done; l.String() != first.String() {
			t.Errorf("zones differ: %v %v", l, first)
		}
	}
}
