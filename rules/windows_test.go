package rules

import (
	"fmt"
	"testing"
	"time"
)

func TestPeriodsAreConsecutive(t *testing.T) {
	t.Run("R-PER-2 period k starts at anchor + 30k and the periods never overlap or leave gaps", func(t *testing.T) {
		for _, anchor := range []Date{DateOf(2024, 1, 31), DateOf(2025, 12, 15), DateOf(2028, 2, 29)} {
			prev := Window{}
			for k := range 40 {
				p := period(anchor, k)
				if p.Start != anchor.AddDays(30*k) || p.Len() != PeriodLength || p.Index != k || p.Kind != Period30 {
					t.Fatalf("period(%s, %d) = %+v", anchor, k, p)
				}
				if k > 0 && p.Start != prev.End.AddDays(1) {
					t.Fatalf("period %d starts %s, want the day after %s", k, p.Start, prev.End)
				}
				prev = p
			}
		}
	})
}

func TestPeriodContaining(t *testing.T) {
	anchor := DateOf(2026, 1, 15)
	tests := []struct {
		name   string
		d      Date
		want   Window
		wantOK bool
	}{
		{name: "R-PER-2 the day before the anchor is in no period", d: DateOf(2026, 1, 14)},
		{name: "R-PER-2 the anchor is in period 0", d: anchor, want: period(anchor, 0), wantOK: true},
		{name: "R-PER-2 the 30th date is in period 0", d: DateOf(2026, 2, 13), want: period(anchor, 0), wantOK: true},
		{name: "R-PER-2 the 31st date is in period 1", d: DateOf(2026, 2, 14), want: period(anchor, 1), wantOK: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := periodContaining(anchor, tc.d)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("periodContaining(%s, %s) = %+v, %t; want %+v, %t", anchor, tc.d, got, ok, tc.want, tc.wantOK)
			}
		})
	}
	if _, ok := periodContaining(NoDate, anchor); ok {
		t.Error("periodContaining(NoDate, …) found a period without an anchor")
	}
}

func TestPeriodsEndingIn(t *testing.T) {
	ends := func(ws []Window) string {
		var s []string
		for _, w := range ws {
			s = append(s, fmt.Sprintf("#%d %s..%s", w.Index, w.Start, w.End))
		}
		return fmt.Sprint(s)
	}
	tests := []struct {
		name   string
		anchor Date
		month  Date
		want   string
	}{
		{name: "R-DOS-1 a period can end twice in a 31-day month",
			anchor: DateOf(2024, 12, 3), month: DateOf(2025, 1, 1), want: "[#0 2024-12-03..2025-01-01 #1 2025-01-02..2025-01-31]"},
		{name: "R-DOS-1 February 2025 can have no period ending in it",
			anchor: DateOf(2025, 1, 2), month: DateOf(2025, 2, 1), want: "[]"},
		{name: "R-DOS-1 February 2024 (leap) has the period ending on the 29th",
			anchor: DateOf(2024, 1, 31), month: DateOf(2024, 2, 1), want: "[#0 2024-01-31..2024-02-29]"},
		{name: "R-DOS-1 February 2028 (leap) has the period ending on the 29th",
			anchor: DateOf(2028, 1, 31), month: DateOf(2028, 2, 1), want: "[#0 2028-01-31..2028-02-29]"},
		{name: "R-DOS-1 a month before the anchor has no period",
			anchor: DateOf(2025, 5, 1), month: DateOf(2025, 4, 1), want: "[]"},
		{name: "R-DOS-1 the month of the anchor has no period when period 0 ends in the next one",
			anchor: DateOf(2025, 4, 2), month: DateOf(2025, 4, 1), want: "[]"},
		{name: "R-DOS-1 a month long after the anchor finds its period",
			anchor: DateOf(2021, 1, 1), month: DateOf(2025, 6, 1), want: "[#53 2025-05-10..2025-06-08]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ends(periodsEndingIn(tc.anchor, monthWindow(tc.month))); got != tc.want {
				t.Errorf("periodsEndingIn mismatch (-want +got):\n-%s\n+%s", tc.want, got)
			}
		})
	}
	t.Run("R-DOS-1 every period ends in exactly one month", func(t *testing.T) {
		anchor := DateOf(2024, 1, 17)
		seen := map[int]int{}
		for m := DateOf(2024, 1, 1); m < DateOf(2029, 1, 1); m = m.MonthEnd().AddDays(1) {
			for _, p := range periodsEndingIn(anchor, monthWindow(m)) {
				seen[p.Index]++
				if p.End.MonthStart() != m {
					t.Errorf("period #%d ends %s, listed for %s", p.Index, p.End, m.Time().Format("2006-01"))
				}
			}
		}
		last := int(DateOf(2028, 12, 31)-anchor-29) / PeriodLength
		for k := 0; k <= last; k++ {
			if seen[k] != 1 {
				t.Errorf("period #%d listed %d times, want once", k, seen[k])
			}
		}
	})
	if got := periodsEndingIn(NoDate, monthWindow(DateOf(2025, time.January, 1))); got != nil {
		t.Errorf("periodsEndingIn(NoDate, …) = %v, want nil", got)
	}
}
