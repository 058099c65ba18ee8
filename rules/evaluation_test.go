package rules_test

import (
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestAnchor(t *testing.T) {
	first := reading("Observation/first", at(day(2025, 3, 7), 8, 0, newYork))
	tests := []struct {
		name       string
		enrolled   rules.Date
		episode    rules.Date
		wantAnchor rules.Date
		wantSource string
	}{
		{name: "R-PER-2 the enrollment date anchors first", enrolled: day(2025, 3, 1), episode: day(2025, 2, 1), wantAnchor: day(2025, 3, 1), wantSource: "enrollment"},
		{name: "R-PER-2 else the RPM episode's start", enrolled: rules.NoDate, episode: day(2025, 2, 1), wantAnchor: day(2025, 2, 1), wantSource: "episode"},
		{name: "R-PER-2 else the first qualifying reading", enrolled: rules.NoDate, episode: rules.NoDate, wantAnchor: day(2025, 3, 7), wantSource: "first-reading"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(newYork, day(2025, 6, 1))
			req.Enrollment, req.EpisodeStart = tc.enrolled, tc.episode
			req.Readings = []rules.Reading{
				with([]rules.Reading{reading("Observation/manual", at(day(2025, 3, 3), 8, 0, newYork))}, func(r *rules.Reading) { r.FromDevice = false })[0],
				first,
			}
			res := evaluate(t, req, rules.MonthScope(2025, time.March))
			if res.Anchor != tc.wantAnchor || res.AnchorSource != tc.wantSource {
				t.Errorf("anchor = %s %q, want %s %q", res.Anchor, res.AnchorSource, tc.wantAnchor, tc.wantSource)
			}
		})
	}
}

func TestNoStretching(t *testing.T) {
	t.Run("R-PER-2 20 dates split 10/10 across two periods give neither a code", func(t *testing.T) {
		req := newRequest(newYork, day(2025, 6, 1))
		req.Enrollment = day(2025, 3, 1)
		req.Readings = daily("Observation/d", newYork, day(2025, 3, 21), 20, 8, 0) // 21 March - 9 April
		var got []string
		for _, d := range []rules.Date{day(2025, 3, 21), day(2025, 4, 9)} {
			got = append(got, periodLine(evaluate(t, req, rules.DateScope(d)).Periods[0]))
		}
		want := []string{
			"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 10 days []",
			"period #1 2025-03-31..2025-04-29 cms-pfs-2021: 10 days []",
		}
		if d := diff(want, got); d != "" {
			t.Errorf("periods mismatch (-want +got):\n%s", d)
		}
	})
}

func TestWindowKinds(t *testing.T) {
	t.Run("R-PER-1 device codes use 30-day periods, time codes calendar months", func(t *testing.T) {
		req := newRequest(newYork, day(2025, 6, 1))
		req.Enrollment = day(2025, 3, 17)
		res := evaluate(t, req, rules.DateScope(day(2025, 4, 2)))
		p, m := res.Periods[0].Window, res.Months[0].Window
		if p.Kind != rules.Period30 || p.Len() != 30 || p.Start != day(2025, 3, 17) {
			t.Errorf("period window = %+v, want a 30-day period from 2025-03-17", p)
		}
		if m.Kind != rules.CalendarMonth || m.Start != day(2025, 4, 1) || m.End != day(2025, 4, 30) {
			t.Errorf("month window = %+v, want April 2025", m)
		}
	})
}

// openPeriod is a period #0 from 1 March 2025 (or 2026) evaluated on asOf.
func openPeriod(t *testing.T, year int, asOf rules.Date, readings []rules.Reading) rules.PeriodResult {
	t.Helper()
	req := newRequest(newYork, asOf)
	req.Enrollment = day(year, 3, 1)
	req.Readings = readings
	return evaluate(t, req, rules.DateScope(day(year, 3, 1))).Periods[0]
}

func TestOpenPeriodProgress(t *testing.T) {
	tests := []struct {
		name      string
		year      int
		asOf      rules.Date
		readings  []rules.Reading
		want      rules.Progress
		wantLines string
	}{
		{name: "R-PER-5 12 of 16 days, 4 needed, 9 days left",
			year: 2025, asOf: day(2025, 3, 21), readings: daily("Observation/d", newYork, day(2025, 3, 10), 12, 8, 0),
			want: rules.Progress{Have: 12, Need: 16, Missing: 4, DaysLeft: 9, Reachable: true}},
		{name: "R-PER-5 3 of 16 days with 9 days left cannot be reached",
			year: 2025, asOf: day(2025, 3, 21), readings: daily("Observation/d", newYork, day(2025, 3, 19), 3, 8, 0),
			want: rules.Progress{Have: 3, Need: 16, Missing: 13, DaysLeft: 9, Reachable: false}},
		{name: "R-PER-5 on the last day without a reading yet, the last missing day is still reachable",
			year: 2025, asOf: day(2025, 3, 30), readings: daily("Observation/d", newYork, day(2025, 3, 1), 15, 8, 0),
			want: rules.Progress{Have: 15, Need: 16, Missing: 1, DaysLeft: 0, Reachable: true}},
		{name: "R-PER-5 on the last day that already has a reading, a missing day is out of reach",
			year: 2025, asOf: day(2025, 3, 30), readings: daily("Observation/d", newYork, day(2025, 3, 16), 15, 8, 0),
			want: rules.Progress{Have: 15, Need: 16, Missing: 1, DaysLeft: 0, Reachable: false}},
		{name: "R-PER-5 16 days already met in an open period are provisional, not billable",
			year: 2025, asOf: day(2025, 3, 20), readings: daily("Observation/d", newYork, day(2025, 3, 1), 16, 8, 0),
			want: rules.Progress{Have: 16, Need: 16, Missing: 0, DaysLeft: 10, Reachable: true}, wantLines: "99453? 99454?"},
		{name: "R-PER-5 2026: when 16 days are out of reach the 2 days of 99445 are aimed at",
			year: 2026, asOf: day(2026, 3, 25), readings: nil,
			want: rules.Progress{Have: 0, Need: 2, Missing: 2, DaysLeft: 5, Reachable: true}},
		{name: "R-PER-5 2026: a provisional 99445 while 16 days are still reachable",
			year: 2026, asOf: day(2026, 3, 10), readings: daily("Observation/d", newYork, day(2026, 3, 1), 10, 8, 0),
			want: rules.Progress{Have: 10, Need: 16, Missing: 6, DaysLeft: 20, Reachable: true}, wantLines: "99445?"},
		{name: "R-PER-5 a period that has not started yet has every day left",
			year: 2025, asOf: day(2025, 2, 20), readings: nil,
			want: rules.Progress{Have: 0, Need: 16, Missing: 16, DaysLeft: 30, Reachable: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := openPeriod(t, tc.year, tc.asOf, tc.readings)
			if !p.Provisional || p.Progress == nil {
				t.Fatalf("Provisional, Progress = %t, %v; want an open period with progress", p.Provisional, p.Progress)
			}
			if d := diff(tc.want, *p.Progress); d != "" {
				t.Errorf("progress mismatch (-want +got):\n%s", d)
			}
			if got := codes(p.Lines); got != tc.wantLines {
				t.Errorf("lines = %q, want %q", got, tc.wantLines)
			}
			if b := p.Billable(); len(b) != 0 {
				t.Errorf("Billable() = %v, want nothing while the period is open", b)
			}
		})
	}
}

func TestOpenOrClosed(t *testing.T) {
	tests := []struct {
		name     string
		asOf     rules.Date
		wantOpen bool
	}{
		{name: "R-PER-5 a run on the period's last day is still open", asOf: day(2025, 3, 30), wantOpen: true},
		{name: "R-PER-5 a run the day after the period's last day is closed", asOf: day(2025, 3, 31), wantOpen: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := openPeriod(t, 2025, tc.asOf, daily("Observation/d", newYork, day(2025, 3, 1), 16, 8, 0))
			if p.Provisional != tc.wantOpen || (p.Progress != nil) != tc.wantOpen {
				t.Errorf("Provisional, has progress = %t, %t; want %t", p.Provisional, p.Progress != nil, tc.wantOpen)
			}
			if got := len(p.Billable()); (got == 0) != tc.wantOpen {
				t.Errorf("%d billable lines, open = %t", got, tc.wantOpen)
			}
		})
	}
}

func TestOpenMonthProgress(t *testing.T) {
	tests := []struct {
		name      string
		work      []rules.Interaction
		want      rules.Progress
		wantLines string
	}{
		{name: "R-PER-5 12 minutes of review without a call still need an interactive communication",
			work: []rules.Interaction{work("Communication/review", aprilAt(2025, 3, 9, 0), 12*time.Minute, rules.MediumWritten)},
			want: rules.Progress{Have: 12, Need: 20, Missing: 8, DaysLeft: 10, Reachable: true, NeedsInteractive: true}},
		{name: "R-PER-5 25 minutes with a call are a provisional 99457, not billable",
			work:      []rules.Interaction{call("Communication/call", aprilAt(2025, 3, 9, 0), 25*time.Minute)},
			want:      rules.Progress{Have: 25, Need: 20, Missing: 0, DaysLeft: 10, Reachable: true},
			wantLines: "99457?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := aprilPatient(2025, tc.work...)
			req.AsOf = day(2025, 4, 20)
			m := april(t, req, 2025)
			if !m.Provisional || m.Progress == nil {
				t.Fatalf("Provisional, Progress = %t, %v; want an open month with progress", m.Provisional, m.Progress)
			}
			if d := diff(tc.want, *m.Progress); d != "" {
				t.Errorf("progress mismatch (-want +got):\n%s", d)
			}
			if got := codes(m.Lines); got != tc.wantLines {
				t.Errorf("lines = %q, want %q", got, tc.wantLines)
			}
			if b := m.Billable(); len(b) != 0 {
				t.Errorf("Billable() = %v, want nothing while the month is open", b)
			}
		})
	}
}
