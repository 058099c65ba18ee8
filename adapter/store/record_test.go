package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestRecordEvaluationRoundTripsEveryField(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		res, rec := sampleResult(), sampleRecord()
		if err := s.RecordEvaluation(ctx, "t1", "p1", res, rec); err != nil {
			t.Fatal(err)
		}
		got, err := s.Evaluations(ctx, "t1", "p1")
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, got, res, rec)

		// A few fields by hand, so the comparison above is not only the
		// store agreeing with itself.
		closed := got[0]
		if closed.Policy != res.Policy || closed.ProfileID != "medicare-part-b" || closed.Days != 17 || len(closed.DayCounts) != 17 ||
			closed.DayCounts[0] != (DayCount{Date: d("2026-09-03"), Readings: 2}) || closed.DayCounts[1].Readings != 1 {
			t.Errorf("closed period: %+v", closed)
		}
		open := got[1]
		if !open.Provisional || open.Progress == nil || *open.Progress != *res.Periods[1].Progress {
			t.Errorf("open period: provisional %v, progress %+v", open.Provisional, open.Progress)
		}
		month := got[2]
		if month.Window.Kind != rules.CalendarMonth || month.Seconds != 1330 || month.Minutes != 22 || !month.Interactive ||
			month.Days != 14 || month.UnbilledMinutes != 2 || month.Progress != nil {
			t.Errorf("month: %+v", month)
		}
		acts := month.Activities
		wantActs := []Activity{
			{Ref: "Communication/c1", Start: at("2026-09-05T14:00:00Z"), Duration: 20 * time.Minute, Medium: "remote", Interactive: true, Counted: true},
			{Ref: "Communication/c2", Start: at("2026-09-06T15:00:00Z"), Duration: 130 * time.Second, Medium: "written", Counted: true},
			{Ref: "Communication/c3", Start: at("2026-09-07T16:00:00Z"), Medium: "in-person"},
			{Ref: "Communication/c5", Start: at("2026-10-01T02:00:00Z"), Duration: time.Minute, Medium: "other"},
		}
		if len(acts) != len(wantActs) {
			t.Fatalf("activities: %+v", acts)
		}
		for i := range acts {
			if !acts[i].Start.Equal(wantActs[i].Start) || acts[i].Ref != wantActs[i].Ref || acts[i].Duration != wantActs[i].Duration ||
				acts[i].Medium != wantActs[i].Medium || acts[i].Interactive != wantActs[i].Interactive || acts[i].Counted != wantActs[i].Counted {
				t.Errorf("activity %d = %+v, want %+v", i, acts[i], wantActs[i])
			}
		}
		if len(month.Findings) != 1 || month.Findings[0] != res.Months[0].Findings[0] {
			t.Errorf("month findings: %+v", month.Findings)
		}
		line := month.Lines[0]
		wantID := fhirmap.IdentifierValue("t1", "p1", "99457", d("2026-09-01"), rules.CMSPFS2026)
		if line.LineID != wantID || line.ResourceID != fhirmap.ResourceID(fhirmap.PrefixChargeItem, wantID) ||
			line.State != StateBillable || line.Units != 1 || line.DOS != d("2026-09-30") || !line.CreatedAt.Equal(testNow) {
			t.Errorf("month line: %+v", line)
		}

		p, err := s.Patient(ctx, "t1", "p1")
		if err != nil {
			t.Fatal(err)
		}
		if p.DisplayName != "Test Patient" || p.MRN != "MRN-0001" || p.Zone != "America/New_York" || p.AsOf != d("2026-10-20") ||
			p.Anchor != d("2026-09-03") || p.AnchorSource != "episode" || !p.EvaluatedAt.Equal(testNow) ||
			!slices.Equal(p.Findings, res.Findings) || p.NotEvaluated != "" {
			t.Errorf("patient: %+v", p)
		}
		ws, err := s.WrittenResources(ctx, "t1", "p1")
		if err != nil || len(ws) != 1 {
			t.Fatalf("written: %+v, %v", ws, err)
		}
		w := rec.Written[0]
		if ws[0].ResourceID != w.ResourceID || ws[0].ResourceType != w.ResourceType || ws[0].WindowKind != w.WindowKind ||
			ws[0].WindowStart != w.WindowStart || ws[0].IdentifierSystem != w.IdentifierSystem ||
			ws[0].IdentifierValue != w.IdentifierValue || !ws[0].WrittenAt.Equal(w.WrittenAt) {
			t.Errorf("written = %+v, want %+v", ws[0], w)
		}
	})
}

func TestProvisionalLinesArePlannedAndClosedMetLinesBillable(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		planned, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", States: []State{StatePlanned}})
		billable, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", States: []State{StateBillable}})
		if codes(planned) != "99445" || codes(billable) != "99453 99454 99457" {
			t.Fatalf("planned %q, billable %q", codes(planned), codes(billable))
		}
		// The open period closes with the line met: the same line, billable.
		res := sampleResult()
		res.Periods[1].Provisional, res.Periods[1].Progress = false, nil
		res.Periods[1].Lines[0].Provisional = false
		if err := s.RecordEvaluation(ctx, "t1", "p1", res, sampleRecord()); err != nil {
			t.Fatal(err)
		}
		lines, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", WindowKind: rules.Period30, WindowStart: d("2026-10-03")})
		if len(lines) != 1 || lines[0].State != StateBillable || lines[0].LineID != planned[0].LineID {
			t.Errorf("after closing: %+v", lines)
		}
	})
}

func TestALineNoLongerSupportedIsWithdrawnNeverDeleted(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		now := testNow
		s := openTest(t, dsn, Options{Now: func() time.Time { return now }})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		// A re-evaluation with fewer days: 99454 no longer met, 99453 still.
		res := sampleResult()
		res.Periods[0].Days = 15
		res.Periods[0].Evidence = res.Periods[0].Evidence[:15]
		res.Periods[0].Lines = res.Periods[0].Lines[:1]
		res.Periods[0].Findings = nil
		now = testNow.Add(time.Hour)
		if err := s.RecordEvaluation(ctx, "t1", "p1", res, sampleRecord()); err != nil {
			t.Fatal(err)
		}
		lines, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", WindowKind: rules.Period30, WindowStart: d("2026-09-03")})
		if len(lines) != 2 || lines[0].Code != "99453" || lines[0].State != StateBillable ||
			lines[1].Code != "99454" || lines[1].State != StateWithdrawn || !lines[1].WithdrawnAt.Equal(now) {
			t.Fatalf("lines after the re-evaluation: %+v", lines)
		}
		e, _ := s.Evaluation(ctx, "t1", "p1", rules.Period30, d("2026-09-03"))
		if e.Days != 15 || len(e.DayCounts) != 15 || len(e.Findings) != 0 || !e.EvaluatedAt.Equal(now) {
			t.Errorf("the window's row was not replaced: days %d, %d day counts, %d findings", e.Days, len(e.DayCounts), len(e.Findings))
		}
		// Supported again: back to billable, no longer withdrawn.
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		lines, _ = s.CodeLines(ctx, LineFilter{Tenant: "t1", WindowKind: rules.Period30, WindowStart: d("2026-09-03")})
		if lines[1].State != StateBillable || !lines[1].WithdrawnAt.IsZero() {
			t.Errorf("a line supported again: %+v", lines[1])
		}
	})
}

// A result that names the same line twice (the rules do not, but nothing
// in a Result forbids it) is recorded as when each line was its own
// statement: once, with the later line's values, on both drivers (where
// PostgreSQL refuses a multi-row upsert that changes a row twice).
func TestTheSameLineTwiceIsRecordedOnce(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		res := sampleResult()
		again := res.Periods[0].Lines[0]
		again.Units = 7
		res.Periods[0].Lines = append(res.Periods[0].Lines, again)
		if err := s.RecordEvaluation(ctx, "t1", "p1", res, sampleRecord()); err != nil {
			t.Fatal(err)
		}
		lines, err := s.CodeLines(ctx, LineFilter{Tenant: "t1", PatientID: "p1", WindowKind: rules.Period30, WindowStart: res.Periods[0].Window.Start})
		if err != nil || len(lines) != len(res.Periods[0].Lines)-1 {
			t.Fatalf("lines %+v, %v", lines, err)
		}
		for _, l := range lines {
			if l.Code == again.Code && (l.Units != 7 || l.State == StateWithdrawn) {
				t.Errorf("the twice-named line: %+v", l)
			}
		}
	})
}

// The anchor moved (R-PER-2): the new period overlaps the old one and
// starts on another date; the old period's lines are withdrawn.
func TestAMovedAnchorWithdrawsTheOverlappingPeriod(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		res := sampleResult()
		res.Periods = res.Periods[:1]
		res.Periods[0].Window.Start, res.Periods[0].Window.End = d("2026-09-10"), d("2026-10-09")
		if err := s.RecordEvaluation(ctx, "t1", "p1", res, sampleRecord()); err != nil {
			t.Fatal(err)
		}
		old, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", WindowKind: rules.Period30, WindowStart: d("2026-09-03")})
		if len(old) != 2 || old[0].State != StateWithdrawn || old[1].State != StateWithdrawn {
			t.Errorf("the superseded period's lines: %+v", old)
		}
		if _, err := s.Evaluation(ctx, "t1", "p1", rules.Period30, d("2026-09-03")); err != ErrNotFound {
			t.Errorf("the superseded period's row: %v", err)
		}
		// The open period 2026-10-03 overlaps the new one too.
		if _, err := s.Evaluation(ctx, "t1", "p1", rules.Period30, d("2026-10-03")); err != ErrNotFound {
			t.Errorf("the overlapping open period's row: %v", err)
		}
		if _, err := s.Evaluation(ctx, "t1", "p1", rules.Period30, d("2026-09-10")); err != nil {
			t.Errorf("the new period: %v", err)
		}
	})
}

// The states migration 0007 adds (approved, exported) belong to the
// worklist and billing: a re-evaluation that still supports the line leaves
// it, and a state outside code_line_states is refused.
func TestAStateOfALaterIssueIsLeftAlone(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE code_lines SET state = 'approved' WHERE code = '99457'`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE code_lines SET state = 'nonsense' WHERE code = '99454'`); err == nil {
			t.Error("a state outside code_line_states was accepted")
		}
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		lines, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", States: []State{"approved"}})
		if codes(lines) != "99457" {
			t.Errorf("approved lines after a re-evaluation: %q", codes(lines))
		}
	})
}

func TestNoNamesKeepsIdsOnly(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = openTest(t, dsn, Options{Now: fixedClock, NoNames: true})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		p, err := s.Patient(ctx, "t1", "p1")
		if err != nil || p.DisplayName != "" || p.MRN != "" {
			t.Errorf("with names off the store keeps %q, %q (%v)", p.DisplayName, p.MRN, err)
		}
	})
}

func TestAPatientNotEvaluatedKeepsOnlyItsHeader(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p2", nil, Record{NotEvaluated: "no time zone"}); err != nil {
			t.Fatal(err)
		}
		p, err := s.Patient(ctx, "t1", "p2")
		if err != nil || p.NotEvaluated != "no time zone" || p.AsOf != rules.NoDate || p.Anchor != rules.NoDate {
			t.Errorf("patient = %+v, %v", p, err)
		}
		if _, err := s.Patient(ctx, "t1", "nobody"); err != ErrNotFound {
			t.Errorf("an unknown patient: %v", err)
		}
		if es, err := s.Evaluations(ctx, "t1", "p2"); err != nil || len(es) != 0 {
			t.Errorf("evaluations: %d, %v", len(es), err)
		}
	})
}

func TestListEvaluationsForAWorklist(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		for _, pid := range []string{"p3", "p1", "p2"} {
			if err := s.RecordEvaluation(ctx, "t1", pid, sampleResult(), sampleRecord()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordEvaluation(ctx, "t2", "p9", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		yes := true
		for name, c := range map[string]struct {
			f    EvaluationFilter
			want int
		}{
			"every window of the tenant":      {EvaluationFilter{Tenant: "t1"}, 9},
			"periods containing 2026-10-10":   {EvaluationFilter{Tenant: "t1", Kind: rules.Period30, Containing: d("2026-10-10")}, 3},
			"open windows":                    {EvaluationFilter{Tenant: "t1", Provisional: &yes}, 3},
			"a page of two after p1":          {EvaluationFilter{Tenant: "t1", AfterPatient: "p1", Limit: 2}, 2},
			"months containing 2026-09-30":    {EvaluationFilter{Tenant: "t1", Kind: rules.CalendarMonth, Containing: d("2026-09-30")}, 3},
			"no window contains a later date": {EvaluationFilter{Tenant: "t1", Containing: d("2027-01-01")}, 0},
		} {
			got, err := s.ListEvaluations(ctx, c.f)
			if err != nil || len(got) != c.want {
				t.Errorf("%s: %d rows (%v), want %d", name, len(got), err, c.want)
			}
			for _, e := range got {
				if e.Lines != nil {
					t.Errorf("%s: a list row carries code lines", name)
				}
			}
		}
		page, _ := s.ListEvaluations(ctx, EvaluationFilter{Tenant: "t1", AfterPatient: "p1", Limit: 2})
		if page[0].PatientID != "p2" {
			t.Errorf("paging by patient id starts at %s", page[0].PatientID)
		}
		lines, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", States: []State{StateBillable}, DOSFrom: d("2026-10-01"), DOSTo: d("2026-10-31")})
		if len(lines) != 6 {
			t.Errorf("billable lines with a DOS in October: %d, want 6", len(lines))
		}
	})
}

func TestWrittenIdsSurviveARunThatDoesNotWrite(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		rec := sampleRecord()
		rec.Written = nil
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), rec); err != nil {
			t.Fatal(err)
		}
		if ws, err := s.WrittenResources(ctx, "t1", "p1"); err != nil || len(ws) != 1 {
			t.Errorf("written after a run without write-back: %d, %v", len(ws), err)
		}
	})
}

// The runner records patients from several workers at once.
func TestConcurrentRecordings(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				errs <- s.RecordEvaluation(ctx, "t1", "p"+string(rune('a'+i%20)), sampleResult(), sampleRecord())
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ListEvaluations(ctx, EvaluationFilter{Tenant: "t1"})
		if err != nil || len(got) != 60 {
			t.Errorf("%d evaluations (%v), want 60", len(got), err)
		}
	})
}

func codes(ls []CodeLine) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Code)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// The policy's JSON is cached per distinct policy: each window still gets
// its own window's policy, past the cache's limit too.
func TestEveryWindowKeepsItsOwnPolicy(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir()+"/x.db", Options{Now: fixedClock})
	const n = maxPolicies + 6
	for i := range n {
		res, rec := sampleResult(), sampleRecord()
		res.Policy.SetupMinDays2026 = i + 2
		res.Policy.RequireConsent = i%2 == 0
		if err := s.RecordEvaluation(ctx, "t1", "p"+strconv.Itoa(i), res, rec); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		got, err := s.Evaluations(ctx, "t1", "p"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		want := sampleResult().Policy
		want.SetupMinDays2026, want.RequireConsent = i+2, i%2 == 0
		checked := 0
		for _, e := range got {
			if e.ProfileID == "medicare-part-b" {
				checked++
				if e.Policy != want {
					t.Errorf("p%d %v %s: policy %+v, want %+v", i, e.Window.Kind, e.Window.Start, e.Policy, want)
				}
			}
		}
		if checked == 0 {
			t.Errorf("p%d: no window of the run's policy among %d", i, len(got))
		}
	}
	if got := s.npolicies.Load(); got != maxPolicies {
		t.Errorf("%d policies cached, want %d", got, maxPolicies)
	}
}
