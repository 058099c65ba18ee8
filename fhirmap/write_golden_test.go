package fhirmap

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The golden files of the write side are stable, indented JSON. Regenerate
// with `go test ./fhirmap/ -run TestWriteGolden -update` and review the diff.
//
// -update is registered only if no other test file of the package did
// (the reading side may define the same flag); package-level flag variables
// of other files are initialised before this init runs.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const writeGoldenDir = "../testdata/golden/write"

// writeGoldens returns every write-side golden file by name.
//
// strict builds them on the reference path (google/fhir protos, validated,
// marshalled by jsonformat), which the golden files hold; the fast encoder
// must give the same bytes (TestFastEncoderGoldens).
func writeGoldens(t *testing.T, strict bool) map[string][]byte {
	t.Helper()
	w := newTestWriterOpts(t, PutByID, strict)
	out := map[string][]byte{}
	add := func(name string, b []byte) {
		if _, dup := out[name]; dup {
			t.Fatalf("golden %s produced twice", name)
		}
		out[name] = b
	}
	sets := map[string]*WriteSet{}
	for _, sc := range writeScenarios {
		ws := buildScenario(t, w, sc)
		sets[sc.name] = ws
		for _, s := range ws.Windows {
			win := "month"
			if s.Window.Kind == rules.Period30 {
				win = fmt.Sprintf("period%d", s.Window.Index)
			}
			for _, r := range s.Resources() {
				name := strings.ToLower(r.ResourceType)
				if r.ResourceType == TypeChargeItem {
					name += "-" + jsonCPTCode(t, r.JSON)
				}
				add(fmt.Sprintf("%s.%s.%s.json", sc.name, win, name), r.JSON)
			}
		}
	}

	// A withdrawn item: the 99454 of the closed period, as the server holds it.
	ci := sets["closed-period"].Windows[0].ChargeItems[1]
	eie, err := w.EnteredInError(asServerCopy(t, ci.JSON, "3"), writeTestNow.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	add("entered-in-error.chargeitem-99454.json", eie.JSON)

	// The device Task of the open period, cancelled when the period closed.
	open := sets["open-period"].Windows[0]
	closed, err := w.CloseTask(asServerCopy(t, open.Task.JSON, "1"), TaskCancelled, writeTestNow.AddDate(0, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	add("close-task.task-cancelled.json", closed.JSON)

	// The open period's transaction, by id (with If-Match on the report) and
	// by conditional update.
	entries := open.Entries()
	entries[0].IfMatch = "2"
	put, err := w.TransactionBundleAt(writeTestServerBase, entries...)
	if err != nil {
		t.Fatal(err)
	}
	add("transaction-put.bundle.json", put)
	cw := newTestWriterOpts(t, ConditionalPut, strict)
	cond, err := cw.TransactionBundleAt(writeTestServerBase, append(open.Entries(), BundleEntry{Resource: eie})...)
	if err != nil {
		t.Fatal(err)
	}
	add("transaction-conditional.bundle.json", cond)

	// A patient's input issues and an export's issues.
	issues := []Issue{
		{ResourceType: "Observation", ID: "o-1", Path: "Observation.effective", Code: CodeMissingEffective,
			Severity: SeverityError, Message: "The Observation has no effective time; it was skipped.", Line: 7},
		{ResourceType: "Communication", ID: "c-2", Code: CodeBadDurationUnit, Severity: SeverityWarning,
			Message: "The duration's unit is not supported; it counts zero."},
	}
	oo, err := w.OperationOutcome(writeTestPatient, "2026-11", issues,
		[]Note{{Severity: SeverityWarning, Code: "not-evaluated", Message: "no time zone"}})
	if err != nil {
		t.Fatal(err)
	}
	add("outcome.patient.operationoutcome.json", oo)
	export := append(issues, Issue{ResourceType: "Device", Code: CodeUnknownResourceType, Severity: SeverityInformation,
		Message: "The adapter does not read this resource type; it was skipped."},
		Issue{Code: CodeMalformedJSON, Severity: SeverityError, Line: 3, Message: "The line is not valid JSON; it was skipped."})
	eo, err := w.ExportOutcome("2026-11", export)
	if err != nil {
		t.Fatal(err)
	}
	add("outcome.export.operationoutcome.json", eo)
	return out
}

// jsonCPTCode is the code of a ChargeItem's JSON.
func jsonCPTCode(t testing.TB, b []byte) string {
	t.Helper()
	var ci struct {
		Code struct{ Coding []struct{ Code string } }
	}
	if err := json.Unmarshal(b, &ci); err != nil || len(ci.Code.Coding) != 1 {
		t.Fatalf("not a ChargeItem with one code: %s", b)
	}
	return ci.Code.Coding[0].Code
}

// asServerCopy adds what a server adds on storing: meta.versionId and
// meta.lastUpdated.
func asServerCopy(t testing.TB, b []byte, version string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	meta, _ := m["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		m["meta"] = meta
	}
	meta["versionId"] = version
	meta["lastUpdated"] = "2026-11-04T15:30:01.123Z"
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func indentJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

func TestWriteGolden(t *testing.T) {
	got := writeGoldens(t, true)
	if updateGolden() {
		if err := os.MkdirAll(writeGoldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(writeGoldenDir, "*.json"))
		for _, f := range old {
			if _, ok := got[filepath.Base(f)]; !ok {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	names := make([]string, 0, len(got))
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(writeGoldenDir, name)
			b := indentJSON(t, got[name])
			if updateGolden() {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(want, b) {
				t.Errorf("%s differs from the golden file; run with -update and review the diff.\ngot:\n%s", name, b)
			}
		})
	}
	// Every golden file on disk must come from a case here, or it goes stale.
	files, _ := filepath.Glob(filepath.Join(writeGoldenDir, "*.json"))
	for _, f := range files {
		if _, ok := got[filepath.Base(f)]; !ok {
			t.Errorf("stale golden file %s: no test produces it", f)
		}
	}
}

// TestWriteGoldenFilesReparse proves every golden file is valid FHIR R4 for
// google/fhir's validating unmarshaller, and that it survives a round trip
// unchanged.
func TestWriteGoldenFilesReparse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(writeGoldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d golden files; expected the full set", len(files))
	}
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jsonformat.NewPrettyMarshaller(fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := u.Unmarshal(b)
			if err != nil {
				t.Fatalf("validating unmarshal: %v", err)
			}
			again, err := m.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(append(again, '\n'), b) {
				t.Errorf("round trip changed the file:\n%s", again)
			}
		})
	}
}
