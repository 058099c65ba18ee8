package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2/hl7v2test"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

var updateExport = flag.Bool("update-export", false, "rewrite testdata/golden/export")

const exportGolden = "../../testdata/golden/export"

// evaluateInto records the embedded sample's 2026-10 (or source's) in a
// new store, as the "Done when" does, and returns the store's path
// and the output folder.
func evaluateInto(t *testing.T, db, source string) string {
	t.Helper()
	requireClockAfter(t, "2026-11-15")
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"evaluate", "--month", "2026-10", "--db", db, "--out", out, "--quiet"}
	if source != "" {
		args = append(args, "--source", source)
	}
	code, _, errs := run(t, nil, args...)
	require.Equal(t, 0, code, errs)
	return out
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(exportGolden, name)
	if *updateExport {
		require.NoError(t, os.MkdirAll(exportGolden, 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update-export ./cmd/rpm-adapter/ to write it", t.Name())
	require.Equal(t, string(want), string(got), "%s differs (review the diff, then -update-export)", name)
}

func csvRows(t *testing.T, b string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(b)).ReadAll()
	require.NoError(t, err)
	return rows
}

// billableChargeItems are the latest version of each billable ChargeItem
// the evaluation wrote, as "identifier code units".
func billableChargeItems(t *testing.T, out string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "ChargeItem.ndjson"))
	require.NoError(t, err)
	latest := map[string]string{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var ci struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			Identifier []struct{ System, Value string }
			Code       struct{ Coding []struct{ Code string } }
			Quantity   *struct{ Value float64 }
		}
		require.NoError(t, json.Unmarshal(line, &ci))
		if ci.Status != "billable" {
			delete(latest, ci.ID)
			continue
		}
		units := 1.0
		if ci.Quantity != nil {
			units = ci.Quantity.Value
		}
		for _, id := range ci.Identifier {
			if strings.HasSuffix(id.System, "/identifier/chargeitem") {
				latest[ci.ID] = id.Value + " " + ci.Code.Coding[0].Code + " " + strconv.FormatFloat(units, 'f', -1, 64)
			}
		}
	}
	var outl []string
	for _, v := range latest {
		outl = append(outl, v)
	}
	slices.Sort(outl)
	return outl
}

func TestExportSampleMonthAsCSVOncePerLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	out := evaluateInto(t, db, "")

	code, first, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv")
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "batch 1 exported")
	golden(t, "sample-2026-10.csv", []byte(first))

	// Done when: one charge row per billable ChargeItem of the month, with
	// the same codes and units.
	var rows []string
	for _, r := range csvRows(t, first)[1:] {
		require.Equal(t, "charge", r[2])
		require.True(t, strings.HasPrefix(r[5], "2026-10-"), r[5])
		rows = append(rows, r[1]+" "+r[6]+" "+r[7])
	}
	slices.Sort(rows)
	items := billableChargeItems(t, out)
	require.NotEmpty(t, rows)
	require.Equal(t, items, rows, "the CSV's lines are the billable ChargeItems")

	// A second export has no rows; the first rebuilt is the first.
	code, second, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv")
	require.Equal(t, 0, code, errs)
	require.Equal(t, strings.Join(csvRows(t, first)[0], ",")+"\n", second)
	require.Contains(t, errs, "batch 2 exported: 0 charges, 0 reversals")
	code, again, errs := run(t, nil, "export", "--db", db, "--rebuild", "1")
	require.Equal(t, 0, code, errs)
	require.Equal(t, first, again)

	// --out writes the same bytes, 0600.
	file := filepath.Join(dir, "b1.csv")
	code, stdout, errs := run(t, nil, "export", "--db", db, "--rebuild", "1", "--out", file)
	require.Equal(t, 0, code, errs)
	require.Empty(t, stdout)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, first, string(b))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// hl7Times are MSH-7, EVN-2, FHS-7 and BHS-7: the export's clock.
var hl7Times = regexp.MustCompile(`\|\d{14}\+0000([|\r])`)

func TestExportSampleMonthAsHL7v2PassesHAPI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	evaluateInto(t, db, "")
	code, first, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "hl7v2",
		"--hl7-receiving-application", "EPIC", "--hl7-mrn-authority", "SAMPLE-HOSP")
	require.Equal(t, 0, code, errs)
	golden(t, "sample-2026-10.hl7", hl7Times.ReplaceAll([]byte(first), []byte("|20261101000000+0000$1")))

	p := hl7v2test.Parse(t, []byte(first))
	st, err := store.Open(context.Background(), db, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	b, err := st.ExportBatch(context.Background(), "default", 1)
	require.NoError(t, err)
	var ft1 []string
	for _, m := range p.Messages {
		require.Equal(t, "DFT^P03^DFT_P03", m.Type)
		require.Equal(t, "2.5.1", m.Version)
		require.Equal(t, "EPIC", m.ReceivingApp)
		for _, f := range m.FT1 {
			ft1 = append(ft1, strings.Join([]string{m.PatientID, f.TransactionID, f.Date, f.Type, f.Code, f.CodingSystem, f.Quantity, f.ProcedureCode}, " "))
		}
	}
	var want []string
	for _, l := range b.Lines {
		want = append(want, strings.Join([]string{l.Patient.MRN, l.LineID, strings.ReplaceAll(l.DOS.String(), "-", ""), "CG", l.Code, "C4",
			strconv.Itoa(l.Units), l.Code}, " "))
	}
	require.NotEmpty(t, want)
	require.Equal(t, want, ft1, "what HAPI read is the store's batch")

	code, again, errs := run(t, nil, "export", "--db", db, "--rebuild", "1")
	require.Equal(t, 0, code, errs)
	require.Equal(t, first, again, "--rebuild is byte for byte, times and control ids included")
	code, empty, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "hl7v2")
	require.Equal(t, 0, code, errs)
	require.Empty(t, hl7v2test.Parse(t, []byte(empty)).Messages)
}

// One Observation marked entered-in-error, the month evaluated again: a
// 30-day period that had exactly the 16 days 99454 needs (R-DAY-2) loses a
// day with one reading; its exported 99454 is withdrawn and the next batch
// reverses it, once, with the charged units.
func TestExportReversesLinesWithdrawnAfterAnObservationIsEnteredInError(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	evaluateInto(t, db, "")
	code, first, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv")
	require.Equal(t, 0, code, errs)

	// Such periods in the store, with their days of a single reading.
	st, err := store.Open(context.Background(), db, store.Options{})
	require.NoError(t, err)
	evs, err := st.ListEvaluations(context.Background(), store.EvaluationFilter{Tenant: "default"})
	require.NoError(t, err)
	type candidate struct{ patient, day string }
	var cands []candidate
	for _, e := range evs {
		if e.Window.Kind != rules.Period30 || e.Days != 16 || e.Window.End.Month() != 10 {
			continue
		}
		full, err := st.Evaluation(context.Background(), "default", e.PatientID, e.Window.Kind, e.Window.Start)
		require.NoError(t, err)
		for _, dc := range full.DayCounts {
			if dc.Readings == 1 {
				cands = append(cands, candidate{e.PatientID, dc.Date.String()})
			}
		}
	}
	st.Close()
	require.NotEmpty(t, cands, "the sample has a period of exactly 16 days")

	// The first whose reading of that day is one Observation written on
	// that local date, marked entered-in-error.
	src := filepath.Join(dir, "src")
	require.NoError(t, os.CopyFS(src, os.DirFS("../../testdata/sample-export")))
	obs, err := os.ReadFile(filepath.Join(src, "Observation.ndjson"))
	require.NoError(t, err)
	lines := bytes.Split(bytes.TrimSpace(obs), []byte("\n"))
	var patient string
	for _, c := range cands {
		var hits []int
		for i, l := range lines {
			if bytes.Contains(l, []byte(`"subject":{"reference":"Patient/`+c.patient+`"}`)) &&
				bytes.Contains(l, []byte(`"effectiveDateTime":"`+c.day+`T`)) {
				hits = append(hits, i)
			}
		}
		if len(hits) == 1 {
			patient = c.patient
			lines[hits[0]] = bytes.Replace(lines[hits[0]], []byte(`"status":"final"`), []byte(`"status":"entered-in-error"`), 1)
			break
		}
	}
	require.NotEmpty(t, patient, "no candidate day has exactly one Observation dated so")
	charged := map[string]string{}
	for _, r := range csvRows(t, first)[1:] {
		if r[3] == patient {
			charged[r[1]] = r[6] + " " + r[7]
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(src, "Observation.ndjson"), append(bytes.Join(lines, []byte("\n")), '\n'), 0o600))
	evaluateInto(t, db, src)

	code, rev, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv")
	require.Equal(t, 0, code, errs)
	golden(t, "sample-2026-10-reversal.csv", []byte(rev))
	var reversed []string
	for _, r := range csvRows(t, rev)[1:] {
		require.Equal(t, patient, r[3], "only the patient whose reading went changes")
		if r[2] == "reverse" {
			require.Equal(t, charged[r[1]], r[6]+" "+r[7], "a reversal repeats the charge's code and units")
			reversed = append(reversed, r[6])
		}
	}
	require.Equal(t, []string{"99454"}, reversed)
	code, none, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv")
	require.Equal(t, 0, code, errs)
	require.Len(t, csvRows(t, none), 1, "a reversal leaves once")
}

func TestExportWithApprovalRequiredTakesOnlyApprovedLines(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	evaluateInto(t, db, "")
	// The sign-off (issue 14) sets approved; here directly in the store.
	st, err := store.Open(context.Background(), db, store.Options{})
	require.NoError(t, err)
	res, err := st.DB().Exec(`UPDATE code_lines SET state = 'approved' WHERE code = '99457' AND state = 'billable'`)
	require.NoError(t, err)
	approved, _ := res.RowsAffected()
	require.Positive(t, approved)
	st.Close()

	code, out, errs := run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv", "--require-approval")
	require.Equal(t, 0, code, errs)
	rows := csvRows(t, out)[1:]
	require.Len(t, rows, int(approved))
	for _, r := range rows {
		require.Equal(t, "99457", r[6])
	}
	code, out, errs = run(t, nil, "export", "--db", db, "--month", "2026-10", "--format", "csv")
	require.Equal(t, 0, code, errs)
	for _, r := range csvRows(t, out)[1:] {
		require.NotEqual(t, "99457", r[6], "approved lines left once")
	}
}

func TestExportUsageErrorsExitTwo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	for name, args := range map[string][]string{
		"no --db":                  {"export", "--month", "2026-10"},
		"no --month":               {"export", "--db", db},
		"a bad month":              {"export", "--db", db, "--month", "2026-13"},
		"a bad format":             {"export", "--db", db, "--month", "2026-10", "--format", "x12"},
		"MLLP with CSV":            {"export", "--db", db, "--month", "2026-10", "--mllp", "127.0.0.1:1"},
		"rebuild with a month":     {"export", "--db", db, "--month", "2026-10", "--rebuild", "1"},
		"rebuild of no such batch": {"export", "--db", db, "--rebuild", "7"},
	} {
		code, _, errs := run(t, nil, args...)
		if code != 2 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errs)
		}
	}
}
