package rules_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// marchPatient is a New York patient enrolled on 2025-03-01 whose first
// period (1–30 March) has closed.
func marchPatient(readings ...rules.Reading) rules.Request {
	req := newRequest(newYork, day(2025, 4, 15))
	req.Enrollment = day(2025, 3, 1)
	req.Readings = readings
	return req
}

// firstPeriod evaluates the period containing 2025-03-10.
func firstPeriod(t *testing.T, req rules.Request) (*rules.Result, rules.PeriodResult) {
	t.Helper()
	res := evaluate(t, req, rules.DateScope(day(2025, 3, 10)))
	if len(res.Periods) != 1 {
		t.Fatalf("got %d periods, want 1", len(res.Periods))
	}
	return res, res.Periods[0]
}

func TestQualifyingReading(t *testing.T) {
	preliminaryOn := rules.DefaultPolicy()
	preliminaryOn.CountPreliminary = true
	tests := []struct {
		name        string
		change      func(*rules.Reading)
		policy      rules.Policy
		wantDays    int
		wantFinding string
	}{
		{name: "R-DAY-1 a final reading from a device counts", change: func(*rules.Reading) {}, wantDays: 1},
		{name: "R-DAY-1 an amended reading counts", change: func(r *rules.Reading) { r.Status = rules.StatusAmended }, wantDays: 1},
		{name: "R-DAY-1 a corrected reading counts", change: func(r *rules.Reading) { r.Status = rules.StatusCorrected }, wantDays: 1},
		{name: "R-DAY-1 a preliminary reading does not count by default",
			change: func(r *rules.Reading) { r.Status = rules.StatusPreliminary }, wantFinding: "reading-status"},
		{name: "R-DAY-1 a preliminary reading counts under count_preliminary",
			change: func(r *rules.Reading) { r.Status = rules.StatusPreliminary }, policy: preliminaryOn, wantDays: 1},
		{name: "R-DAY-1 a registered or cancelled reading does not count",
			change: func(r *rules.Reading) { r.Status = rules.StatusOther }, wantFinding: "reading-status"},
		{name: "R-DAY-1 an entered-in-error reading does not count",
			change: func(r *rules.Reading) { r.Status = rules.StatusEnteredInError }, wantFinding: "reading-entered-in-error"},
		{name: "R-DAY-1 a self-reported reading without a device does not count",
			change: func(r *rules.Reading) { r.FromDevice = false; r.Device = "" }, wantFinding: "reading-not-from-device"},
		{name: "R-DAY-1 a reading with only a data-absent reason does not count",
			change: func(r *rules.Reading) { r.HasValue = false }, wantFinding: "reading-no-value"},
		{name: "R-DAY-1 a reading marked as test data does not count",
			change: func(r *rules.Reading) { r.Test = true }, wantFinding: "reading-test-data"},
		{name: "R-DAY-1 test data does not count even under count_preliminary",
			change: func(r *rules.Reading) { r.Test = true; r.Status = rules.StatusPreliminary }, policy: preliminaryOn, wantFinding: "reading-test-data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := reading("Observation/1", at(day(2025, 3, 5), 9, 0, newYork))
			tc.change(&r)
			req := marchPatient(r)
			if tc.policy != (rules.Policy{}) {
				req.Policy = tc.policy
			}
			_, p := firstPeriod(t, req)
			if p.Days != tc.wantDays {
				t.Errorf("Days = %d, want %d", p.Days, tc.wantDays)
			}
			var got []string
			for _, c := range findingCodes(p.Findings) {
				if c == tc.wantFinding {
					got = append(got, c)
				}
			}
			if tc.wantFinding != "" && len(got) != 1 {
				t.Errorf("findings %v lack %q", findingCodes(p.Findings), tc.wantFinding)
			}
		})
	}
}

func TestDistinctLocalDates(t *testing.T) {
	t.Run("R-DAY-2 40 readings on 10 dates are 10 days", func(t *testing.T) {
		var rs []rules.Reading
		for d := range 10 {
			for h := range 4 {
				rs = append(rs, reading(fmt.Sprintf("Observation/%d-%d", d, h), at(day(2025, 3, 1+d), 6+4*h, 0, newYork)))
			}
		}
		_, p := firstPeriod(t, marchPatient(rs...))
		if p.Days != 10 {
			t.Errorf("Days = %d, want 10", p.Days)
		}
		for _, e := range p.Evidence {
			if len(e.Refs) != 4 {
				t.Errorf("%s cites %d readings, want 4", e.Date, len(e.Refs))
			}
		}
	})
}

func TestDevicesArePooled(t *testing.T) {
	tests := []struct {
		name     string
		readings []rules.Reading
		wantDays int
	}{
		{
			name: "R-DAY-3 two devices on the same date make one day",
			readings: []rules.Reading{
				with([]rules.Reading{reading("Observation/bp", at(day(2025, 3, 5), 8, 0, newYork))}, func(r *rules.Reading) { r.Device = "Device/bp" })[0],
				with([]rules.Reading{reading("Observation/wt", at(day(2025, 3, 5), 9, 0, newYork))}, func(r *rules.Reading) { r.Device = "Device/scale" })[0],
			},
			wantDays: 1,
		},
		{
			name: "R-DAY-3 a cuff on 8 dates and a scale on 8 other dates make 16 days",
			readings: append(
				with(daily("Observation/bp", newYork, day(2025, 3, 1), 8, 8, 0), func(r *rules.Reading) { r.Device = "Device/bp" }),
				with(daily("Observation/wt", newYork, day(2025, 3, 9), 8, 8, 0), func(r *rules.Reading) { r.Device = "Device/scale" })...),
			wantDays: 16,
		},
		{
			name: "R-DAY-3 a reading of an unknown device still counts when it was transmitted by one",
			readings: with([]rules.Reading{reading("Observation/x", at(day(2025, 3, 5), 8, 0, newYork))},
				func(r *rules.Reading) { r.Device = "" }),
			wantDays: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, p := firstPeriod(t, marchPatient(tc.readings...)); p.Days != tc.wantDays {
				t.Errorf("Days = %d, want %d", p.Days, tc.wantDays)
			}
		})
	}
}

func TestLocalCalendar(t *testing.T) {
	utc := time.Date(2025, 3, 6, 3, 30, 0, 0, time.UTC) // 22:30 on 5 March in New York
	tests := []struct {
		name      string
		loc       *time.Location
		reading   rules.Reading
		wantDates []rules.Date
	}{
		{name: "R-DAY-4 an instant falls on its date in the patient's zone (New York)",
			loc: newYork, reading: reading("Observation/1", utc), wantDates: []rules.Date{day(2025, 3, 5)}},
		{name: "R-DAY-4 the same instant falls on the next date for a patient in Berlin",
			loc: berlin, reading: reading("Observation/1", utc), wantDates: []rules.Date{day(2025, 3, 6)}},
		{name: "R-DAY-4 an instant with a foreign offset is converted to the patient's zone",
			loc: newYork, reading: reading("Observation/1", time.Date(2025, 3, 6, 4, 30, 0, 0, berlin)), wantDates: []rules.Date{day(2025, 3, 5)}},
		{name: "R-DAY-4 a date without a time is already local and used as is",
			loc: berlin, reading: func() rules.Reading {
				r := reading("Observation/1", time.Time{})
				r.Date = day(2025, 3, 5)
				return r
			}(), wantDates: []rules.Date{day(2025, 3, 5)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := marchPatient(tc.reading)
			req.Location = tc.loc
			_, p := firstPeriod(t, req)
			var got []rules.Date
			for _, e := range p.Evidence {
				got = append(got, e.Date)
			}
			if d := diff(tc.wantDates, got); d != "" {
				t.Errorf("evidence dates mismatch (-want +got):\n%s", d)
			}
		})
	}

	t.Run("R-DAY-4 a reading that cannot be placed on a day is reported, not guessed", func(t *testing.T) {
		r := reading("Observation/year-only", time.Time{}) // a dateTime of "2025" only
		res, p := firstPeriod(t, marchPatient(r))
		if p.Days != 0 {
			t.Errorf("Days = %d, want 0", p.Days)
		}
		if got := findingCodes(res.Findings); !contains(got, "reading-no-date") {
			t.Errorf("patient findings %v lack reading-no-date", got)
		}
	})
}

func TestDuplicateReadings(t *testing.T) {
	t.Run("R-DAY-5 a reading re-sent three times counts once and is cited once", func(t *testing.T) {
		r := reading("Observation/1", at(day(2025, 3, 5), 9, 0, newYork))
		_, p := firstPeriod(t, marchPatient(r, r, r))
		want := []rules.DayEvidence{{Date: day(2025, 3, 5), Refs: []string{"Observation/1"}}}
		if d := diff(want, p.Evidence); d != "" {
			t.Errorf("evidence mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-DAY-5 a reading re-sent with a later time counts once on its earliest date", func(t *testing.T) {
		req := marchPatient(
			reading("Observation/1", at(day(2025, 4, 2), 9, 0, newYork)),
			reading("Observation/1", at(day(2025, 3, 29), 9, 0, newYork)),
		)
		first, _ := rules.Evaluate(req, rules.DateScope(day(2025, 3, 29)))
		second, _ := rules.Evaluate(req, rules.DateScope(day(2025, 4, 2)))
		if first.Periods[0].Days != 1 || second.Periods[0].Days != 0 {
			t.Errorf("days (period 1, period 2) = (%d, %d), want (1, 0)", first.Periods[0].Days, second.Periods[0].Days)
		}
	})
	t.Run("R-DAY-5 an entered-in-error copy withdraws every copy of the same reading", func(t *testing.T) {
		ok := reading("Observation/1", at(day(2025, 3, 5), 9, 0, newYork))
		withdrawn := ok
		withdrawn.Status = rules.StatusEnteredInError
		for _, order := range [][]rules.Reading{{ok, withdrawn}, {withdrawn, ok}} {
			if _, p := firstPeriod(t, marchPatient(order...)); p.Days != 0 {
				t.Errorf("Days = %d, want 0", p.Days)
			}
		}
	})
	t.Run("R-DAY-5 readings without a reference are separate readings and cite nothing", func(t *testing.T) {
		a := reading("", at(day(2025, 3, 5), 9, 0, newYork))
		b := reading("", at(day(2025, 3, 6), 9, 0, newYork))
		_, p := firstPeriod(t, marchPatient(a, b))
		want := []rules.DayEvidence{{Date: day(2025, 3, 5)}, {Date: day(2025, 3, 6)}}
		if d := diff(want, p.Evidence); d != "" {
			t.Errorf("evidence mismatch (-want +got):\n%s", d)
		}
	})
}

func TestDayEvidence(t *testing.T) {
	t.Run("R-DAY-6 evidence says which readings made which day, sorted", func(t *testing.T) {
		req := marchPatient(
			reading("Observation/c", at(day(2025, 3, 2), 9, 0, newYork)),
			reading("Observation/b", at(day(2025, 3, 1), 20, 0, newYork)),
			reading("Observation/a", at(day(2025, 3, 1), 7, 0, newYork)),
			with([]rules.Reading{reading("Observation/manual", at(day(2025, 3, 3), 9, 0, newYork))},
				func(r *rules.Reading) { r.FromDevice = false })[0],
		)
		_, p := firstPeriod(t, req)
		want := []rules.DayEvidence{
			{Date: day(2025, 3, 1), Refs: []string{"Observation/a", "Observation/b"}},
			{Date: day(2025, 3, 2), Refs: []string{"Observation/c"}},
		}
		if d := diff(want, p.Evidence); d != "" {
			t.Errorf("evidence mismatch (-want +got):\n%s", d)
		}
	})
}
