package fhirmap

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// readJSONCases are JSON texts, valid and not, wrapped as the value of an
// unknown element of an Observation, so the scanner has to skip them.
var readJSONCases = []string{
	`1`, `-0`, `0.5`, `-1.5e+10`, `1E-2`, `true`, `false`, `null`, `""`, `"a\"b\\c\/d\b\f\n\r\t"`,
	`"\u00e9\uD83D\uDE00"`, `"\uD83D"`, `"é中😀"`, "\"\xff\xfe\"", `[]`, `{}`, `[1,[2,[3]]]`, `{"a":{"b":[{}]}}`,
	`[1 , 2 ]`, "\t[\n1\r]",
	// invalid
	`01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `0x10`, `NaN`, `Infinity`, `tru`, `nul`, `True`,
	`"a`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01b\"", "\"tab\tinside\"", `[1,]`, `[,1]`, `[1 2]`, `{"a" 1}`,
	`{"a":1,}`, `{,}`, `{"a"}`, `{1:2}`, `{'a':1}`, `[`, `]`, `{`, `}`, `[}`, `{]`, ``,
}

// TestScannerAgreesWithEncodingJSON checks that the decoder accepts exactly
// the JSON that encoding/json accepts, in skipped and in read elements.
func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	for _, v := range readJSONCases {
		for _, tmpl := range []string{
			`{"resourceType":"Observation","id":"x","unused":%s,"status":"final","subject":{"reference":"Patient/1"},"effectiveDateTime":"2026-10-05"}`,
			`{"resourceType":"Observation","id":"x","status":"final","subject":{"reference":"Patient/1"},"effectiveDateTime":"2026-10-05","component":[{"valueX":%s}]}`,
			`{"resourceType":"Observation","id":"x","status":%s}`,
			`{"resourceType":"Bundle","entry":[{"resource":%s}]}`,
			`%s`,
		} {
			in := []byte(strings.Replace(tmpl, "%s", v, 1))
			_, issues := Decode(in)
			malformed := readHasCode(issues, CodeMalformedJSON)
			if valid := json.Valid(in); valid == malformed {
				t.Errorf("%s: encoding/json valid=%v, decoder malformed=%v (%v)", in, valid, malformed, issues)
			}
		}
	}
}

func readHasCode(issues []Issue, code string) bool {
	for _, is := range issues {
		if is.Code == code {
			return true
		}
	}
	return false
}

// TestScannerStrings checks unescaping against encoding/json.
func TestScannerStrings(t *testing.T) {
	for _, v := range []string{`"plain"`, `"a\"b"`, `"\u00e9\uD83D\uDE00x"`, `"\uD83Dx"`, `"\uDE00"`, `"\uD83D\u0041"`,
		`"\/\b\f\n\r\t\\"`, `"0123456789abcdefghij\"klmnop"`, `""`} {
		var want string
		if err := json.Unmarshal([]byte(v), &want); err != nil {
			t.Fatal(err)
		}
		var s scanner
		s.init([]byte(v), 10)
		got := s.str()
		if s.err != "" || string(got) != want {
			t.Errorf("str(%s) = %q (%s), want %q", v, got, s.err, want)
		}
	}
}

func TestPlainRunFindsEverySpecialByte(t *testing.T) {
	for pos := 0; pos < 20; pos++ {
		for _, c := range []byte{'"', '\\', 0, 0x1f} {
			b := bytes.Repeat([]byte{'a'}, 20)
			b[pos] = c
			i := 0
			for i < len(b) && b[i] != c {
				i = plainRun(b, i)
				if i < len(b) && b[i] != c {
					i++
				}
			}
			if i != pos {
				t.Errorf("special byte %#x at %d found at %d", c, pos, i)
			}
		}
	}
	// Bytes ≥ 0x80 and ordinary ASCII never stop the run.
	b := bytes.Repeat([]byte{0x80, 0xff, ' ', '~', '!', '#', 0x7f, 'A'}, 4)
	if i := plainRun(b, 0); i != len(b) {
		t.Errorf("plainRun stopped at %d on plain bytes", i)
	}
}
