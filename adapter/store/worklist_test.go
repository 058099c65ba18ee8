package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// octoberResult is an evaluation as of 2026-10-20 with an open period
// (have days of need, left days left) and the open month with minutes.
func octoberResult(have, need, left int, reachable bool, minutes int) *rules.Result {
	per := rules.Window{Kind: rules.Period30, Start: d("2026-10-01"), End: d("2026-10-30")}
	mon := rules.Window{Kind: rules.CalendarMonth, Start: d("2026-10-01"), End: d("2026-10-31")}
	var ev []rules.DayEvidence
	for i := range have {
		ev = append(ev, rules.DayEvidence{Date: per.Start.AddDays(i), Refs: []string{fmt.Sprintf("Observation/o%d", i)}})
	}
	return &rules.Result{Zone: "America/Chicago", Policy: rules.DefaultPolicy(), AsOf: d("2026-10-20"),
		Periods: []rules.PeriodResult{{Window: per, RuleSet: rules.CMSPFS2026, Provisional: true, Days: have, Evidence: ev,
			Progress: &rules.Progress{Have: have, Need: need, Missing: max(need-have, 0), DaysLeft: left, Reachable: reachable}}},
		Months: []rules.MonthResult{{Window: mon, RuleSet: rules.CMSPFS2026, Provisional: true, Minutes: minutes,
			Progress: &rules.Progress{Have: minutes, Need: 20, Missing: max(20-minutes, 0), DaysLeft: 11, Reachable: true}}}}
}

// closedOctober is the period and month closed, with days and the lines
// they earn.
func closedOctober(days int, lines ...rules.CodeLine) *rules.Result {
	r := octoberResult(days, 16, 0, days >= 16, 0)
	r.AsOf = d("2026-11-01")
	r.Periods[0].Provisional, r.Periods[0].Progress, r.Periods[0].Lines = false, nil, lines
	r.Months[0].Provisional, r.Months[0].Progress = false, nil
	return r
}

func rowIDs(rows []WorklistRow) string {
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.PatientID)
	}
	return strings.Join(ids, ",")
}

func TestWorklistRanksWhatNeedsActionFirst(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		rec := func(id string, res *rules.Result, r Record) {
			t.Helper()
			if err := s.RecordEvaluation(ctx, "t1", id, res, r); err != nil {
				t.Fatal(err)
			}
		}
		// As of 2026-10-20, 20 of the period's 30 days are gone: pace for 16
		// is 10.7 days.
		rec("met", closedOctober(17, rules.CodeLine{Code: "99454", Units: 1, DOS: d("2026-10-30")}), Record{})
		rec("on-pace", octoberResult(12, 16, 10, true, 5), Record{})
		rec("behind-a", octoberResult(8, 16, 10, true, 0), Record{}) // slack 2
		rec("behind-b", octoberResult(9, 16, 10, true, 0), Record{}) // slack 3
		rec("out-of-reach", octoberResult(3, 2, 10, true, 0), Record{})
		rec("unevaluated", nil, Record{NotEvaluated: "The patient has no time zone."})
		// Another month only: not on October's list.
		sep := closedOctober(17)
		sep.Periods[0].Window = rules.Window{Kind: rules.Period30, Start: d("2026-08-01"), End: d("2026-08-30")}
		sep.Months[0].Window = rules.Window{Kind: rules.CalendarMonth, Start: d("2026-08-01"), End: d("2026-08-31")}
		rec("august", sep, Record{})

		all, err := s.Worklist(ctx, WorklistQuery{Tenant: "t1", Month: d("2026-10-01")})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rowIDs(all), "behind-a,behind-b,on-pace,out-of-reach,met,unevaluated"; got != want {
			t.Fatalf("order %s, want %s", got, want)
		}
		if r := all[0]; r.Period == nil || r.Period.Days != 8 || r.Month == nil || r.Rank != RankBehind || len(r.Period.DayCounts) != 8 {
			t.Errorf("first row %+v", r)
		}
		if r := all[4]; r.Rank != RankMet || codes(r.Lines) != "99454" {
			t.Errorf("met row rank %d lines %q", r.Rank, codes(r.Lines))
		}
		if r := all[5]; r.Rank != RankNotEvaluated || r.NotEvaluated == "" || r.Period != nil {
			t.Errorf("not evaluated row %+v", r)
		}
		page, err := s.Worklist(ctx, WorklistQuery{Tenant: "t1", Month: d("2026-10-31"), Offset: 2, Limit: 2})
		if err != nil || rowIDs(page) != "on-pace,out-of-reach" {
			t.Errorf("page 2: %s, %v", rowIDs(page), err)
		}
		for f, want := range map[WorklistFilter]string{FilterNeedsAction: "behind-a,behind-b,on-pace",
			FilterBillable: "met", FilterNotEvaluated: "unevaluated"} {
			rows, err := s.Worklist(ctx, WorklistQuery{Tenant: "t1", Month: d("2026-10-01"), Filter: f})
			if err != nil || rowIDs(rows) != want {
				t.Errorf("filter %s: %s, %v (want %s)", f, rowIDs(rows), err, want)
			}
		}
		if _, err := s.Worklist(ctx, WorklistQuery{Tenant: "t1", Month: d("2026-10-01"), Filter: "bogus"}); err == nil {
			t.Error("an unknown filter was accepted")
		}
		sum, err := s.Summary(ctx, "t1", d("2026-10-01"))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Patients != 6 || sum.NeedsAction != 3 || sum.Billable != 1 || sum.NotEvaluated != 1 || sum.Lines != 1 || sum.Units["99454"] != 1 {
			t.Errorf("summary %+v", sum)
		}
		for _, f := range []WorklistFilter{FilterAll, FilterBillable} {
			_, psum, err := s.WorklistPage(ctx, WorklistQuery{Tenant: "t1", Month: d("2026-10-01"), Filter: f, Limit: 2})
			if err != nil || psum.Patients != sum.Patients || psum.NeedsAction != sum.NeedsAction || psum.Billable != sum.Billable ||
				psum.NotEvaluated != sum.NotEvaluated || psum.Lines != sum.Lines || psum.Units["99454"] != 1 {
				t.Errorf("WorklistPage(%q) summary %+v, %v; Summary %+v", f, psum, err, sum)
			}
		}
		if _, psum, err := s.WorklistPage(ctx, WorklistQuery{Tenant: "t1", Month: d("2026-10-01"), Offset: 50}); err != nil || psum.Patients != 6 {
			t.Errorf("WorklistPage past the end: %+v, %v", psum, err)
		}
		months, err := s.MonthsWithResults(ctx, "t1")
		if err != nil || len(months) != 2 || months[0] != d("2026-10-01") || months[1] != d("2026-08-01") {
			t.Errorf("months %v, %v", months, err)
		}
		if ok, err := s.HasMonth(ctx, "t1", d("2026-09-15")); ok || err != nil {
			t.Errorf("HasMonth September = %v, %v", ok, err)
		}
		if ok, err := s.HasMonth(ctx, "t1", d("2026-10-15")); !ok || err != nil {
			t.Errorf("HasMonth October = %v, %v", ok, err)
		}
	})
}

func TestApprovalIsTakenBackWhenALaterEvaluationChangesTheLine(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		line := rules.CodeLine{Code: "99454", Units: 1, DOS: d("2026-10-30")}
		if err := s.RecordEvaluation(ctx, "t1", "p1", closedOctober(17, line), Record{}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordEvaluation(ctx, "t1", "p2", octoberResult(8, 16, 10, true, 0), Record{}); err != nil {
			t.Fatal(err)
		}
		lines, _ := s.CodeLines(ctx, LineFilter{Tenant: "t1", PatientID: "p1"})
		if len(lines) != 1 || lines[0].State != StateBillable {
			t.Fatalf("lines %+v", lines)
		}
		id := lines[0].LineID
		if _, err := s.Approve(ctx, "t1", "p2", []string{id}, "dr-a"); !errors.Is(err, ErrNotBillable) {
			t.Errorf("approving another patient's line: %v", err)
		}
		if n, err := s.Approve(ctx, "t1", "p1", []string{id}, "dr-a"); n != 1 || err != nil {
			t.Fatalf("Approve = %d, %v", n, err)
		}
		if n, err := s.Approve(ctx, "t1", "p1", []string{id}, "dr-a"); n != 0 || err != nil {
			t.Errorf("approving again = %d, %v", n, err)
		}
		state := func() State {
			t.Helper()
			ls, err := s.CodeLines(ctx, LineFilter{Tenant: "t1", PatientID: "p1"})
			if err != nil || len(ls) != 1 {
				t.Fatalf("lines %v, %v", ls, err)
			}
			return ls[0].State
		}
		// The same evaluation again: the approval stands.
		if err := s.RecordEvaluation(ctx, "t1", "p1", closedOctober(17, line), Record{}); err != nil {
			t.Fatal(err)
		}
		sos, _ := s.SignOffs(ctx, "t1", "p1")
		if state() != StateApproved || len(sos) != 1 || !sos[0].RevokedAt.IsZero() || sos[0].Signer != "dr-a" {
			t.Fatalf("after an unchanged evaluation: %s, %+v", state(), sos)
		}
		// A later evaluation changes the line's date of service.
		changed := line
		changed.DOS = d("2026-10-29")
		if err := s.RecordEvaluation(ctx, "t1", "p1", closedOctober(17, changed), Record{}); err != nil {
			t.Fatal(err)
		}
		sos, _ = s.SignOffs(ctx, "t1", "p1")
		if state() != StateBillable || len(sos) != 1 || sos[0].RevokedAt.IsZero() || sos[0].RevokedBy != RevokedByEvaluation {
			t.Fatalf("after a changed evaluation: %s, %+v", state(), sos)
		}
		// Approved again, then withdrawn by an evaluation without the line.
		if n, err := s.Approve(ctx, "t1", "p1", []string{id}, "dr-b"); n != 1 || err != nil {
			t.Fatalf("Approve = %d, %v", n, err)
		}
		if err := s.RecordEvaluation(ctx, "t1", "p1", closedOctober(15), Record{}); err != nil {
			t.Fatal(err)
		}
		sos, _ = s.SignOffs(ctx, "t1", "p1")
		if state() != StateWithdrawn || len(sos) != 2 || sos[1].RevokedBy != RevokedByEvaluation {
			t.Fatalf("after a withdrawing evaluation: %s, %+v", state(), sos)
		}
		if err := s.Reject(ctx, "t1", "p1", id, "dr-b", "not ours"); !errors.Is(err, ErrNotBillable) {
			t.Errorf("rejecting a withdrawn line: %v", err)
		}
		// Back, approved, rejected with a reason: billable again.
		if err := s.RecordEvaluation(ctx, "t1", "p1", closedOctober(17, line), Record{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Approve(ctx, "t1", "p1", []string{id}, "dr-b"); err != nil {
			t.Fatal(err)
		}
		if err := s.Reject(ctx, "t1", "p1", id, "dr-c", " "); err == nil {
			t.Error("a rejection without a reason was accepted")
		}
		if err := s.Reject(ctx, "t1", "p1", id, "dr-c", "device returned in September"); err != nil {
			t.Fatal(err)
		}
		sos, _ = s.SignOffs(ctx, "t1", "p1")
		last := sos[len(sos)-1]
		if state() != StateBillable || last.Decision != DecisionRejected || last.Reason != "device returned in September" ||
			sos[len(sos)-2].RevokedBy != "dr-c" {
			t.Errorf("after a rejection: %s, %+v", state(), sos)
		}
	})
}

func TestRequireApprovalIsStoredForTheExport(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if on, err := s.RequireApproval(ctx); on || err != nil {
			t.Fatalf("default %v, %v", on, err)
		}
		for _, want := range []bool{true, false, true} {
			if err := s.SetRequireApproval(ctx, want); err != nil {
				t.Fatal(err)
			}
			if on, err := s.RequireApproval(ctx); on != want || err != nil {
				t.Errorf("RequireApproval = %v, %v; want %v", on, err, want)
			}
		}
	})
}

func TestSessionsExpireAndEnd(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		se := UISession{IDHash: "h1", Label: "nurse", Role: "read", CSRF: "c1", ExpiresAt: testNow.Add(3600e9)}
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, UISession{IDHash: "h2", Label: "old", Role: "write", CSRF: "c2", ExpiresAt: testNow.Add(-1)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Session(ctx, "h1")
		if err != nil || got.Label != "nurse" || got.Role != "read" || got.CSRF != "c1" {
			t.Fatalf("Session = %+v, %v", got, err)
		}
		if _, err := s.Session(ctx, "h2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an expired session: %v", err)
		}
		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "h1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a deleted session: %v", err)
		}
	})
}

// A store caches a month's ranking until the next recording (ranking): a
// recording through another store on the same database (another replica)
// makes it stale at once, and what the page shows after any change is
// what a store with no cache reads. Sign-offs and exports leave the
// ranking as it is but show in the page's lines and header at once.
func TestTheCachedRankingIsNeverStale(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		writer := openTest(t, dsn, Options{Now: fixedClock})
		reader := openTest(t, dsn, Options{Now: fixedClock})
		oct := d("2026-10-01")
		record := func(id string, res *rules.Result) {
			t.Helper()
			if err := writer.RecordEvaluation(ctx, "t1", id, res, Record{Patient: PatientInfo{DisplayName: "Name " + id}}); err != nil {
				t.Fatal(err)
			}
		}
		// page is the reader's first page and header, with each row's rank
		// and line states.
		page := func(s *Store, f WorklistFilter) string {
			t.Helper()
			rows, sum, err := s.WorklistPage(ctx, WorklistQuery{Tenant: "t1", Month: oct, Filter: f})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%+v\n", sum)
			for _, r := range rows {
				fmt.Fprintf(&b, "%s %s %d", r.PatientID, r.DisplayName, r.Rank)
				for _, l := range r.Lines {
					fmt.Fprintf(&b, " %s:%s", l.Code, l.State)
				}
				b.WriteString("\n")
			}
			return b.String()
		}
		check := func(step string) {
			t.Helper()
			fresh := openTest(t, dsn, Options{Now: fixedClock})
			defer fresh.Close()
			for _, f := range []WorklistFilter{FilterAll, FilterNeedsAction, FilterBillable, FilterNotEvaluated} {
				if got, want := page(reader, f), page(fresh, f); got != want {
					t.Errorf("%s, filter %q: the caching store shows\n%s\na new store\n%s", step, f, got, want)
				}
			}
		}
		line := rules.CodeLine{Code: "99454", Units: 1, DOS: d("2026-10-30")}
		record("a", octoberResult(8, 16, 10, true, 0))
		record("b", octoberResult(12, 16, 10, true, 5))
		check("first")
		first := page(reader, FilterAll)
		record("b", closedOctober(17, line)) // b moves from on pace to met, billable
		check("b met")
		if page(reader, FilterAll) == first {
			t.Fatal("the recording did not change the page")
		}
		record("c", nil) // not evaluated
		check("c not evaluated")
		lines, err := writer.CodeLines(ctx, LineFilter{Tenant: "t1", PatientID: "b"})
		if err != nil || len(lines) != 1 {
			t.Fatalf("lines %v, %v", lines, err)
		}
		before := page(reader, FilterAll)
		if n, err := writer.Approve(ctx, "t1", "b", []string{lines[0].LineID}, "dr-a"); n != 1 || err != nil {
			t.Fatalf("Approve = %d, %v", n, err)
		}
		check("approved")
		if page(reader, FilterAll) == before || !strings.Contains(page(reader, FilterAll), "99454:approved") {
			t.Errorf("the approval does not show:\n%s", page(reader, FilterAll))
		}
		record("b", closedOctober(12)) // b falls out of reach: the line is withdrawn
		check("b withdrawn")
	})
}
