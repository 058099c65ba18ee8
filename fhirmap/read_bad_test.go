package fhirmap

import (
	"bytes"
	"strings"
	"testing"
)

// Hostile and broken input: each case is reported with a stable code and
// nothing panics or runs away.
func TestBadInputIsReported(t *testing.T) {
	obs := func(extra string) []byte {
		return []byte(`{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-05"` + extra + `}`)
	}
	tests := []struct {
		name string
		in   []byte
		code string
		ok   bool // the resource is still decoded
	}{
		{"a 10 MB string in an unused element is read past", obs(`,"note":[{"text":"` + strings.Repeat("x", 10<<20) + `"}]`), "", true},
		{"a 10 MB string as the status is an unknown status", []byte(`{"resourceType":"Observation","id":"o1","status":"` + strings.Repeat("x", 10<<20) + `"}`), CodeUnknownStatus, false},
		{"a 10 MB string of escapes", obs(`,"note":[{"text":"` + strings.Repeat(`\u00e9`, (10<<20)/6) + `"}]`), "", true},
		{"100k nested arrays", obs(`,"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000)), CodeTooDeep, false},
		{"100k nested objects", obs(`,"x":` + strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)), CodeTooDeep, false},
		{"100k unclosed arrays", []byte(strings.Repeat("[", 100000)), CodeTooDeep, false},
		{"deep but within the limit", obs(`,"x":` + strings.Repeat("[", 500) + strings.Repeat("]", 500)), "", true},
		{"truncated", obs("")[:60], CodeMalformedJSON, false},
		{"truncated inside an escape", []byte(`{"resourceType":"Observation","id":"o\u00`), CodeMalformedJSON, false},
		{"empty input", nil, CodeMalformedJSON, false},
		{"white space only", []byte(" \n\t"), CodeMalformedJSON, false},
		{"a NUL after the object", append(obs(""), 0), CodeMalformedJSON, false},
		{"two objects", append(obs(""), obs("")...), CodeMalformedJSON, false},
		{"a byte-order mark is dropped", append([]byte{0xEF, 0xBB, 0xBF}, obs("")...), "", true},
		{"a string, not an object", []byte(`"Observation"`), CodeNotAnObject, false},
		{"an array of resources", []byte(`[` + string(obs("")) + `]`), CodeNotAnObject, false},
		{"null", []byte(`null`), CodeNotAnObject, false},
		{"wrong resource type", []byte(`{"resourceType":"Observations","id":"o1"}`), CodeUnknownResourceType, false},
		{"resource type in lower case", []byte(`{"resourceType":"observation","id":"o1"}`), CodeUnknownResourceType, false},
		{"no resource type", []byte(`{"id":"o1","status":"final"}`), CodeMissingResourceType, false},
		{"invalid dateTime", obs(`,"effectiveInstant":"2026-13-01T00:00:00Z"`), CodeInvalidChoice, false},
		{"time without offset", []byte(`{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-05T10:00:00"}`), CodeNoOffset, false},
		{"unknown status", []byte(`{"resourceType":"Observation","id":"o1","status":"FINAL","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-05"}`), CodeUnknownStatus, false},
		{"missing subject", []byte(`{"resourceType":"Observation","id":"o1","status":"final","effectiveDateTime":"2026-10-05"}`), CodeMissingSubject, false},
		{"null subject", []byte(`{"resourceType":"Observation","id":"o1","status":"final","subject":null,"effectiveDateTime":"2026-10-05"}`), CodeInvalidType, false},
		{"a huge id", []byte(`{"resourceType":"Observation","id":"` + strings.Repeat("a", 1<<20) + `"}`), CodeInvalidID, false},
		{"Bundles nested past the limit", []byte(strings.Repeat(`{"resourceType":"Bundle","entry":[{"resource":`, 10) + `{}` + strings.Repeat(`}]}`, 10)), CodeTooDeep, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, issues := Decode(tt.in)
			if (res != nil) != tt.ok {
				t.Errorf("resource = %v, want decoded=%v (issues %v)", res, tt.ok, issues)
			}
			if tt.code == "" {
				if len(issues) != 0 {
					t.Errorf("unexpected issues %v", issues)
				}
				return
			}
			if !readHasCode(issues, tt.code) {
				t.Errorf("issues %v lack %s", issues, tt.code)
			}
			for _, is := range issues {
				if len(is.Message) > 200 || len(is.ID) > 64 {
					t.Errorf("issue carries input data: %+v", is)
				}
			}
		})
	}
}

// One bad line never loses the rest (fhir-mapping.md bulk input).
func TestNDJSONKeepsGoingAfterBadLines(t *testing.T) {
	good := `{"resourceType":"Patient","id":"p1"}`
	in := strings.Join([]string{good, `{"resourceType":`, strings.Repeat("[", 1000), "", `{"resourceType":"Patient","id":"p2"}`}, "\n")
	var ids []string
	var codes []string
	if err := DecodeNDJSON(strings.NewReader(in), func(res Resource, issues []Issue) error {
		if res != nil {
			ids = append(ids, res.ResourceID())
		}
		for _, is := range issues {
			codes = append(codes, is.Code)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "p1,p2" || strings.Join(codes, ",") != CodeMalformedJSON+","+CodeTooDeep {
		t.Errorf("ids %v codes %v", ids, codes)
	}
}

func TestOneBadEntryKeepsTheBundle(t *testing.T) {
	in := []byte(`{"resourceType":"Bundle","type":"searchset","entry":[
		{"resource":{"resourceType":"Observation","id":"bad","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-05T10:00:00"}},
		{"resource":{"resourceType":"Observation","id":"good","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-05"}}]}`)
	b, issues := DecodeBundle(in)
	if b == nil || len(b.Entries) != 2 || b.Entries[0].Resource != nil || b.Entries[1].Resource == nil {
		t.Fatalf("bundle %+v", b)
	}
	if len(issues) != 1 || issues[0].Code != CodeNoOffset || issues[0].ID != "bad" || issues[0].Path != "Bundle.entry[0].resource.effective" {
		t.Errorf("issues %+v", issues)
	}
	// Bad JSON anywhere fails the whole page: a partial page is never
	// taken for a whole one.
	if b, issues := DecodeBundle(in[:len(in)-3]); b != nil || !readHasCode(issues, CodeMalformedJSON) {
		t.Errorf("truncated page: %v %v", b, issues)
	}
	if b, issues := DecodeBundle([]byte(`{"resourceType":"Patient","id":"p1"}`)); b != nil || !readHasCode(issues, CodeUnexpectedType) {
		t.Errorf("not a bundle: %v %v", b, issues)
	}
}

func TestReadBundleLimit(t *testing.T) {
	r, err := NewReader(Options{MaxBundleBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	b, issues, err := r.ReadBundle(bytes.NewReader(make([]byte, 101)))
	if err != nil || b != nil || !readHasCode(issues, CodeTooLarge) {
		t.Errorf("over the limit: %v %v %v", b, issues, err)
	}
	b, issues, err = r.ReadBundle(strings.NewReader(`{"resourceType":"Bundle","type":"searchset"}`))
	if err != nil || b == nil || len(issues) != 0 {
		t.Errorf("within the limit: %v %v %v", b, issues, err)
	}
	if _, _, err := r.ReadBundle(readErrReader{}); err == nil {
		t.Error("an I/O error is not returned")
	}
}
