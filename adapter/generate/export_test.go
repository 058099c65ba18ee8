package generate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// fhirID is the FHIR R4 id datatype.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// fhirDateTime is a FHIR dateTime with seconds and a zone, as written here.
var fhirDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$`)

// export is a generated folder read back: every resource by type and id.
type export struct {
	files     map[string][]byte
	resources map[string]map[string]map[string]any // type → id → resource
	order     map[string][]string                  // type → ids in file order
}

// readExport parses every line of every NDJSON file in dir, failing the
// test on a line that is not a JSON object with the file's resourceType and
// a valid, unique id.
func readExport(t *testing.T, dir string) *export {
	t.Helper()
	ex := &export{files: map[string][]byte{}, resources: map[string]map[string]map[string]any{}, order: map[string][]string{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		ex.files[e.Name()] = b
		typ, ok := strings.CutSuffix(e.Name(), ".ndjson")
		if !ok {
			continue
		}
		if !slices.Contains(Types, typ) {
			t.Errorf("%s: not a type of Types", e.Name())
		}
		ex.resources[typ] = map[string]map[string]any{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 64<<20)
		for n := 1; sc.Scan(); n++ {
			var r map[string]any
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s:%d: %v", e.Name(), n, err)
			}
			id, _ := r["id"].(string)
			if r["resourceType"] != typ || !fhirID.MatchString(id) {
				t.Fatalf("%s:%d: resourceType %v id %q", e.Name(), n, r["resourceType"], id)
			}
			if _, dup := ex.resources[typ][id]; dup {
				t.Fatalf("%s:%d: duplicate id %s", e.Name(), n, id)
			}
			ex.resources[typ][id] = r
			ex.order[typ] = append(ex.order[typ], id)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s: last line has no newline", e.Name())
		}
	}
	return ex
}

// walk calls fn for every key/value pair in v, depth first.
func walk(v any, fn func(key string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fn(k, x[k])
			walk(x[k], fn)
		}
	case []any:
		for _, e := range x {
			walk(e, fn)
		}
	}
}

// checkExport checks what every export must satisfy.
func checkExport(t *testing.T, ex *export, st Stats) {
	t.Helper()
	for _, typ := range Types {
		if got, want := len(ex.resources[typ]), st.Resources[typ]; got != want {
			t.Errorf("%s: %d resources in the file, Stats says %d", typ, got, want)
		}
	}
	if got := len(ex.resources["Patient"]); got != st.Patients {
		t.Errorf("%d patients, Stats.Patients %d", got, st.Patients)
	}
	var size int64
	for name, b := range ex.files {
		if strings.HasSuffix(name, ".ndjson") {
			size += int64(len(b))
		}
	}
	if size != st.Bytes {
		t.Errorf("%d bytes of NDJSON, Stats.Bytes %d", size, st.Bytes)
	}
	for typ, byID := range ex.resources {
		for id, r := range byID {
			walk(r, func(key string, v any) {
				s, _ := v.(string)
				switch key {
				case "reference":
					typ2, id2, ok := strings.Cut(s, "/")
					if _, found := ex.resources[typ2][id2]; !ok || !found {
						t.Errorf("%s/%s: reference %q does not resolve in the export", typ, id, s)
					}
				case "effectiveDateTime", "sent", "enteredDate":
					if !fhirDateTime.MatchString(s) {
						t.Errorf("%s/%s: %s %q is not a zoned dateTime", typ, id, key, s)
					}
				}
			})
		}
	}
	group := ex.resources["Group"][groupID]
	members, _ := group["member"].([]any)
	if len(members) != st.Patients || group["quantity"] != float64(st.Patients) {
		t.Errorf("Group %s lists %d members, quantity %v; want %d", groupID, len(members), group["quantity"], st.Patients)
	}
	for id := range ex.resources["Patient"] {
		if _, ok := ex.resources["EpisodeOfCare"]["eoc-"+id]; !ok {
			t.Errorf("Patient/%s has no EpisodeOfCare", id)
		}
	}
}

func writeExport(t *testing.T, opts Options) (string, Stats) {
	t.Helper()
	dir := t.TempDir()
	st, err := Write(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

func TestSampleExportIsValidFHIRShapedNDJSON(t *testing.T) {
	dir, st := writeExport(t, SampleOptions())
	checkExport(t, readExport(t, dir), st)
}

func TestEveryEdgeFeatureIsValid(t *testing.T) {
	opts := Options{Patients: 120, Start: rules.DateOf(2026, time.January, 1), Months: 2,
		ReadingsPerDay: 1.5, EdgeShare: 1, Seed: 99, WorkedCases: true}
	dir, st := writeExport(t, opts)
	ex := readExport(t, dir)
	checkExport(t, ex, st)
	if _, err := os.Stat(filepath.Join(dir, ExpectedFile)); err == nil {
		t.Errorf("%s written without Options.Expected", ExpectedFile)
	}
	// Every kind of trouble shows up in a population where every ordinary
	// patient has one.
	var noZone, selfReported, test, absent, ccm, inProgress, noDuration int
	for id, p := range ex.resources["Patient"] {
		if !strings.HasPrefix(id, "pt-") {
			continue
		}
		if !strings.Contains(string(mustJSON(t, p)), "StructureDefinition/timezone") {
			noZone++
		}
	}
	for _, o := range ex.resources["Observation"] {
		s := string(mustJSON(t, o))
		_, hasDevice := o["device"]
		if _, perf := o["performer"]; perf && !hasDevice {
			selfReported++
		}
		if strings.Contains(s, `"HTEST"`) {
			test++
		}
		if _, ok := o["dataAbsentReason"]; ok {
			absent++
		}
	}
	for _, c := range ex.resources["Communication"] {
		s := string(mustJSON(t, c))
		if strings.Contains(s, `"code":"ccm"`) {
			ccm++
		}
		if c["status"] == "in-progress" {
			inProgress++
		}
		if _, ok := c["extension"]; !ok && c["encounter"] == nil {
			noDuration++
		}
	}
	for name, n := range map[string]int{"no zone": noZone, "self-reported": selfReported, "test data": test,
		"data absent": absent, "CCM time": ccm, "in progress": inProgress, "no duration": noDuration,
		"charge items": st.Resources["ChargeItem"]} {
		if n < 2 {
			t.Errorf("%s: %d occurrences, want several", name, n)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSameOptionsSameBytes(t *testing.T) {
	opts := SampleOptions()
	opts.Patients = 200
	a, _ := writeExport(t, opts)
	// Another worker count must not change a byte.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b, _ := writeExport(t, opts)
	fa, fb := readFiles(t, a), readFiles(t, b)
	if len(fa) != len(fb) {
		t.Fatalf("%d files, then %d", len(fa), len(fb))
	}
	for name, x := range fa {
		if !bytes.Equal(x, fb[name]) {
			t.Errorf("%s differs between two runs with the same options", name)
		}
	}

	opts.Seed++
	c, _ := writeExport(t, opts)
	if bytes.Equal(fa["Observation.ndjson"], readFiles(t, c)["Observation.ndjson"]) {
		t.Error("another seed gave the same Observations")
	}
}

func readFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestWriteToStreamsEveryTypeToOneWriter(t *testing.T) {
	opts := SampleOptions()
	var all bytes.Buffer
	st, err := WriteTo(oneSink(&all), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := bytes.Count(all.Bytes(), []byte("\n")); got != st.Total() {
		t.Errorf("%d lines in the stream, Stats.Total %d", got, st.Total())
	}
	dir, _ := writeExport(t, opts)
	var files int
	for name, b := range readFiles(t, dir) {
		if strings.HasSuffix(name, ".ndjson") {
			files += len(b)
		}
	}
	if files != all.Len() || int64(files) != st.Bytes {
		t.Errorf("stream %d bytes, files %d, Stats %d", all.Len(), files, st.Bytes)
	}
}

func oneSink(w *bytes.Buffer) map[string]io.Writer {
	m := map[string]io.Writer{}
	for _, typ := range Types {
		m[typ] = w
	}
	return m
}

func TestOptionsAreChecked(t *testing.T) {
	for name, o := range map[string]Options{
		"negative patients":          {Patients: -1},
		"before the rule sets":       {Start: rules.DateOf(2020, time.December, 1)},
		"too many months":            {Months: 121},
		"no reading on a data day":   {ReadingsPerDay: 0.5},
		"edge share above one":       {EdgeShare: 1.5},
		"a quote in the canonical":   {Canonical: `http://x"y`},
		"expected without the cases": {Expected: true},
	} {
		if _, err := WriteTo(nil, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := WriteTo(nil, Options{}); err != nil {
		t.Errorf("zero options: %v", err)
	}
}

func TestWriteReportsAFailingWriter(t *testing.T) {
	opts := SampleOptions()
	opts.Patients = 500
	_, err := WriteTo(map[string]io.Writer{"Observation": failAfter{}}, opts)
	if err == nil || !strings.Contains(err.Error(), "Observation") {
		t.Fatalf("error %v, want a write error naming Observation", err)
	}
}

type failAfter struct{}

func (failAfter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestAnEmptyPopulationIsStillValid(t *testing.T) {
	dir, st := writeExport(t, Options{})
	ex := readExport(t, dir)
	checkExport(t, ex, st)
	if st.Patients != 0 || len(ex.files) != 3 { // Organization, Practitioner, Group
		t.Errorf("%d patients, files %d", st.Patients, len(ex.files))
	}
	if _, ok := ex.resources["Group"][groupID]["member"]; ok {
		t.Error("an empty Group has a member array")
	}
}
