package rules_test

import (
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestDateFields(t *testing.T) {
	tests := []struct {
		name               string
		d                  rules.Date
		want               string
		wantStart, wantEnd string
	}{
		{name: "the epoch is date 0", d: 0, want: "1970-01-01", wantStart: "1970-01-01", wantEnd: "1970-01-31"},
		{name: "2024-02-29 is a leap day", d: day(2024, 2, 29), want: "2024-02-29", wantStart: "2024-02-01", wantEnd: "2024-02-29"},
		{name: "2028-02-29 is a leap day", d: day(2028, 2, 29), want: "2028-02-29", wantStart: "2028-02-01", wantEnd: "2028-02-29"},
		{name: "February 2025 has 28 days", d: day(2025, 2, 10), want: "2025-02-10", wantStart: "2025-02-01", wantEnd: "2025-02-28"},
		{name: "2025-02-29 normalises like time.Date", d: day(2025, 2, 29), want: "2025-03-01", wantStart: "2025-03-01", wantEnd: "2025-03-31"},
		{name: "the year ends on 31 December", d: day(2025, 12, 31), want: "2025-12-31", wantStart: "2025-12-01", wantEnd: "2025-12-31"},
		{name: "a date before the epoch", d: day(1969, 12, 31), want: "1969-12-31", wantStart: "1969-12-01", wantEnd: "1969-12-31"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := []string{tc.d.String(), tc.d.MonthStart().String(), tc.d.MonthEnd().String()}
			if d := diff([]string{tc.want, tc.wantStart, tc.wantEnd}, got); d != "" {
				t.Errorf("date, month start, month end mismatch (-want +got):\n%s", d)
			}
			back, err := rules.ParseDate(tc.d.String())
			if err != nil || back != tc.d {
				t.Errorf("ParseDate(%s) = %d, %v; want %d", tc.d, back, err, tc.d)
			}
			if y, m, dd := tc.d.Year(), tc.d.Month(), tc.d.Day(); rules.DateOf(y, m, dd) != tc.d {
				t.Errorf("DateOf(%d, %d, %d) != %s", y, m, dd, tc.d)
			}
		})
	}
	if got := rules.NoDate.String(); got != "none" {
		t.Errorf("NoDate.String() = %q, want none", got)
	}
	if d := day(2025, 12, 31).AddDays(1); d != day(2026, 1, 1) {
		t.Errorf("2025-12-31 + 1 = %s, want 2026-01-01", d)
	}
}

func TestParseDateRejectsPartialDates(t *testing.T) {
	for _, s := range []string{"2026", "2026-10", "2026-10-05T10:00:00Z", "2026-02-30", ""} {
		t.Run("R-DAY-4 "+s+" is not a date", func(t *testing.T) {
			if d, err := rules.ParseDate(s); err == nil {
				t.Errorf("ParseDate(%q) = %s, want an error", s, d)
			}
		})
	}
}

func TestLocalDateAroundMidnightAndDST(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want rules.Date
	}{
		{name: "R-DAY-4 23:59:59 local is still that date", t: time.Date(2025, 3, 30, 23, 59, 59, 0, newYork), loc: newYork, want: day(2025, 3, 30)},
		{name: "R-DAY-4 00:00 local is the next date", t: time.Date(2025, 3, 31, 0, 0, 0, 0, newYork), loc: newYork, want: day(2025, 3, 31)},
		{name: "R-DAY-4 New York spring change: 00:30 and 23:30 on 8 March 2026", t: time.Date(2026, 3, 8, 23, 30, 0, 0, newYork), loc: newYork, want: day(2026, 3, 8)},
		{name: "R-DAY-4 New York autumn change: 23:30 on 1 November 2026 (UTC is 2 November)", t: time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC), loc: newYork, want: day(2026, 11, 1)},
		{name: "R-DAY-4 Berlin spring change: 00:30 on 29 March 2026 (UTC is 28 March)", t: time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), loc: berlin, want: day(2026, 3, 29)},
		{name: "R-DAY-4 Berlin autumn change: 23:30 on 25 October 2026", t: time.Date(2026, 10, 25, 22, 30, 0, 0, time.UTC), loc: berlin, want: day(2026, 10, 25)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rules.LocalDate(tc.t, tc.loc); got != tc.want {
				t.Errorf("LocalDate(%s) = %s, want %s", tc.t.UTC(), got, tc.want)
			}
		})
	}
}

func TestDateStartIsLocalMidnight(t *testing.T) {
	santiago := mustZone("America/Santiago") // DST starts at 00:00: midnight does not exist
	havana := mustZone("America/Havana")
	tests := []struct {
		name string
		d    rules.Date
		loc  *time.Location
		want time.Duration // length of the local day
	}{
		{name: "R-DAY-4 New York spring-forward day has 23 hours", d: day(2026, 3, 8), loc: newYork, want: 23 * time.Hour},
		{name: "R-DAY-4 New York fall-back day has 25 hours", d: day(2026, 11, 1), loc: newYork, want: 25 * time.Hour},
		{name: "R-DAY-4 Berlin spring-forward day has 23 hours", d: day(2026, 3, 29), loc: berlin, want: 23 * time.Hour},
		{name: "R-DAY-4 Berlin fall-back day has 25 hours", d: day(2026, 10, 25), loc: berlin, want: 25 * time.Hour},
		{name: "R-DAY-4 an ordinary day has 24 hours", d: day(2026, 6, 1), loc: berlin, want: 24 * time.Hour},
		{name: "R-DAY-4 a day whose midnight does not exist starts at its first instant (Santiago)", d: day(2025, 9, 7), loc: santiago, want: 23 * time.Hour},
		{name: "R-DAY-4 a day whose midnight does not exist starts at its first instant (Havana)", d: day(2025, 3, 9), loc: havana, want: 23 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, next := tc.d.Start(tc.loc), tc.d.AddDays(1).Start(tc.loc)
			if rules.LocalDate(start, tc.loc) != tc.d || rules.LocalDate(start.Add(-time.Nanosecond), tc.loc) != tc.d.AddDays(-1) {
				t.Errorf("Start(%s) = %s is not the first instant of the day", tc.d, start)
			}
			if got := next.Sub(start); got != tc.want {
				t.Errorf("day length = %s, want %s", got, tc.want)
			}
		})
	}
}

// String writes the date itself; it must agree with time's layout on every
// date of the years the adapter meets, and beyond.
func TestDateStringAgreesWithTimeFormat(t *testing.T) {
	for d := rules.DateOf(1, time.January, 1); d <= rules.DateOf(10000, time.January, 2); d += 97 {
		if got, want := d.String(), d.Time().Format(time.DateOnly); got != want {
			t.Fatalf("%d: String() = %q, time formats %q", int32(d), got, want)
		}
	}
	for d := rules.DateOf(1999, time.December, 1); d <= rules.DateOf(2031, time.January, 1); d++ {
		if got, want := d.String(), d.Time().Format(time.DateOnly); got != want {
			t.Fatalf("%d: String() = %q, time formats %q", int32(d), got, want)
		}
	}
}
