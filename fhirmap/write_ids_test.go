package fhirmap

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestIdentifierValue(t *testing.T) {
	d := rules.DateOf(2026, time.October, 15)
	base := IdentifierValue("t", "p", "99454", d, rules.CMSPFS2026)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(base) {
		t.Fatalf("not hex SHA-256: %q", base)
	}
	if again := IdentifierValue("t", "p", "99454", d, rules.CMSPFS2026); again != base {
		t.Error("not deterministic")
	}
	differ := map[string]string{
		"another tenant":       IdentifierValue("u", "p", "99454", d, rules.CMSPFS2026),
		"another patient":      IdentifierValue("t", "q", "99454", d, rules.CMSPFS2026),
		"another code":         IdentifierValue("t", "p", "99453", d, rules.CMSPFS2026),
		"another window start": IdentifierValue("t", "p", "99454", d.AddDays(30), rules.CMSPFS2026),
		"another rule set":     IdentifierValue("t", "p", "99454", d, rules.CMSPFS2021),
	}
	for name, v := range differ {
		if v == base {
			t.Errorf("%s gives the same value", name)
		}
	}
	// Moving a separator between fields must not give the same tuple.
	if IdentifierValue("a|b", "c", "x", d, "") == IdentifierValue("a", "b|c", "x", d, "") ||
		IdentifierValue("a;", "b", "x", d, "") == IdentifierValue("a", ";b", "x", d, "") {
		t.Error("fields are not delimited unambiguously")
	}
}

func TestResourceID(t *testing.T) {
	v := IdentifierValue("t", "p", "99454", rules.DateOf(2026, 1, 1), rules.CMSPFS2026)
	for _, prefix := range []string{PrefixMeasureReport, PrefixChargeItem, PrefixTask} {
		id := ResourceID(prefix, v)
		if !regexp.MustCompile(`^`+prefix+`-[0-9a-f]{16}$`).MatchString(id) || len(id) > 64 {
			t.Errorf("ResourceID(%s) = %q", prefix, id)
		}
		if ResourceID(prefix, v) != id {
			t.Error("not deterministic")
		}
	}
	if ResourceID(PrefixChargeItem, v) == ResourceID(PrefixChargeItem, v+"0") {
		t.Error("different values give the same id")
	}
}

func TestBundleUUID(t *testing.T) {
	u := bundleUUID(Identifier{System: "http://x/identifier/task", Value: "abc"})
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u) {
		t.Errorf("not a version 8 UUID urn: %q", u)
	}
	if u == bundleUUID(Identifier{System: "http://x/identifier/chargeitem", Value: "abc"}) {
		t.Error("the system does not enter the UUID")
	}
}

func TestNewWriterChecksOptions(t *testing.T) {
	bad := map[string]WriteOptions{
		"relative canonical":      {Canonical: "rpm-adapter.org/fhir"},
		"ftp canonical":           {Canonical: "ftp://rpm-adapter.org/fhir"},
		"reporter without id":     {Reporter: "Organization"},
		"reporter a Patient":      {Reporter: "Patient/p1"},
		"enterer a Location":      {Enterer: "Location/l1"},
		"performer bad id":        {Performer: "Practitioner/has space"},
		"billing a Practitioner":  {BillingOrganization: "Practitioner/x"},
		"unknown mode":            {Mode: 7},
		"absolute reporter URL":   {Reporter: "http://other/Organization/1"},
		"reporter with a history": {Reporter: "Organization/1/_history/2"},
	}
	for name, o := range bad {
		if _, err := NewWriter(o); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	w, err := NewWriter(WriteOptions{Canonical: "https://example.org/rpm/", Reporter: "Location/loc-1"})
	if err != nil {
		t.Fatal(err)
	}
	if w.Canonical() != "https://example.org/rpm" || w.IdentifierSystem("ChargeItem") != "https://example.org/rpm/identifier/chargeitem" {
		t.Errorf("canonical %q, system %q", w.Canonical(), w.IdentifierSystem("ChargeItem"))
	}
	// A Location may report a MeasureReport but not request a Task.
	ws, err := w.Build(writeTestPatient, openPeriodResult(t), writeTestNow)
	if err != nil {
		t.Fatal(err)
	}
	task := string(ws.Windows[0].Task.JSON)
	if strings.Contains(task, "requester") || !strings.Contains(task, "https://example.org/rpm/CodeSystem/rpm-task") {
		t.Errorf("task with a Location reporter: %s", task)
	}
	if !strings.Contains(string(ws.Windows[0].MeasureReport.JSON), `"reporter":{"reference":"Location/loc-1"}`) {
		t.Error("the Location reporter is missing from the MeasureReport")
	}
}
