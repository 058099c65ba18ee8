package rules_test

import (
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// evidenceDates lists the dates of a period's day evidence.
func evidenceDates(p rules.PeriodResult) []string {
	var out []string
	for _, e := range p.Evidence {
		out = append(out, e.Date.String())
	}
	return out
}

func TestMidnightBoundary(t *testing.T) {
	t.Run("R-DAY-4 R-PER-2 23:59 on a period's last day counts in it and 00:00 the next day in the next period", func(t *testing.T) {
		req := newRequest(newYork, day(2025, 6, 1))
		req.Enrollment = day(2025, 3, 1)
		req.Readings = []rules.Reading{
			reading("Observation/2359", at(day(2025, 3, 30), 23, 59, newYork)),
			reading("Observation/0000", at(day(2025, 3, 31), 0, 0, newYork)),
		}
		var got []string
		for _, d := range []rules.Date{day(2025, 3, 30), day(2025, 3, 31)} {
			p := evaluate(t, req, rules.DateScope(d)).Periods[0]
			got = append(got, p.Window.Start.String()+": "+p.Evidence[0].Refs[0]+" on "+p.Evidence[0].Date.String())
		}
		want := []string{"2025-03-01: Observation/2359 on 2025-03-30", "2025-03-31: Observation/0000 on 2025-03-31"}
		if d := diff(want, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-TIME-3 a call starting at 23:59 on the month's last day is interactive for that month only", func(t *testing.T) {
		req := aprilPatient(2025, call("Communication/1", aprilAt(2025, 30, 23, 59), 21*time.Minute))
		req.AsOf = day(2025, 6, 1)
		req.Readings = append(req.Readings, reading("Observation/may", at(day(2025, 5, 2), 8, 0, newYork)))
		var got []string
		for _, m := range []time.Month{time.April, time.May} {
			got = append(got, monthLine(evaluate(t, req, rules.MonthScope(2025, m)).Months[0]))
		}
		want := []string{"month 2025-04 cms-pfs-2021: 1 min interactive []", "month 2025-05 cms-pfs-2021: 20 min not interactive []"}
		if d := diff(want, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
}

func TestDaylightSavingTime(t *testing.T) {
	tests := []struct {
		name      string
		loc       *time.Location
		change    rules.Date
		hh, mm    int
		wantDates []string
	}{
		{name: "R-DAY-4 New York spring, readings at 00:30", loc: newYork, change: day(2026, 3, 8), hh: 0, mm: 30,
			wantDates: []string{"2026-03-07", "2026-03-08", "2026-03-09"}},
		{name: "R-DAY-4 New York spring, readings at 23:30", loc: newYork, change: day(2026, 3, 8), hh: 23, mm: 30,
			wantDates: []string{"2026-03-07", "2026-03-08", "2026-03-09"}},
		{name: "R-DAY-4 New York autumn, readings at 00:30", loc: newYork, change: day(2026, 11, 1), hh: 0, mm: 30,
			wantDates: []string{"2026-10-31", "2026-11-01", "2026-11-02"}},
		{name: "R-DAY-4 New York autumn, readings at 23:30", loc: newYork, change: day(2026, 11, 1), hh: 23, mm: 30,
			wantDates: []string{"2026-10-31", "2026-11-01", "2026-11-02"}},
		{name: "R-DAY-4 Berlin spring, readings at 00:30", loc: berlin, change: day(2026, 3, 29), hh: 0, mm: 30,
			wantDates: []string{"2026-03-28", "2026-03-29", "2026-03-30"}},
		{name: "R-DAY-4 Berlin spring, readings at 23:30", loc: berlin, change: day(2026, 3, 29), hh: 23, mm: 30,
			wantDates: []string{"2026-03-28", "2026-03-29", "2026-03-30"}},
		{name: "R-DAY-4 Berlin autumn, readings at 00:30", loc: berlin, change: day(2026, 10, 25), hh: 0, mm: 30,
			wantDates: []string{"2026-10-24", "2026-10-25", "2026-10-26"}},
		{name: "R-DAY-4 Berlin autumn, readings at 23:30", loc: berlin, change: day(2026, 10, 25), hh: 23, mm: 30,
			wantDates: []string{"2026-10-24", "2026-10-25", "2026-10-26"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(tc.loc, day(2027, 1, 1))
			req.Enrollment = tc.change.AddDays(-10)
			req.Readings = daily("Observation/d", tc.loc, tc.change.AddDays(-1), 3, tc.hh, tc.mm)
			p := evaluate(t, req, rules.DateScope(tc.change)).Periods[0]
			if d := diff(tc.wantDates, evidenceDates(p)); d != "" {
				t.Errorf("evidence dates mismatch (-want +got):\n%s", d)
			}
			if p.Window.Len() != 30 || p.Window.Start != req.Enrollment {
				t.Errorf("window %s..%s: a DST change must not move a boundary", p.Window.Start, p.Window.End)
			}
		})
	}
}

func TestInteractionAcrossDST(t *testing.T) {
	tests := []struct {
		name  string
		loc   *time.Location
		start time.Time
		dur   time.Duration
		month time.Month
		want  int
	}{
		{name: "R-TIME-2 New York spring: 01:30 for 60 min is 60 min though the clock says 03:30",
			loc: newYork, start: time.Date(2026, 3, 8, 1, 30, 0, 0, newYork), dur: time.Hour, month: time.March, want: 60},
		{name: "R-TIME-2 New York autumn: 01:00 EDT for 120 min is 120 min though the clock says 02:00",
			loc: newYork, start: time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), dur: 2 * time.Hour, month: time.November, want: 120},
		{name: "R-TIME-2 Berlin spring: 01:45 for 30 min is 30 min though the clock says 03:15",
			loc: berlin, start: time.Date(2026, 3, 29, 1, 45, 0, 0, berlin), dur: 30 * time.Minute, month: time.March, want: 30},
		{name: "R-TIME-2 Berlin autumn: 02:30 CEST for 60 min is 60 min though the clock says 02:30 again",
			loc: berlin, start: time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), dur: time.Hour, month: time.October, want: 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(tc.loc, day(2027, 1, 1))
			req.Readings = []rules.Reading{reading("Observation/r", at(day(2026, tc.month, 2), 8, 0, tc.loc))}
			req.Interactions = []rules.Interaction{call("Communication/1", tc.start, tc.dur)}
			m := evaluate(t, req, rules.MonthScope(2026, tc.month)).Months[0]
			if m.Minutes != tc.want {
				t.Errorf("Minutes = %d, want %d", m.Minutes, tc.want)
			}
		})
	}
}

func TestLeapDay(t *testing.T) {
	tests := []struct {
		name       string
		anchor     rules.Date
		wantWindow string
	}{
		{name: "R-PER-2 a 2024 period counts 29 February as one of its 30 dates", anchor: day(2024, 2, 15), wantWindow: "period #0 2024-02-15..2024-03-15 cms-pfs-2021: 30 days [99453 99454]"},
		{name: "R-PER-2 a 2028 period counts 29 February as one of its 30 dates", anchor: day(2028, 2, 15), wantWindow: "period #0 2028-02-15..2028-03-15 cms-pfs-2026: 30 days [99453 99454]"},
		{name: "R-PER-2 a 2028 period starting on 29 February", anchor: day(2028, 2, 29), wantWindow: "period #0 2028-02-29..2028-03-29 cms-pfs-2026: 30 days [99453 99454]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(newYork, day(2029, 1, 1))
			req.Enrollment = tc.anchor
			req.Readings = daily("Observation/d", newYork, tc.anchor, 31, 12, 0)
			if got := periodLine(evaluate(t, req, rules.DateScope(tc.anchor)).Periods[0]); got != tc.wantWindow {
				t.Errorf("period mismatch (-want +got):\n-%s\n+%s", tc.wantWindow, got)
			}
		})
	}
	for _, year := range []int{2024, 2028} {
		t.Run("R-TIME-3 R-DOS-1 a call on 29 February is split at the end of February "+time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), func(t *testing.T) {
			req := newRequest(newYork, day(year, 4, 1))
			req.Readings = []rules.Reading{
				reading("Observation/feb", at(day(year, 2, 29), 8, 0, newYork)),
				reading("Observation/mar", at(day(year, 3, 1), 8, 0, newYork)),
			}
			req.Interactions = []rules.Interaction{
				work("Communication/review", at(day(year, 2, 3), 9, 0, newYork), 15*time.Minute, rules.MediumNone),
				call("Communication/late", at(day(year, 2, 29), 23, 55, newYork), 10*time.Minute),
			}
			feb := evaluate(t, req, rules.MonthScope(year, time.February)).Months[0]
			mar := evaluate(t, req, rules.MonthScope(year, time.March)).Months[0]
			if feb.Window.End != day(year, 2, 29) || feb.Minutes != 20 || mar.Minutes != 5 {
				t.Errorf("February ends %s with %d min, March %d min; want 29 February, 20 and 5", feb.Window.End, feb.Minutes, mar.Minutes)
			}
			if len(feb.Lines) == 0 || feb.Lines[0].DOS != day(year, 2, 29) {
				t.Errorf("February lines %v, want a time code with DOS %d-02-29", feb.Lines, year)
			}
		})
	}
}

func TestMonthEnds(t *testing.T) {
	t.Run("R-DOS-1 MonthScope returns both periods ending in a 31-day month", func(t *testing.T) {
		req := newRequest(newYork, day(2025, 3, 1))
		req.Enrollment = day(2024, 12, 3)
		req.Readings = daily("Observation/d", newYork, day(2024, 12, 3), 60, 12, 0)
		res := evaluate(t, req, rules.MonthScope(2025, time.January))
		var got []string
		for _, p := range res.Periods {
			got = append(got, periodLine(p))
		}
		want := []string{
			"period #0 2024-12-03..2025-01-01 cms-pfs-2021: 30 days [99453 99454]",
			"period #1 2025-01-02..2025-01-31 cms-pfs-2021: 30 days [99454]",
		}
		if d := diff(want, got); d != "" {
			t.Errorf("periods mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-DOS-1 MonthScope of a February no period ends in says so", func(t *testing.T) {
		req := newRequest(newYork, day(2025, 4, 1))
		req.Enrollment = day(2025, 1, 2) // periods end 31 January and 2 March
		res := evaluate(t, req, rules.MonthScope(2025, time.February))
		if len(res.Periods) != 0 || !contains(findingCodes(res.Findings), "no-period-in-scope") {
			t.Errorf("periods, findings = %d, %v; want 0 and no-period-in-scope", len(res.Periods), findingCodes(res.Findings))
		}
	})
	t.Run("R-DOS-1 MonthScope of February 2026 returns the period ending on the 28th", func(t *testing.T) {
		req := newRequest(newYork, day(2026, 4, 1))
		req.Enrollment = day(2026, 1, 30)
		res := evaluate(t, req, rules.MonthScope(2026, time.February))
		if len(res.Periods) != 1 || res.Periods[0].Window.End != day(2026, 2, 28) {
			t.Errorf("periods = %+v, want one ending 2026-02-28", res.Periods)
		}
	})
}

func TestYearEnd(t *testing.T) {
	t.Run("R-DOS-3 R-TIME-3 a call across midnight on 31 December splits between rule sets", func(t *testing.T) {
		req := newRequest(newYork, day(2026, 2, 1))
		req.Readings = []rules.Reading{
			reading("Observation/dec", at(day(2025, 12, 2), 8, 0, newYork)),
			reading("Observation/jan", at(day(2026, 1, 2), 8, 0, newYork)),
		}
		req.Interactions = []rules.Interaction{
			work("Communication/review", at(day(2026, 1, 5), 9, 0, newYork), 5*time.Minute, rules.MediumNone),
			call("Communication/nye", at(day(2025, 12, 31), 23, 45, newYork), 30*time.Minute),
		}
		var got []string
		for _, s := range []rules.Scope{rules.MonthScope(2025, time.December), rules.MonthScope(2026, time.January)} {
			got = append(got, monthLine(evaluate(t, req, s).Months[0]))
		}
		want := []string{
			"month 2025-12 cms-pfs-2021: 15 min interactive []",
			"month 2026-01 cms-pfs-2026: 20 min not interactive []",
		}
		if d := diff(want, got); d != "" {
			t.Errorf("months mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-DOS-3 MonthScope of January 2026 judges the crossing period by 2026 and flags it", func(t *testing.T) {
		req := newRequest(newYork, day(2026, 2, 1))
		req.Enrollment = day(2025, 12, 15)
		req.Readings = daily("Observation/d", newYork, day(2025, 12, 15), 16, 12, 0)
		p := evaluate(t, req, rules.MonthScope(2026, time.January)).Periods[0]
		if got, want := periodLine(p), "period #0 2025-12-15..2026-01-13 cms-pfs-2026: 16 days [99453 99454]"; got != want {
			t.Errorf("period mismatch (-want +got):\n-%s\n+%s", want, got)
		}
		if !contains(findingCodes(p.Findings), "crosses-rule-set-boundary") {
			t.Errorf("findings %v lack crosses-rule-set-boundary", findingCodes(p.Findings))
		}
	})
}
