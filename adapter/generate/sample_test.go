package generate

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/sample-export from SampleOptions")

// sampleDir is the committed sample export, relative to this package.
const sampleDir = "../../testdata/sample-export"

// The committed sample must be exactly what SampleOptions generates, so the
// command line's default "generate" reproduces it and the adapter tests read
// the same data the oracle describes. Regenerate with
//
//	go test ./adapter/generate/ -run TestSampleExportIsUpToDate -update
func TestSampleExportIsUpToDate(t *testing.T) {
	if *update {
		if err := os.RemoveAll(sampleDir); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(sampleDir, SampleOptions()); err != nil {
			t.Fatal(err)
		}
	}
	dir, _ := writeExport(t, SampleOptions())
	want := readFiles(t, dir)
	got := readFiles(t, sampleDir)
	names := func(m map[string][]byte) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(names(got), names(want)) {
		t.Fatalf("%s holds %v, SampleOptions writes %v; run with -update", sampleDir, names(got), names(want))
	}
	var size int
	for name, b := range want {
		size += len(b)
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs from what SampleOptions generates; run with -update and review the diff", filepath.Join(sampleDir, name))
		}
	}
	if size > 5<<20 {
		t.Errorf("the sample is %d bytes; it must stay well under 5 MB", size)
	}
}

// The oracle lists every worked case of the rule book.
func TestOracleCoversEveryWorkedCase(t *testing.T) {
	e := Oracle()
	seen := map[string]bool{}
	ids := map[string]bool{}
	for _, c := range e.Cases {
		seen[c.Case] = true
		if ids[c.Patient] {
			t.Errorf("patient %s listed twice", c.Patient)
		}
		ids[c.Patient] = true
		if len(c.Evaluations) == 0 || c.Expectation == "" || len(c.Rules) == 0 {
			t.Errorf("%s: incomplete expectation %+v", c.Patient, c)
		}
		if c.Zone == "" && !strings.HasPrefix(c.Patient, "edge-no-timezone") {
			t.Errorf("%s: no zone", c.Patient)
		}
	}
	for i := 1; i <= 17; i++ {
		if id := fmt.Sprintf("C%d", i); !seen[id] {
			t.Errorf("worked case %s has no patient", id)
		}
	}
	for _, rule := range []string{"R-PER-4", "R-CON-1", "R-CON-2", "R-DAY-4", "R-TIME-2"} {
		if !seen[rule] {
			t.Errorf("rule %s has no edge patient", rule)
		}
	}
}
