package fhirmap

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

const (
	eligCoverage  = `{"resourceType":"Coverage","id":"cov1","status":"active","beneficiary":{"reference":"Patient/p1"},"period":{"start":"2026-01-01","end":"2026-12-31"},"payor":[{"reference":"Organization/acme-health"}]}`
	eligCondition = `{"resourceType":"Condition","id":"cond1","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I50.22"}]},"subject":{"reference":"Patient/p1"},"onsetDateTime":"2024-11-04"}`
	eligConsent   = `{"resourceType":"Consent","id":"cons1","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"treatment"}]},"category":[{"coding":[{"system":"http://rpm-adapter.org/fhir/CodeSystem/program","code":"rpm"}]}],"patient":{"reference":"Patient/p1"},"policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},"provision":{"type":"permit","period":{"start":"2026-01-10","end":"2026-12-31"}}}`
)

// eligEdit replaces old by new in a base input, failing when old is absent
// (so a case never silently tests the unchanged input).
func eligEdit(t *testing.T, base, old, new string) []byte {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("%q not in the base input", old)
	}
	return []byte(strings.Replace(base, old, new, 1))
}

// Malformed Coverage, Condition and Consent resources are reported with
// stable codes and constant messages, and never returned half-read.
func TestEligibilityBadInputIsReported(t *testing.T) {
	tests := []struct {
		name      string
		base      string
		old, new  string
		code      string
		sev       Severity
		ok        bool // the resource is still decoded
		truncated int  // > 0: cut the input to this many bytes instead
	}{
		{name: "coverage as written", base: eligCoverage, ok: true},
		{name: "coverage without beneficiary", base: eligCoverage, old: `"beneficiary":{"reference":"Patient/p1"},`, code: CodeMissingSubject, sev: SeverityError},
		{name: "coverage beneficiary not a Patient", base: eligCoverage, old: `Patient/p1`, new: `RelatedPerson/r1`, code: CodeNotPatient, sev: SeverityError},
		{name: "coverage beneficiary a string", base: eligCoverage, old: `{"reference":"Patient/p1"}`, new: `"Patient/p1"`, code: CodeInvalidType, sev: SeverityError},
		{name: "coverage unknown status", base: eligCoverage, old: `"active"`, new: `"in-force"`, code: CodeUnknownStatus, sev: SeverityError},
		{name: "coverage status a number", base: eligCoverage, old: `"active"`, new: `1`, code: CodeInvalidType, sev: SeverityError},
		{name: "coverage without status", base: eligCoverage, old: `"status":"active",`, code: CodeMissingStatus, sev: SeverityError},
		{name: "coverage period backwards", base: eligCoverage, old: `"2026-12-31"`, new: `"2025-12-31"`, code: CodeInvalidPeriod, sev: SeverityError},
		{name: "coverage period start without offset", base: eligCoverage, old: `"2026-01-01"`, new: `"2026-01-01T00:00:00"`, code: CodeNoOffset, sev: SeverityError},
		{name: "coverage period an array", base: eligCoverage, old: `{"start":"2026-01-01","end":"2026-12-31"}`, new: `[]`, code: CodeInvalidType, sev: SeverityError},
		{name: "coverage without payor", base: eligCoverage, old: `,"payor":[{"reference":"Organization/acme-health"}]`, code: CodeMissingPayor, sev: SeverityWarning, ok: true},
		{name: "coverage empty payor list", base: eligCoverage, old: `[{"reference":"Organization/acme-health"}]`, new: `[]`, code: CodeMissingPayor, sev: SeverityWarning, ok: true},
		{name: "coverage payor a search URL", base: eligCoverage, old: `Organization/acme-health`, new: `Organization?name=acme`, code: CodeBadReference, sev: SeverityWarning, ok: true},
		{name: "coverage payor urn only", base: eligCoverage, old: `Organization/acme-health`, new: `urn:uuid:8c9a3c6e-1d0b-4f39-9d7e-5b8f1f6a2b11`, code: CodeUnresolvable, sev: SeverityWarning, ok: true},
		{name: "coverage payor display only", base: eligCoverage, old: `{"reference":"Organization/acme-health"}`, new: `{"display":"Acme"}`, code: CodeUnresolvable, sev: SeverityWarning, ok: true},
		{name: "coverage truncated", base: eligCoverage, truncated: 90, code: CodeMalformedJSON, sev: SeverityError},

		{name: "condition as written", base: eligCondition, ok: true},
		{name: "condition without subject", base: eligCondition, old: `"subject":{"reference":"Patient/p1"},`, code: CodeMissingSubject, sev: SeverityError},
		{name: "condition subject a Group", base: eligCondition, old: `Patient/p1`, new: `Group/g1`, code: CodeNotPatient, sev: SeverityError},
		{name: "condition unknown clinical status", base: eligCondition, old: `"code":"active"`, new: `"code":"current"`, code: CodeUnknownStatus, sev: SeverityError},
		{name: "condition clinical status in another system only", base: eligCondition, old: `condition-clinical`, new: `condition-state`, code: CodeMissingStatus, sev: SeverityWarning, ok: true},
		{name: "condition clinical status a string", base: eligCondition, old: `{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}`, new: `"active"`, code: CodeInvalidType, sev: SeverityError},
		{name: "condition unknown verification status", base: eligCondition, old: `"code":{`, new: `"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"ruled-out"}]},"code":{`, code: CodeUnknownStatus, sev: SeverityError},
		{name: "condition code an array", base: eligCondition, old: `"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I50.22"}]}`, new: `"code":[]`, code: CodeInvalidType, sev: SeverityWarning, ok: true},
		{name: "condition onset a number", base: eligCondition, old: `"2024-11-04"`, new: `2024`, code: CodeInvalidType, sev: SeverityError},
		{name: "condition onset no calendar date", base: eligCondition, old: `"2024-11-04"`, new: `"2024-11-31"`, code: CodeInvalidDateTime, sev: SeverityError},
		{name: "condition onset a month", base: eligCondition, old: `"2024-11-04"`, new: `"2024-11"`, code: CodeImpreciseDate, sev: SeverityWarning, ok: true},
		{name: "condition two onsets", base: eligCondition, old: `"onsetDateTime"`, new: `"onsetPeriod":{"start":"2024-01-01"},"onsetDateTime"`, code: CodeInvalidChoice, sev: SeverityError},
		{name: "condition truncated", base: eligCondition, truncated: 120, code: CodeMalformedJSON, sev: SeverityError},

		{name: "consent as written", base: eligConsent, ok: true},
		{name: "consent without patient", base: eligConsent, old: `"patient":{"reference":"Patient/p1"},`, code: CodeMissingSubject, sev: SeverityError},
		{name: "consent patient contained", base: eligConsent, old: `Patient/p1`, new: `#pat`, code: CodeUnresolvable, sev: SeverityError},
		{name: "consent unknown status", base: eligConsent, old: `"status":"active"`, new: `"status":"signed"`, code: CodeUnknownStatus, sev: SeverityError},
		{name: "consent without status", base: eligConsent, old: `"status":"active",`, code: CodeMissingStatus, sev: SeverityError},
		{name: "consent unknown provision type", base: eligConsent, old: `"permit"`, new: `"allow"`, code: CodeUnknownCode, sev: SeverityError},
		{name: "consent provision type an object", base: eligConsent, old: `"permit"`, new: `{"code":"permit"}`, code: CodeInvalidType, sev: SeverityError},
		{name: "consent provision an array", base: eligConsent, old: `"provision":{"type":"permit","period":{"start":"2026-01-10","end":"2026-12-31"}}`, new: `"provision":[]`, code: CodeInvalidType, sev: SeverityError},
		{name: "consent period backwards", base: eligConsent, old: `"2026-01-10"`, new: `"2027-01-10"`, code: CodeInvalidPeriod, sev: SeverityError},
		{name: "consent period imprecise", base: eligConsent, old: `"2026-01-10"`, new: `"2026"`, code: CodeImpreciseDate, sev: SeverityError},
		{name: "consent dateTime without offset", base: eligConsent, old: `"patient"`, new: `"dateTime":"2026-01-10T09:00:00","patient"`, code: CodeNoOffset, sev: SeverityError},
		{name: "consent category not an array", base: eligConsent, old: `"category":[{"coding":[{"system":"http://rpm-adapter.org/fhir/CodeSystem/program","code":"rpm"}]}]`, new: `"category":{"coding":[]}`, code: CodeInvalidType, sev: SeverityWarning, ok: true},
		{name: "consent RPM without any date", base: eligConsent, old: `,"period":{"start":"2026-01-10","end":"2026-12-31"}`, code: CodeMissingPeriodStart, sev: SeverityWarning, ok: true},
		{name: "consent truncated", base: eligConsent, truncated: 200, code: CodeMalformedJSON, sev: SeverityError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.base)
			switch {
			case tt.truncated > 0:
				in = in[:tt.truncated]
			case tt.old != "":
				in = eligEdit(t, tt.base, tt.old, tt.new)
			}
			res, issues := Decode(in)
			readCheckMessages(t, issues)
			if (res != nil) != tt.ok {
				t.Errorf("resource = %v, want decoded=%v (issues %+v)", res, tt.ok, issues)
			}
			if tt.code == "" {
				if len(issues) != 0 {
					t.Errorf("unexpected issues %+v", issues)
				}
				return
			}
			i := slices.IndexFunc(issues, func(is Issue) bool { return is.Code == tt.code })
			if i < 0 {
				t.Fatalf("issues %+v lack %s", issues, tt.code)
			}
			if issues[i].Severity != tt.sev {
				t.Errorf("%s has severity %s, want %s", tt.code, issues[i].Severity, tt.sev)
			}
			if tt.truncated == 0 && (issues[i].ID == "" || issues[i].ResourceType == "") {
				t.Errorf("issue not stamped with the resource: %+v", issues[i])
			}
		})
	}
}

func TestCoverageRules(t *testing.T) {
	in := `{"resourceType":"Coverage","id":"cov1","status":"active","beneficiary":{"reference":"https://fhir.example.org/r4/Patient/p1/_history/2"},
		"period":{"start":"2026-03-01T00:00:00-06:00"},
		"payor":[{"reference":"https://fhir.example.org/r4/Organization/acme-health/_history/7"},
		         {"identifier":{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893"}},
		         {"reference":"Organization/cms","identifier":{"value":"no-system"}}]}`
	res, issues := Decode([]byte(in))
	c, ok := res.(*Coverage)
	if !ok || len(issues) != 0 {
		t.Fatalf("decode: %v %+v", res, issues)
	}
	if c.Patient != "p1" {
		t.Errorf("patient %q", c.Patient)
	}
	got := c.Rules()
	want := rules.Coverage{
		Ref:       "Coverage/cov1",
		Active:    true,
		Start:     rules.MomentAt(time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)),
		End:       rules.NoMoment,
		PayorRefs: []string{"Organization/acme-health", "Organization/cms"},
		PayorIDs:  []rules.Identifier{{System: "http://hl7.org/fhir/sid/us-npi", Value: "1234567893"}, {Value: "no-system"}},
	}
	if got.Ref != want.Ref || got.Active != want.Active || !got.Start.At.Equal(want.Start.At) || got.End != want.End ||
		!slices.Equal(got.PayorRefs, want.PayorRefs) || !slices.Equal(got.PayorIDs, want.PayorIDs) {
		t.Errorf("Rules() = %+v, want %+v", got, want)
	}
	for _, status := range []string{"cancelled", "draft", "entered-in-error"} {
		c.Status = status
		if c.Rules().Active {
			t.Errorf("status %s is active", status)
		}
	}
}

func TestConditionRules(t *testing.T) {
	cond := func(clinical, verification, onset string) string {
		s := `{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I50.22"},{"code":"no-system"}]}`
		if clinical != "" {
			s += `,"clinicalStatus":{"coding":[{"system":"http://snomed.info/sct","code":"55561003"},{"system":"` + SystemConditionClinical + `","code":"` + clinical + `"}]}`
		}
		if verification != "" {
			s += `,"verificationStatus":{"coding":[{"system":"` + SystemConditionVerStatus + `","code":"` + verification + `"}]}`
		}
		return s + onset + `}`
	}
	tests := []struct {
		clinical, verification, onset string
		active, refuted               bool
		moment                        rules.Moment
	}{
		{"active", "confirmed", `,"onsetDateTime":"2024-11-04"`, true, false, rules.MomentOn(rules.DateOf(2024, 11, 4))},
		{"recurrence", "", `,"onsetPeriod":{"start":"2025-08-14T11:30:00-05:00","end":"2025-09-01"}`, true, false, rules.MomentAt(time.Date(2025, 8, 14, 16, 30, 0, 0, time.UTC))},
		{"relapse", "provisional", `,"onsetPeriod":{"end":"2025-09-01"}`, true, false, rules.NoMoment},
		{"inactive", "", `,"onsetAge":{"value":52,"code":"a","system":"http://unitsofmeasure.org"}`, false, false, rules.NoMoment},
		{"remission", "", `,"onsetString":"childhood"`, false, false, rules.NoMoment},
		{"resolved", "", `,"onsetRange":{"low":{"value":40}}`, false, false, rules.NoMoment},
		{"active", "refuted", `,"onsetDateTime":"2019"`, true, true, rules.MomentOn(rules.DateOf(2019, 12, 31))},
		{"", "entered-in-error", ``, false, true, rules.NoMoment},
		{"active", "unconfirmed", `,"onsetDateTime":"2024-02"`, true, false, rules.MomentOn(rules.DateOf(2024, 2, 29))},
	}
	for _, tt := range tests {
		res, issues := Decode([]byte(cond(tt.clinical, tt.verification, tt.onset)))
		readCheckMessages(t, issues)
		c, ok := res.(*Condition)
		if !ok {
			t.Fatalf("%s/%s: not decoded: %+v", tt.clinical, tt.verification, issues)
		}
		got := c.Rules()
		if got.Ref != "Condition/c1" || got.Active != tt.active || got.Refuted != tt.refuted ||
			!got.Onset.At.Equal(tt.moment.At) || got.Onset.Date != tt.moment.Date {
			t.Errorf("%s/%s%s: Rules() = %+v, want active %v refuted %v onset %+v", tt.clinical, tt.verification, tt.onset, got, tt.active, tt.refuted, tt.moment)
		}
		if want := []rules.Coding{{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: "I50.22"}}; !slices.Equal(got.Codes, want) {
			t.Errorf("codes %+v, want %+v", got.Codes, want)
		}
	}
}

func TestConsentRules(t *testing.T) {
	res, issues := Decode([]byte(eligConsent))
	c, ok := res.(*Consent)
	if !ok || len(issues) != 0 {
		t.Fatalf("decode: %v %+v", res, issues)
	}
	got := c.Rules()
	want := rules.Consent{Ref: "Consent/cons1", Active: true, RPM: true,
		Start: rules.MomentOn(rules.DateOf(2026, 1, 10)), End: rules.MomentOn(rules.DateOf(2026, 12, 31)), DateTime: rules.NoMoment}
	if got != want {
		t.Errorf("Rules() = %+v, want %+v", got, want)
	}
	// provision.type deny, the RPM coding in policyRule, dateTime only.
	in := `{"resourceType":"Consent","id":"cons2","status":"active","patient":{"reference":"Patient/p1"},"dateTime":"2026-01-10T14:05:00-06:00",
		"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
		"policyRule":{"coding":[{"system":"http://rpm-adapter.org/fhir/CodeSystem/program","code":"rpm"}]},"provision":{"type":"deny"}}`
	res, issues = Decode([]byte(in))
	if c, ok = res.(*Consent); !ok || len(issues) != 0 {
		t.Fatalf("decode: %v %+v", res, issues)
	}
	got = c.Rules()
	want = rules.Consent{Ref: "Consent/cons2", Active: true, RPM: true, Deny: true, Start: rules.NoMoment, End: rules.NoMoment,
		DateTime: rules.MomentAt(time.Date(2026, 1, 10, 20, 5, 0, 0, time.UTC))}
	if got.Ref != want.Ref || got.Active != want.Active || got.RPM != want.RPM || got.Deny != want.Deny ||
		got.Start != want.Start || got.End != want.End || !got.DateTime.At.Equal(want.DateTime.At) {
		t.Errorf("Rules() = %+v, want %+v", got, want)
	}
	// A policy URI is not a coding and does not mark the Consent as RPM.
	in = `{"resourceType":"Consent","id":"cons3","status":"active","patient":{"reference":"Patient/p1"},"dateTime":"2026-01-10",
		"policy":[{"uri":"http://rpm-adapter.org/fhir/CodeSystem/program#rpm"}]}`
	if res, _ = Decode([]byte(in)); res.(*Consent).RPM {
		t.Error("policy.uri taken as an RPM coding")
	}
	for _, status := range []string{"draft", "proposed", "rejected", "inactive", "entered-in-error"} {
		c.Status = status
		if c.Rules().Active {
			t.Errorf("status %s is active", status)
		}
	}
}

func TestConsentRPMCodingFollowsTheCanonical(t *testing.T) {
	r, err := NewReader(Options{Canonical: "https://example.org/rpm",
		RPMEpisodeCodings: []Coding{{System: "http://hospital.example.org/programs", Code: "RPM-BP"}}})
	if err != nil {
		t.Fatal(err)
	}
	in := `{"resourceType":"Consent","id":"c1","status":"active","patient":{"reference":"Patient/p1"},"dateTime":"2026-01-10","category":[{"coding":[{"system":"%s","code":"%c"}]}]}`
	for _, tt := range []struct {
		system, code string
		rpm          bool
	}{
		{"https://example.org/rpm/CodeSystem/program", "rpm", true},
		{DefaultCanonical + "/CodeSystem/program", "rpm", false},
		{"https://example.org/rpm/CodeSystem/program", "ccm", false},
		// The extra EpisodeOfCare codings are for episodes only.
		{"http://hospital.example.org/programs", "RPM-BP", false},
	} {
		res, _ := r.Decode([]byte(strings.NewReplacer("%s", tt.system, "%c", tt.code).Replace(in)))
		if c := res.(*Consent); c.RPM != tt.rpm {
			t.Errorf("%s#%s: RPM %v, want %v", tt.system, tt.code, c.RPM, tt.rpm)
		}
	}
}

func TestWhenMoment(t *testing.T) {
	at := time.Date(2026, 1, 16, 5, 30, 0, 0, time.UTC)
	d := rules.DateOf(2026, 1, 15)
	for _, tt := range []struct {
		w    When
		want rules.Moment
	}{
		{whenInstant(at), rules.MomentAt(at)},
		{When{Kind: WhenDate, Date: d}, rules.MomentOn(d)},
		{whenNone, rules.NoMoment},
		{When{}, rules.NoMoment},
	} {
		if got := tt.w.Moment(); got != tt.want {
			t.Errorf("%+v.Moment() = %+v, want %+v", tt.w, got, tt.want)
		}
	}
}

// NDJSON exports mix the new types with the others, line by line, and a
// searchset Bundle carries them as entries (DecodeBundle and ReadBundle).
func TestEligibilityResourcesInNDJSONAndBundles(t *testing.T) {
	lines := []string{
		`{"resourceType":"Patient","id":"p1"}`,
		eligCoverage,
		`{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-05","device":{"reference":"Device/d1"},"valueQuantity":{"value":71.2}}`,
		eligCondition,
		`{"resourceType":"Consent","id":"bad","status":"active"`, // truncated
		eligConsent,
		`{"resourceType":"Device","id":"d1"}`,
	}
	var got []string
	err := DecodeNDJSON(strings.NewReader(strings.Join(lines, "\n")), func(res Resource, issues []Issue) error {
		readCheckMessages(t, issues)
		switch {
		case res != nil:
			got = append(got, res.ResourceType()+"/"+res.ResourceID())
		case len(issues) > 0:
			got = append(got, issues[0].Code)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Patient/p1", "Coverage/cov1", "Observation/o1", "Condition/cond1", CodeMalformedJSON, "Consent/cons1", CodeUnknownResourceType}
	if !slices.Equal(got, want) {
		t.Errorf("NDJSON gave %v, want %v", got, want)
	}

	bundle := `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":` + eligCoverage + `},{"resource":` + eligCondition + `},{"resource":` + eligConsent + `}]}`
	b, issues, err := ReadBundle(strings.NewReader(bundle))
	if err != nil || b == nil || len(issues) != 0 || len(b.Entries) != 3 {
		t.Fatalf("ReadBundle: %v %+v %v", b, issues, err)
	}
	for i, typ := range []string{"Coverage", "Condition", "Consent"} {
		if r := b.Entries[i].Resource; r == nil || r.ResourceType() != typ {
			t.Errorf("entry %d = %v, want a %s", i, r, typ)
		}
	}
	// An entry's problem is rooted at the entry and keeps the rest.
	bad := strings.Replace(bundle, `"subject":{"reference":"Patient/p1"},`, ``, 1)
	b, issues = DecodeBundle([]byte(bad))
	if b == nil || b.Entries[1].Resource != nil || b.Entries[0].Resource == nil || b.Entries[2].Resource == nil ||
		len(issues) != 1 || issues[0].Path != "Bundle.entry[1].resource.subject" || issues[0].Code != CodeMissingSubject || issues[0].ID != "cond1" {
		t.Errorf("bundle with a bad Condition: %+v %+v", b, issues)
	}
}

// Options.Strict validates the new types like any other (the validator is
// not per type): the good inputs under testdata pass, and a Consent without
// the required scope is reported without changing what is decoded.
func TestStrictModeCoversEligibilityResources(t *testing.T) {
	r, err := NewReader(Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"coverages.ndjson", "conditions.ndjson", "consents.ndjson", "eligibility-mixed.ndjson"} {
		b, err := os.ReadFile(filepath.Join(readInputDir, "read", name))
		if err != nil {
			t.Fatal(err)
		}
		err = r.DecodeNDJSON(bytes.NewReader(b), func(res Resource, issues []Issue) error {
			if res == nil || len(issues) > 0 && issues[0].Code != CodeStrictInvalid {
				return nil // the decoder's own bad cases
			}
			for _, is := range issues {
				if is.Code == CodeStrictInvalid {
					t.Errorf("%s line %d: %+v", name, is.Line, is)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	noScope := strings.Replace(eligConsent, `"scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"treatment"}]},`, ``, 1)
	res, issues := r.Decode([]byte(noScope))
	if c, ok := res.(*Consent); !ok || c.Rules() != (rules.Consent{Ref: "Consent/cons1", Active: true, RPM: true,
		Start: rules.MomentOn(rules.DateOf(2026, 1, 10)), End: rules.MomentOn(rules.DateOf(2026, 12, 31)), DateTime: rules.NoMoment}) {
		t.Errorf("strict mode changed the result: %v", res)
	}
	if !readHasCode(issues, CodeStrictInvalid) {
		t.Errorf("no strict issue for a Consent without scope: %+v", issues)
	}
}
