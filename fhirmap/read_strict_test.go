package fhirmap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStrictModeReportsWhatTheDecoderIgnores(t *testing.T) {
	r, err := NewReader(Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	// Valid for the rules, invalid R4: an unknown element and a bad gender
	// code. The decoder ignores both; strict mode reports them, and the
	// decoded result stays the same.
	in := []byte(`{"resourceType":"Patient","id":"p1","gender":"robot","favouriteColour":"blue"}`)
	res, issues := r.Decode(in)
	if res == nil || res.ResourceID() != "p1" {
		t.Fatalf("strict mode changed the result: %v %v", res, issues)
	}
	if !readHasCode(issues, CodeStrictInvalid) {
		t.Fatalf("no strict issue: %+v", issues)
	}
	t.Logf("strict issues: %+v", issues)
	for _, is := range issues {
		if is.ResourceType != "Patient" || is.ID != "p1" || is.Severity == SeverityError {
			t.Errorf("strict issue %+v", is)
		}
		for _, v := range []string{"robot", "blue"} {
			if strings.Contains(strings.ToLower(is.Message), v) {
				t.Errorf("strict issue message carries input: %+v", is)
			}
		}
	}
	if _, issues := Decode(in); len(issues) != 0 {
		t.Errorf("default mode reported %v", issues)
	}
}

// The spec's own examples pass the validator (it is a check of the check).
func TestStrictModeAcceptsR4Examples(t *testing.T) {
	r, err := NewReader(Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(readInputDir, "r4-examples", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, issues := r.Decode(b)
		for _, is := range issues {
			if is.Code == CodeStrictInvalid {
				t.Errorf("%s: %+v", filepath.Base(f), is)
			}
		}
	}
}
