package rules_test

import (
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestWindow(t *testing.T) {
	w := rules.Window{Kind: rules.Period30, Start: day(2025, 3, 1), End: day(2025, 3, 30)}
	tests := []struct {
		name       string
		start, end rules.Date
		want       bool
	}{
		{name: "R-PER-4 a range ending the day before does not overlap", start: day(2025, 2, 1), end: day(2025, 2, 28), want: false},
		{name: "R-PER-4 a range ending on the first day overlaps", start: day(2025, 2, 1), end: day(2025, 3, 1), want: true},
		{name: "R-PER-4 a range starting on the last day overlaps", start: day(2025, 3, 30), end: day(2025, 4, 28), want: true},
		{name: "R-PER-4 a range starting the day after does not overlap", start: day(2025, 3, 31), end: day(2025, 4, 29), want: false},
		{name: "R-PER-4 a range inside overlaps", start: day(2025, 3, 10), end: day(2025, 3, 10), want: true},
		{name: "R-PER-4 a range around overlaps", start: day(2025, 1, 1), end: day(2025, 12, 31), want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := w.Overlaps(tc.start, tc.end); got != tc.want {
				t.Errorf("Overlaps(%s, %s) = %t, want %t", tc.start, tc.end, got, tc.want)
			}
		})
	}
	if w.Len() != 30 || !w.Contains(w.Start) || !w.Contains(w.End) || w.Contains(w.End.AddDays(1)) || w.Contains(w.Start.AddDays(-1)) {
		t.Errorf("window %s..%s: Len %d or Contains wrong at its edges", w.Start, w.End, w.Len())
	}
	for kind, want := range map[rules.WindowKind]string{rules.Period30: "period", rules.CalendarMonth: "month", 0: "unknown"} {
		if got := kind.String(); got != want {
			t.Errorf("WindowKind(%d).String() = %q, want %q", kind, got, want)
		}
	}
}

func TestInteractionEndIsElapsedTime(t *testing.T) {
	tests := []struct {
		name     string
		start    time.Time
		wantWall string
	}{
		{name: "R-TIME-2 an hour across the New York spring change ends at 03:30 wall time",
			start: time.Date(2026, 3, 8, 1, 30, 0, 0, newYork), wantWall: "03:30"},
		{name: "R-TIME-2 an hour across the Berlin autumn change ends at 02:30 wall time again",
			start: time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC).In(berlin), wantWall: "02:30"}, // 02:30 CEST
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := call("Communication/1", tc.start, time.Hour)
			end := in.End()
			if end.Sub(in.Start) != time.Hour {
				t.Errorf("End - Start = %s, want 1h", end.Sub(in.Start))
			}
			if got := end.In(tc.start.Location()).Format("15:04"); got != tc.wantWall {
				t.Errorf("End wall time = %s, want %s", got, tc.wantWall)
			}
		})
	}
}
