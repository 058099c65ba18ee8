package fhirmap

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type readErrReader struct{}

func (readErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

type readLineResult struct {
	id    string
	codes string
	line  int
}

func readNDJSON(t *testing.T, r *Reader, in io.Reader) []readLineResult {
	t.Helper()
	var out []readLineResult
	err := r.DecodeNDJSON(in, func(res Resource, issues []Issue) error {
		var l readLineResult
		if res != nil {
			l.id = res.ResourceID()
		}
		var codes []string
		for _, is := range issues {
			codes = append(codes, is.Code)
			l.line = is.Line
		}
		l.codes = strings.Join(codes, ",")
		out = append(out, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNDJSONLines(t *testing.T) {
	p := func(id string) string { return `{"resourceType":"Patient","id":"` + id + `"}` }
	tests := []struct {
		name string
		in   string
		want []readLineResult
	}{
		{"LF", p("a") + "\n" + p("b") + "\n", []readLineResult{{id: "a"}, {id: "b"}}},
		{"CRLF", p("a") + "\r\n" + p("b") + "\r\n", []readLineResult{{id: "a"}, {id: "b"}}},
		{"no final newline", p("a") + "\n" + p("b"), []readLineResult{{id: "a"}, {id: "b"}}},
		{"blank lines are skipped", "\n\n" + p("a") + "\n \t\n\r\n" + p("b"), []readLineResult{{id: "a"}, {id: "b"}}},
		{"empty input", "", nil},
		{"a bad line carries its number", p("a") + "\n\n{oops}\n" + p("b"), []readLineResult{{id: "a"}, {codes: CodeMalformedJSON, line: 3}, {id: "b"}}},
		{"a line over the limit", p("a") + "\n" + `{"resourceType":"Patient","id":"` + strings.Repeat("x", 300) + `"}` + "\n" + p("b"),
			[]readLineResult{{id: "a"}, {codes: CodeLineTooLong, line: 2}, {id: "b"}}},
		{"the last line over the limit", p("a") + "\n" + strings.Repeat("x", 300), []readLineResult{{id: "a"}, {codes: CodeLineTooLong, line: 2}}},
		{"a line exactly at the limit", strings.Repeat(" ", 256-len(p("a"))) + p("a") + "\r\n", []readLineResult{{id: "a"}}},
	}
	r, err := NewReader(Options{MaxLineBytes: 256})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, in := range map[string]io.Reader{
				"whole":    strings.NewReader(tt.in),
				"one byte": iotest.OneByteReader(strings.NewReader(tt.in)),
			} {
				got := readNDJSON(t, r, in)
				if len(got) != len(tt.want) {
					t.Fatalf("%s: got %+v, want %+v", name, got, tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Errorf("%s: line result %d = %+v, want %+v", name, i, got[i], tt.want[i])
					}
				}
			}
		})
	}
}

// The default limit is 16 MiB: a longer line is reported, never held whole,
// and the lines around it are read.
func TestNDJSONDefaultLineLimit(t *testing.T) {
	long := `{"resourceType":"Patient","id":"big","x":"` + strings.Repeat("x", DefaultMaxLineBytes) + `"}`
	in := io.MultiReader(strings.NewReader(`{"resourceType":"Patient","id":"a"}`+"\n"), strings.NewReader(long+"\n"),
		strings.NewReader(`{"resourceType":"Patient","id":"b"}`))
	got := readNDJSON(t, defaultReader, in)
	want := []readLineResult{{id: "a"}, {codes: CodeLineTooLong, line: 2}, {id: "b"}}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestNDJSONErrors(t *testing.T) {
	if err := DecodeNDJSON(readErrReader{}, func(Resource, []Issue) error { return nil }); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("I/O error: %v", err)
	}
	stop := errors.New("stop")
	n := 0
	err := DecodeNDJSON(strings.NewReader("{}\n{}\n{}\n"), func(Resource, []Issue) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("callback error: %v after %d lines", err, n)
	}
	// A reader that fails after some data still yields the lines before.
	n = 0
	err = DecodeNDJSON(io.MultiReader(strings.NewReader(`{"resourceType":"Patient","id":"a"}`+"\n"), readErrReader{}),
		func(res Resource, _ []Issue) error {
			n++
			return nil
		})
	if err == nil || n != 1 {
		t.Errorf("partial read: %v after %d lines", err, n)
	}
}

func TestNDJSONResultsDoNotAliasTheBuffer(t *testing.T) {
	var got []Resource
	in := bytes.Repeat([]byte(`{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-05","device":{"reference":"Device/d1"}}`+"\n"), 2000)
	if err := DecodeNDJSON(bytes.NewReader(in), func(res Resource, _ []Issue) error {
		got = append(got, res)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		o := r.(*Observation)
		if o.ID != "o1" || o.Patient != "p1" || o.Reading.Device != "Device/d1" || o.Reading.Ref != "Observation/o1" {
			t.Fatalf("result changed after the buffer moved on: %+v", o)
		}
	}
}
