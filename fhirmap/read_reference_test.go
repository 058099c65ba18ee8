package fhirmap

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		name, in, typ, id string
		kind              refKind
	}{
		{"relative", "Patient/123", "Patient", "123", refLiteral},
		{"relative with version", "Patient/123/_history/2", "Patient", "123", refLiteral},
		{"absolute", "https://fhir.example.org/r4/Patient/a.b-C", "Patient", "a.b-C", refLiteral},
		{"absolute with version", "http://localhost:8080/fhir/Patient/123/_history/v-2", "Patient", "123", refLiteral},
		{"64-character id", "Patient/" + strings.Repeat("a", 64), "Patient", strings.Repeat("a", 64), refLiteral},
		{"other type", "Device/d1", "Device", "d1", refLiteral},

		{"contained", "#p1", "", "", refContained},
		{"urn:uuid", "urn:uuid:0d2f5c8e-8a0b-4f6c-9d3e-1b2a3c4d5e6f", "", "", refURN},
		{"urn:oid", "urn:oid:1.2.3", "", "", refURN},
		{"empty", "", "", "", refBad},
		{"id only", "123", "", "", refBad},
		{"type only", "Patient/", "", "", refBad},
		{"65-character id", "Patient/" + strings.Repeat("a", 65), "", "", refBad},
		{"space in id", "Patient/1 2", "", "", refBad},
		{"lower-case type", "patient/123", "", "", refBad},
		{"search", "Patient?identifier=x|1", "", "", refBad},
		{"relative with extra segment", "fhir/Patient/123", "", "", refBad},
		{"bad version", "Patient/123/_history/", "", "", refBad},
		{"history without version id", "Patient/123/_history", "", "", refBad},
		{"scheme without host", "http:///Patient/1", "", "", refBad},
		{"no scheme", "://host/Patient/1", "", "", refBad},
		{"trailing slash", "Patient/123/", "", "", refBad},
		{"control character in base", "http://a\tb/Patient/1", "", "", refBad},
		{"a dot id", "Patient/.", "", "", refBad},
		{"a dot-dot id", "Patient/..", "", "", refBad},
		{"an absolute dot-dot id", "https://fhir.example.org/r4/Patient/..", "", "", refBad},
		{"a dot-dot version", "Patient/1/_history/..", "", "", refBad},
		{"dots inside an id", "Patient/a..b", "Patient", "a..b", refLiteral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, id, kind := parseRef([]byte(tt.in))
			if string(typ) != tt.typ || string(id) != tt.id || kind != tt.kind {
				t.Errorf("parseRef(%q) = %q, %q, %d; want %q, %q, %d", tt.in, typ, id, kind, tt.typ, tt.id, tt.kind)
			}
		})
	}
}
