package e2etest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// Oracle reads testdata/sample-export/expected.json, the rule book's
// expectations for the worked-case patients.
func Oracle() (*generate.Expected, error) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), "testdata", "sample-export", "expected.json"))
	if err != nil {
		return nil, err
	}
	var e generate.Expected
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// OracleCase returns the expectations of one sample patient.
func OracleCase(t testing.TB, patient string) generate.ExpectedCase {
	t.Helper()
	o, err := Oracle()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Cases {
		if c.Patient == patient {
			return c
		}
	}
	t.Fatalf("no expectation for %s in expected.json", patient)
	return generate.ExpectedCase{}
}

// repoRoot is the module root, found from this file's path.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Windows lists an evaluation's windows as "start..end": its 30-day
// periods, then its calendar month.
func Windows(ev generate.ExpectedEvaluation) []string {
	var out []string
	for _, p := range ev.Periods {
		out = append(out, p.Start+".."+p.End)
	}
	for _, m := range ev.Months {
		out = append(out, m.Start+".."+m.End)
	}
	return out
}

// ExpectedCharges lists the ChargeItems expected.json says an evaluation
// writes, as "code xUnits status start..end", sorted. The windows are
// closed (as_of is the day after the month), so every line is billable.
func ExpectedCharges(ev generate.ExpectedEvaluation) []string {
	out := []string{}
	add := func(ls []generate.ExpectedLine, window string) {
		for _, l := range ls {
			out = append(out, fmt.Sprintf("%s x%d billable %s", l.Code, l.Units, window))
		}
	}
	for _, p := range ev.Periods {
		add(p.Lines, p.Start+".."+p.End)
	}
	for _, m := range ev.Months {
		add(m.Lines, m.Start+".."+m.End)
	}
	slices.Sort(out)
	return out
}

// ExpectedReports lists the MeasureReports of an evaluation as
// "measure score status start..end", sorted: one per window, complete.
func ExpectedReports(ev generate.ExpectedEvaluation) []string {
	out := []string{}
	for _, p := range ev.Periods {
		out = append(out, fmt.Sprintf("%s %d complete %s..%s", fhirmap.DefaultCanonical+fhirmap.PathMeasureDevice, p.Days, p.Start, p.End))
	}
	for _, m := range ev.Months {
		out = append(out, fmt.Sprintf("%s %d complete %s..%s", fhirmap.DefaultCanonical+fhirmap.PathMeasureTime, m.Minutes, m.Start, m.End))
	}
	slices.Sort(out)
	return out
}

// Charges lists the patient's ChargeItems in the given windows (all when
// windows is nil) in the form of ExpectedCharges, sorted.
func (s *State) Charges(patient string, windows []string) []string {
	out := []string{}
	for _, it := range s.Of(fhirmap.TypeChargeItem, patient) {
		if windows == nil || slices.Contains(windows, it.Period) {
			out = append(out, fmt.Sprintf("%s x%s %s %s", it.Code, it.Units, it.Status, it.Period))
		}
	}
	slices.Sort(out)
	return out
}

// Reports lists the patient's MeasureReports in the given windows (all when
// nil) in the form of ExpectedReports, sorted.
func (s *State) Reports(patient string, windows []string) []string {
	out := []string{}
	for _, it := range s.Of(fhirmap.TypeMeasureReport, patient) {
		if windows == nil || slices.Contains(windows, it.Period) {
			score := it.Score
			if i := strings.IndexByte(score, '.'); i >= 0 && strings.Trim(score[i+1:], "0") == "" {
				score = score[:i] // 18.0 → 18
			}
			out = append(out, fmt.Sprintf("%s %s %s %s", it.Measure, score, it.Status, it.Period))
		}
	}
	slices.Sort(out)
	return out
}

// Tasks lists the patient's Tasks as "code status start..end", sorted.
func (s *State) Tasks(patient string) []string {
	out := []string{}
	for _, it := range s.Of(fhirmap.TypeTask, patient) {
		out = append(out, fmt.Sprintf("%s %s %s", it.Code, it.Status, it.Period))
	}
	slices.Sort(out)
	return out
}
