package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
)

// The small version of the benchmark that CI runs: a 200-patient month with
// many edge features, both sides in process, every day count and every
// month's minutes compared. It checks agreement, never time.
func TestAdapterAndDuckDBAgreeOnASmallPopulation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts generate.Options
	}{
		{"200 patients, a third with an edge feature", generate.Options{Patients: 200, Months: 1, ReadingsPerDay: 3, EdgeShare: 0.35, Seed: 11}},
		{"the sample's worked cases", generate.SampleOptions()},
		{"two months with the worked cases", generate.Options{Patients: 40, Months: 2, ReadingsPerDay: 2, EdgeShare: 0.5, Seed: 5, WorkedCases: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			export := filepath.Join(dir, "export")
			var log bytes.Buffer
			if err := ensureExport(export, tc.opts, &log); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			month := time.Date(2026, time.October, 1, 0, 0, 0, 0, time.UTC)
			if tc.opts.Months == 2 {
				month = month.AddDate(0, 1, 0)
			}
			now := month.AddDate(0, 1, 4).Add(12 * time.Hour)
			_, ad, err := evaluateWithAdapter(ctx, adapterConfig{dir: export, out: filepath.Join(dir, "out"),
				month: month.Format("2006-01"), write: true, concurrency: 4, now: now})
			if err != nil {
				t.Fatal(err)
			}
			_, dk, err := evaluateWithDuckDB(ctx, duckdbConfig{dir: export, month: month, asOf: now, threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(ad.Days) < 20 || len(ad.Minutes) < 20 {
				t.Fatalf("too few windows to compare: %d periods, %d months", len(ad.Days), len(ad.Minutes))
			}
			var out bytes.Buffer
			days, minutes := diff(ad.Days, dk.Days), diff(ad.Minutes, dk.Minutes)
			report(&out, "day counts", days, len(ad.Days), 50)
			report(&out, "minutes", minutes, len(ad.Minutes), 50)
			if len(days)+len(minutes) > 0 {
				t.Errorf("the sides disagree:\n%s", out.String())
			}
		})
	}
}

func TestCountsSurviveTheirFile(t *testing.T) {
	c := newCounts()
	c.Days[key("p1", "2026-10-01")] = 16
	c.Minutes[key("p1", "2026-10-01")] = 21
	path := filepath.Join(t.TempDir(), "c.tsv")
	if err := c.write(path); err != nil {
		t.Fatal(err)
	}
	got, err := readCounts(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff(c.Days, got.Days))+len(diff(c.Minutes, got.Minutes)) > 0 {
		t.Errorf("got %+v, want %+v", got, c)
	}
}

func TestDiffCountsAMissingWindowAsADisagreement(t *testing.T) {
	a := map[string]int{"p\t1": 3, "p\t2": 4}
	b := map[string]int{"p\t2": 5, "p\t3": 0}
	got := diff(a, b)
	want := []mismatch{{"p\t1", 3, -1}, {"p\t2", 4, 5}, {"p\t3", -1, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mismatch %d: got %v, want %v", i, got[i], want[i])
		}
	}
}
