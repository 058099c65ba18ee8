package fhirmap

import (
	"strings"
	"testing"
)

// The worklist shows a display name and an MRN (fhir-mapping §7); both are
// read from Patient and never reach an issue.
func TestPatientDisplayNameAndMRN(t *testing.T) {
	mr := `{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"MRN-77"}`
	ssn := `{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"SS"}]},"value":"123-45-6789"}`
	tests := []struct {
		name, json, wantName, wantMRN string
		issues                        int
	}{
		{name: "given and family of the only name", json: `"name":[{"family":"Rivera","given":["Ana","Luz"]}]`, wantName: "Ana Luz Rivera"},
		{name: "the official name wins over the first", json: `"name":[{"use":"usual","given":["Annie"]},{"use":"official","family":"Rivera","given":["Ana"]}]`, wantName: "Ana Rivera"},
		{name: "text is used as given", json: `"name":[{"text":"Dr. Ana Rivera","family":"Rivera"}]`, wantName: "Dr. Ana Rivera"},
		{name: "no name", json: `"gender":"female"`, wantName: ""},
		{name: "the MR identifier, not the SSN", json: `"identifier":[` + ssn + `,` + mr + `]`, wantMRN: "MRN-77"},
		{name: "no MR identifier gives no MRN", json: `"identifier":[` + ssn + `]`, wantMRN: ""},
		{name: "a name that is not an array is a warning", json: `"name":{"family":"Rivera"}`, issues: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, issues := Decode([]byte(`{"resourceType":"Patient","id":"p1",` + tc.json + `}`))
			p, ok := res.(*Patient)
			if !ok {
				t.Fatalf("not a Patient: %T %v", res, issues)
			}
			if p.DisplayName != tc.wantName || p.MRN != tc.wantMRN {
				t.Errorf("name %q MRN %q, want %q %q", p.DisplayName, p.MRN, tc.wantName, tc.wantMRN)
			}
			if len(issues) != tc.issues {
				t.Errorf("%d issues, want %d: %v", len(issues), tc.issues, issues)
			}
			for _, is := range issues {
				if strings.Contains(is.Message, "Rivera") || strings.Contains(is.Message, "MRN") {
					t.Errorf("an issue carries patient data: %q", is.Message)
				}
			}
		})
	}
}
