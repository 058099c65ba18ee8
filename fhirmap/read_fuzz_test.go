package fhirmap

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readSeeds adds every input under testdata/fhir as a whole document and,
// for NDJSON, line by line.
func readSeeds(f *testing.F, whole bool) {
	var files []string
	for _, pat := range []string{"*/*.json", "*/*.ndjson"} {
		m, _ := filepath.Glob(filepath.Join(readInputDir, pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		f.Fatal("no seed files")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if whole || !strings.HasSuffix(name, ".ndjson") {
			f.Add(b)
		}
		if strings.HasSuffix(name, ".ndjson") {
			for _, line := range bytes.Split(b, []byte("\n")) {
				f.Add(line)
			}
		}
	}
	f.Add([]byte(strings.Repeat("[", 600)))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{}}]}}]}`))
}

// readCheckInvariants are the properties every decode must have, whatever
// the input: no panic (the fuzzer catches those), syntax verdicts that agree
// with encoding/json, constant messages, and no skipped resource returned.
func readCheckInvariants(t *testing.T, in []byte, res Resource, issues []Issue) {
	readCheckMessages(t, issues)
	malformed := readHasCode(issues, CodeMalformedJSON)
	tooDeep := readHasCode(issues, CodeTooDeep)
	body := bytes.TrimPrefix(in, utf8BOM)
	if !tooDeep && json.Valid(body) == malformed {
		t.Fatalf("encoding/json valid=%v but decoder malformed=%v: %q", !malformed, malformed, in)
	}
	if res == nil {
		return
	}
	if _, isBundle := res.(*Bundle); !isBundle {
		for _, is := range issues {
			if is.Severity == SeverityError {
				t.Fatalf("a resource was returned with an error issue %+v", is)
			}
		}
	}
	if _, err := json.Marshal(readView(res)); err != nil {
		t.Fatalf("result does not marshal: %v", err)
	}
	switch r := res.(type) {
	case *Observation:
		if r.Reading.Ref != "Observation/"+r.ID || !readValidID([]byte(r.ID)) || !readValidID([]byte(r.Patient)) {
			t.Fatalf("bad observation ids %+v", r)
		}
		if r.Reading.At.IsZero() == (r.Reading.Date == -1<<31) {
			t.Fatalf("reading has both or neither of At and Date: %+v", r.Reading)
		}
	case *Communication:
		Interaction(r, nil)
	case *Coverage:
		rc := r.Rules()
		if rc.Ref != "Coverage/"+r.ID || !readValidID([]byte(r.Patient)) || len(rc.PayorRefs)+len(rc.PayorIDs) < len(r.Payors) {
			t.Fatalf("bad coverage %+v", r)
		}
	case *Condition:
		if r.Rules().Ref != "Condition/"+r.ID || !readValidID([]byte(r.Patient)) {
			t.Fatalf("bad condition %+v", r)
		}
	case *Consent:
		if r.Rules().Ref != "Consent/"+r.ID || !readValidID([]byte(r.Patient)) {
			t.Fatalf("bad consent %+v", r)
		}
	}
}

func FuzzDecode(f *testing.F) {
	readSeeds(f, false)
	f.Fuzz(func(t *testing.T, in []byte) {
		res, issues := Decode(in)
		readCheckInvariants(t, in, res, issues)
	})
}

func FuzzDecodeBundle(f *testing.F) {
	readSeeds(f, false)
	f.Fuzz(func(t *testing.T, in []byte) {
		b, issues := DecodeBundle(in)
		readCheckMessages(t, issues)
		if b == nil {
			return
		}
		for _, e := range b.Entries {
			if e.Response != nil && e.Response.Code != 0 && (e.Response.Code < 100 || e.Response.Code > 599) {
				t.Fatalf("bad status code %d", e.Response.Code)
			}
		}
	})
}

func FuzzDecodeNDJSON(f *testing.F) {
	readSeeds(f, true)
	r, err := NewReader(Options{MaxLineBytes: 4096})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lines := 0
		err := r.DecodeNDJSON(bytes.NewReader(in), func(res Resource, issues []Issue) error {
			lines++
			readCheckMessages(t, issues)
			for _, is := range issues {
				if is.Line < 1 || is.Line > bytes.Count(in, []byte("\n"))+1 {
					t.Fatalf("line number %d out of range", is.Line)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if lines > bytes.Count(in, []byte("\n"))+1 {
			t.Fatalf("%d results for at most %d lines", lines, bytes.Count(in, []byte("\n"))+1)
		}
	})
}
