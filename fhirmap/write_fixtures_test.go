package fhirmap

import (
	"fmt"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Write-side fixtures: real rules.Evaluate results for a handful of
// patients, all evaluated on the same run (2026-11-04, 09:30 in Chicago).
// The patient id is distinctive so the no-PHI test can look for it.

const (
	writeTestPatient = "pat-7f3a"
	writeTestTenant  = "tenant-a"
)

// writeTestServerBase is the FHIR server the test transactions are for.
const writeTestServerBase = "https://fhir.example.org/fhir"

var writeTestNow = time.Date(2026, time.November, 4, 15, 30, 0, 0, time.UTC)

type writeScenario struct {
	name string
	res  func(t testing.TB) *rules.Result
}

// writeScenarios are the golden cases of the write side.
var writeScenarios = []writeScenario{
	{"closed-period", closedPeriodResult},
	{"open-period", openPeriodResult},
	{"month-99458x3", month99458Result},
	{"month-no-code", monthNoCodeResult},
}

func writeTestRequest(t testing.TB, enrollment rules.Date) (rules.Request, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return rules.Request{
		Location:     loc,
		AsOf:         rules.DateOf(2026, time.November, 4),
		Enrollment:   enrollment,
		EpisodeStart: rules.NoDate,
		Policy:       rules.DefaultPolicy(),
	}, loc
}

func readingsOn(loc *time.Location, y int, m time.Month, days ...int) []rules.Reading {
	var out []rules.Reading
	for _, d := range days {
		out = append(out, rules.Reading{
			Ref: fmt.Sprintf("Observation/bp-%d%02d%02d", y, m, d), At: time.Date(y, m, d, 8, 15, 0, 0, loc),
			Device: "Device/cuff-1", FromDevice: true, HasValue: true, Status: rules.StatusFinal,
		})
	}
	return out
}

func dayRange(from, to int) []int {
	var out []int
	for d := from; d <= to; d++ {
		out = append(out, d)
	}
	return out
}

func mustEvaluate(t testing.TB, req rules.Request, scope rules.Scope) *rules.Result {
	t.Helper()
	res, err := rules.Evaluate(req, scope)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// closedPeriodResult: 16 dates in the first period, closed → 99453 + 99454
// (C1 under cms-pfs-2026 with the default setup threshold).
func closedPeriodResult(t testing.TB) *rules.Result {
	req, loc := writeTestRequest(t, rules.DateOf(2026, time.September, 1))
	req.Readings = readingsOn(loc, 2026, time.September, dayRange(1, 16)...)
	return mustEvaluate(t, req, rules.DateScope(rules.DateOf(2026, time.September, 15)))
}

// openPeriodResult: period Oct 15 – Nov 13 with 12 dates so far and 9 days
// left → 99445 planned and a Task "needs 4 more days by 2026-11-13"; the
// open month has 12 minutes of written messages → a Task for 8 more minutes
// and an interactive call (R-PER-5).
func openPeriodResult(t testing.TB) *rules.Result {
	req, loc := writeTestRequest(t, rules.DateOf(2026, time.October, 15))
	req.Readings = append(readingsOn(loc, 2026, time.October, dayRange(24, 31)...),
		readingsOn(loc, 2026, time.November, 1, 2, 3, 4)...)
	req.Interactions = []rules.Interaction{{
		Ref: "Communication/msg-1", Start: time.Date(2026, time.November, 2, 10, 0, 0, 0, loc),
		Duration: 12 * time.Minute, Medium: rules.MediumWritten, Completed: true,
	}}
	return mustEvaluate(t, req, rules.DateScope(rules.DateOf(2026, time.November, 4)))
}

// month99458Result: September, 120 minutes with a phone call (two staff on
// it, merged, R-TIME-4) → 99457 + 99458 ×3 and 40 unbilled minutes (C10,
// R-TM-4); its period has 10 dates → 99445 without set-up.
func month99458Result(t testing.TB) *rules.Result {
	req, loc := writeTestRequest(t, rules.DateOf(2026, time.September, 1))
	req.Readings = readingsOn(loc, 2026, time.September, dayRange(1, 10)...)
	at := func(d, h, m int) time.Time { return time.Date(2026, time.September, d, h, m, 0, 0, loc) }
	req.Interactions = []rules.Interaction{
		{Ref: "Communication/call-1", Start: at(3, 10, 0), Duration: 30 * time.Minute, Medium: rules.MediumRemote, Completed: true},
		{Ref: "Communication/call-1b", Start: at(3, 10, 5), Duration: 15 * time.Minute, Medium: rules.MediumRemote, Completed: true},
		{Ref: "Communication/review-1", Start: at(10, 14, 0), Duration: 50 * time.Minute, Completed: true},
		{Ref: "Communication/msg-2", Start: at(20, 9, 0), Duration: 40 * time.Minute, Medium: rules.MediumWritten, Completed: true},
	}
	return mustEvaluate(t, req, rules.MonthScope(2026, time.September))
}

// monthNoCodeResult: August, 25 minutes of portal messages and e-mail only
// (C12), one message without a duration (R-TIME-2) and one without a start;
// no period of the episode ends in August.
func monthNoCodeResult(t testing.TB) *rules.Result {
	req, loc := writeTestRequest(t, rules.NoDate)
	req.Readings = readingsOn(loc, 2026, time.August, 3, 5, 9)
	at := func(d, h int) time.Time { return time.Date(2026, time.August, d, h, 0, 0, 0, loc) }
	req.Interactions = []rules.Interaction{
		{Ref: "Communication/portal-1", Start: at(4, 9), Duration: 15 * time.Minute, Medium: rules.MediumWritten, Completed: true},
		{Ref: "Communication/email-1", Start: at(6, 11), Duration: 10 * time.Minute, Medium: rules.MediumWritten, Completed: true},
		{Ref: "Communication/portal-2", Start: at(7, 16), Medium: rules.MediumWritten, Completed: true},
		{Ref: "Communication/nostart-1", Duration: 5 * time.Minute, Medium: rules.MediumWritten, Completed: true},
	}
	return mustEvaluate(t, req, rules.MonthScope(2026, time.August))
}

func newTestWriter(t testing.TB, mode WriteMode) *Writer {
	t.Helper()
	return newTestWriterOpts(t, mode, false)
}

// newTestWriterOpts is newTestWriter on the reference path (google/fhir
// protos, fhirvalidate, jsonformat) when strict, on the fast encoder if not.
func newTestWriterOpts(t testing.TB, mode WriteMode, strict bool) *Writer {
	t.Helper()
	w, err := NewWriter(WriteOptions{
		Strict:              strict,
		Tenant:              writeTestTenant,
		Reporter:            "Organization/org-1",
		Enterer:             "Practitioner/prac-9",
		Performer:           "Practitioner/prac-9",
		BillingOrganization: "Organization/org-1",
		Mode:                mode,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func buildScenario(t testing.TB, w *Writer, sc writeScenario) *WriteSet {
	t.Helper()
	ws, err := w.Build(writeTestPatient, sc.res(t), writeTestNow)
	if err != nil {
		t.Fatalf("%s: %v", sc.name, err)
	}
	return ws
}
