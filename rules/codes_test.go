package rules_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// secondPeriod returns the closed period #1 (1 February … 2 or 3 March) of
// an episode enrolled on 2 January of year, with readings on n dates from
// 1 February. Period #1 keeps 99453 (R-SET-1) out of the way.
func secondPeriod(t *testing.T, year, n int) rules.PeriodResult {
	t.Helper()
	req := newRequest(chicago, day(year, 6, 1))
	req.Enrollment = day(year, 1, 2)
	req.Readings = daily("Observation/d", chicago, day(year, 2, 1), n, 12, 0)
	res := evaluate(t, req, rules.DateScope(day(year, 2, 1)))
	if p := res.Periods[0]; p.Window.Index != 1 {
		t.Fatalf("period index = %d, want 1", p.Window.Index)
	}
	return res.Periods[0]
}

func TestDeviceCodes(t *testing.T) {
	tests := []struct {
		name string
		year int
		days int
		want string
	}{
		{name: "R-DEV-1 2021: 16 days give 99454", year: 2021, days: 16, want: "99454"},
		{name: "R-DEV-1 2025: 16 days give 99454", year: 2025, days: 16, want: "99454"},
		{name: "R-DEV-1 2025: 15 days give nothing", year: 2025, days: 15, want: ""},
		{name: "R-DEV-1 2025: 2 days give nothing, there is no 99445 before 2026", year: 2025, days: 2, want: ""},
		{name: "R-DEV-1 2025: 0 days give nothing", year: 2025, days: 0, want: ""},
		{name: "R-DEV-1 R-PER-3 2025: 30 days give one 99454", year: 2025, days: 30, want: "99454"},
		{name: "R-DEV-2 2026: 16 days give 99454", year: 2026, days: 16, want: "99454"},
		{name: "R-DEV-2 2026: 15 days give 99445", year: 2026, days: 15, want: "99445"},
		{name: "R-DEV-2 2026: 2 days give 99445", year: 2026, days: 2, want: "99445"},
		{name: "R-DEV-2 2026: 1 day gives nothing", year: 2026, days: 1, want: ""},
		{name: "R-DEV-2 2026: 0 days give nothing", year: 2026, days: 0, want: ""},
		{name: "R-DEV-2 R-PER-3 2026: 30 days give 99454 and never 99445 beside it", year: 2026, days: 30, want: "99454"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := secondPeriod(t, tc.year, tc.days)
			if p.Days != tc.days {
				t.Fatalf("Days = %d, want %d", p.Days, tc.days)
			}
			if got := codes(p.Lines); got != tc.want {
				t.Errorf("codes mismatch (-want +got):\n-%s\n+%s", tc.want, got)
			}
		})
	}
}

func TestAtMostOneDeviceCodePerPeriod(t *testing.T) {
	t.Run("R-PER-3 no day count gives both 99454 and 99445", func(t *testing.T) {
		for _, year := range []int{2025, 2026} {
			for n := 0; n <= 29; n++ {
				p := secondPeriod(t, year, n)
				supply := 0
				for _, l := range p.Lines {
					if l.Code == rules.CodeDevice16 || l.Code == rules.CodeDeviceShort {
						supply += l.Units
					}
				}
				if supply > 1 {
					t.Errorf("%d, %d days: %d device-supply units (%s), want at most 1", year, n, supply, codes(p.Lines))
				}
			}
		}
	})
}

func TestSetupOncePerEpisode(t *testing.T) {
	t.Run("R-SET-1 99453 is billed in the first period only, however many devices and periods", func(t *testing.T) {
		req := newRequest(chicago, day(2025, 6, 1))
		req.Enrollment = day(2025, 1, 1)
		req.Readings = append(
			with(daily("Observation/bp", chicago, day(2025, 1, 1), 60, 8, 0), func(r *rules.Reading) { r.Device = "Device/bp" }),
			with(daily("Observation/wt", chicago, day(2025, 1, 1), 60, 9, 0), func(r *rules.Reading) { r.Device = "Device/scale" })...)
		var got []string
		for _, d := range []rules.Date{day(2025, 1, 1), day(2025, 1, 31)} {
			got = append(got, periodLine(evaluate(t, req, rules.DateScope(d)).Periods[0]))
		}
		want := []string{
			"period #0 2025-01-01..2025-01-30 cms-pfs-2021: 30 days [99453 99454]",
			"period #1 2025-01-31..2025-03-01 cms-pfs-2021: 30 days [99454]",
		}
		if d := diff(want, got); d != "" {
			t.Errorf("periods mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-SET-1 a replaced device does not start a new episode", func(t *testing.T) {
		req := newRequest(chicago, day(2025, 6, 1))
		req.Enrollment = day(2025, 1, 1)
		req.Readings = append(
			with(daily("Observation/old", chicago, day(2025, 1, 1), 35, 8, 0), func(r *rules.Reading) { r.Device = "Device/old" }),
			with(daily("Observation/new", chicago, day(2025, 2, 5), 20, 8, 0), func(r *rules.Reading) { r.Device = "Device/new" })...)
		p := evaluate(t, req, rules.DateScope(day(2025, 2, 5))).Periods[0]
		if got := codes(p.Lines); got != "99454" {
			t.Errorf("codes = %q, want 99454 without 99453", got)
		}
	})
}

func TestSetupThreshold(t *testing.T) {
	tests := []struct {
		name string
		year int
		days int
		want string
	}{
		{name: "R-SET-2 2025: the first period with 16 days gives 99453", year: 2025, days: 16, want: "99453 99454"},
		{name: "R-SET-2 2025: the first period with 15 days gives no 99453", year: 2025, days: 15, want: ""},
		{name: "R-SET-2 2026: the first period with 16 days gives 99453", year: 2026, days: 16, want: "99453 99454"},
		{name: "R-SET-2 2026: the first period with 15 days gives 99445 but no 99453 by default", year: 2026, days: 15, want: "99445"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(chicago, day(tc.year, 6, 1))
			req.Enrollment = day(tc.year, 3, 1)
			req.Readings = daily("Observation/d", chicago, day(tc.year, 3, 1), tc.days, 12, 0)
			p := evaluate(t, req, rules.DateScope(day(tc.year, 3, 1))).Periods[0]
			if got := codes(p.Lines); got != tc.want {
				t.Errorf("codes mismatch (-want +got):\n-%s\n+%s", tc.want, got)
			}
		})
	}
}

// timeCodes evaluates a closed month of year with one call of the given
// length and a reading in the month.
func timeCodes(t *testing.T, year int, length time.Duration, p rules.Policy) rules.MonthResult {
	t.Helper()
	req := aprilPatient(year, call("Communication/1", aprilAt(year, 10, 9, 0), length))
	req.Policy = p
	return april(t, req, year)
}

func TestTimeCodes(t *testing.T) {
	tests := []struct {
		name    string
		year    int
		minutes int
		want    string
	}{
		{name: "R-TM-1 2025: 0 min give nothing", year: 2025, minutes: 0, want: ""},
		{name: "R-TM-1 2025: 9 min give nothing", year: 2025, minutes: 9, want: ""},
		{name: "R-TM-1 2025: 10 min give nothing, there is no 99470 before 2026", year: 2025, minutes: 10, want: ""},
		{name: "R-TM-1 2025: 19 min give nothing", year: 2025, minutes: 19, want: ""},
		{name: "R-TM-1 2025: 20 min give 99457", year: 2025, minutes: 20, want: "99457"},
		{name: "R-TM-1 2025: 39 min give 99457", year: 2025, minutes: 39, want: "99457"},
		{name: "R-TM-1 2025: 40 min give 99457 and 99458", year: 2025, minutes: 40, want: "99457 99458"},
		{name: "R-TM-1 2025: 59 min give 99457 and 99458", year: 2025, minutes: 59, want: "99457 99458"},
		{name: "R-TM-1 2025: 60 min give 99457 and 99458 x2", year: 2025, minutes: 60, want: "99457 99458x2"},
		{name: "R-TM-1 2025: 79 min give 99457 and 99458 x2", year: 2025, minutes: 79, want: "99457 99458x2"},
		{name: "R-TM-1 2025: 80 min give 99457 and 99458 x3", year: 2025, minutes: 80, want: "99457 99458x3"},
		{name: "R-TM-1 R-TM-4 2025: 200 min stop at 99458 x3", year: 2025, minutes: 200, want: "99457 99458x3"},
		{name: "R-TM-2 2026: 9 min give nothing", year: 2026, minutes: 9, want: ""},
		{name: "R-TM-2 2026: 10 min give 99470", year: 2026, minutes: 10, want: "99470"},
		{name: "R-TM-2 2026: 19 min give 99470", year: 2026, minutes: 19, want: "99470"},
		{name: "R-TM-2 2026: 20 min give 99457", year: 2026, minutes: 20, want: "99457"},
		{name: "R-TM-2 2026: 39 min give 99457", year: 2026, minutes: 39, want: "99457"},
		{name: "R-TM-2 2026: 40 min give 99457 and 99458", year: 2026, minutes: 40, want: "99457 99458"},
		{name: "R-TM-2 2026: 59 min give 99457 and 99458", year: 2026, minutes: 59, want: "99457 99458"},
		{name: "R-TM-2 2026: 60 min give 99457 and 99458 x2", year: 2026, minutes: 60, want: "99457 99458x2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := timeCodes(t, tc.year, time.Duration(tc.minutes)*time.Minute, rules.DefaultPolicy())
			if got := codes(m.Lines); got != tc.want {
				t.Errorf("codes mismatch (-want +got):\n-%s\n+%s", tc.want, got)
			}
		})
	}
	t.Run("R-TM-2 2026: below 10 minutes the finding cites R-TM-2", func(t *testing.T) {
		m := timeCodes(t, 2026, 9*time.Minute, rules.DefaultPolicy())
		want := []rules.Finding{{Code: "minutes-below-threshold", Rule: "R-TM-2", Message: "9 of 10 minutes of treatment management."}}
		if d := diff(want, m.Findings); d != "" {
			t.Errorf("findings mismatch (-want +got):\n%s", d)
		}
	})
}

func TestTimeCodesExcludeEachOther(t *testing.T) {
	t.Run("R-TM-3 99470 never with 99457, 99458 only with 99457, for 0 to 200 minutes", func(t *testing.T) {
		for _, year := range []int{2025, 2026} {
			for mins := 0; mins <= 200; mins++ {
				m := timeCodes(t, year, time.Duration(mins)*time.Minute, rules.DefaultPolicy())
				has := map[string]bool{}
				for _, l := range m.Lines {
					has[l.Code] = true
				}
				if has[rules.CodeTM10] && (has[rules.CodeTM20] || has[rules.CodeTMAdditional]) {
					t.Errorf("%d, %d min: %s has 99470 beside 99457/99458", year, mins, codes(m.Lines))
				}
				if has[rules.CodeTMAdditional] && !has[rules.CodeTM20] {
					t.Errorf("%d, %d min: %s has 99458 without 99457", year, mins, codes(m.Lines))
				}
			}
		}
	})
}

func TestUnitCap(t *testing.T) {
	tests := []struct {
		name         string
		minutes      int
		wantUnbilled int
	}{
		{name: "R-TM-4 79 min leave nothing unbilled", minutes: 79, wantUnbilled: 0},
		{name: "R-TM-4 80 min leave nothing unbilled", minutes: 80, wantUnbilled: 0},
		{name: "R-TM-4 95 min leave 15 min unbilled", minutes: 95, wantUnbilled: 15},
		{name: "R-TM-4 100 min leave 20 min unbilled", minutes: 100, wantUnbilled: 20},
		{name: "R-TM-4 200 min leave 120 min unbilled", minutes: 200, wantUnbilled: 120},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := timeCodes(t, 2025, time.Duration(tc.minutes)*time.Minute, rules.DefaultPolicy())
			if m.UnbilledMinutes != tc.wantUnbilled {
				t.Errorf("UnbilledMinutes = %d, want %d", m.UnbilledMinutes, tc.wantUnbilled)
			}
			reported := contains(findingCodes(m.Findings), "minutes-beyond-cap")
			if reported != (tc.wantUnbilled > 0) {
				t.Errorf("minutes-beyond-cap reported = %t, want %t (not dropped silently)", reported, tc.wantUnbilled > 0)
			}
		})
	}
}

func TestDeviceAndTimeCodesAreIndependent(t *testing.T) {
	t.Run("R-TM-5 99457 needs no 16 days: one day of data and a 20-minute call", func(t *testing.T) {
		req := aprilPatient(2025, call("Communication/1", aprilAt(2025, 10, 9, 0), 20*time.Minute))
		req.Enrollment = day(2025, 4, 1)
		res := evaluate(t, req, rules.DateScope(day(2025, 4, 10)))
		got := []string{periodLine(res.Periods[0]), monthLine(res.Months[0])}
		want := []string{
			"period #0 2025-04-01..2025-04-30 cms-pfs-2021: 1 days []",
			"month 2025-04 cms-pfs-2021: 20 min interactive [99457]",
		}
		if d := diff(want, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-TM-5 99454 needs no minutes", func(t *testing.T) {
		req := newRequest(chicago, day(2025, 6, 1))
		req.Enrollment = day(2025, 4, 1)
		req.Readings = daily("Observation/d", chicago, day(2025, 4, 1), 16, 8, 0)
		res := evaluate(t, req, rules.DateScope(day(2025, 4, 10)))
		got := []string{periodLine(res.Periods[0]), monthLine(res.Months[0])}
		want := []string{
			"period #0 2025-04-01..2025-04-30 cms-pfs-2021: 16 days [99453 99454]",
			"month 2025-04 cms-pfs-2021: 0 min not interactive []",
		}
		if d := diff(want, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-TM-5 by default a month without a qualifying reading gets no time code", func(t *testing.T) {
		req := aprilPatient(2025, call("Communication/1", aprilAt(2025, 10, 9, 0), 45*time.Minute))
		req.Readings = []rules.Reading{reading("Observation/march", at(day(2025, 3, 31), 8, 0, newYork))}
		m := april(t, req, 2025)
		if got := codes(m.Lines); got != "" {
			t.Errorf("codes = %q, want none", got)
		}
		if !contains(findingCodes(m.Findings), "no-data-in-month") {
			t.Errorf("findings %v lack no-data-in-month", findingCodes(m.Findings))
		}
	})
}

func TestDateOfService(t *testing.T) {
	t.Run("R-DOS-1 a device code's DOS is its period's last day and a time code's the month's", func(t *testing.T) {
		req := aprilPatient(2025, call("Communication/1", aprilAt(2025, 10, 9, 0), 45*time.Minute))
		req.Enrollment = day(2025, 4, 3)
		req.Readings = daily("Observation/d", newYork, day(2025, 4, 3), 16, 8, 0)
		res := evaluate(t, req, rules.DateScope(day(2025, 4, 10)))
		var got []string
		for _, l := range append(res.Periods[0].Lines, res.Months[0].Lines...) {
			got = append(got, fmt.Sprintf("%s %s", l.Code, l.DOS))
		}
		want := []string{"99453 2025-05-02", "99454 2025-05-02", "99457 2025-04-30", "99458 2025-04-30"}
		if d := diff(want, got); d != "" {
			t.Errorf("DOS mismatch (-want +got):\n%s", d)
		}
	})
}
