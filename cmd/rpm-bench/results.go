package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// counts are what both sides compute: distinct local days per patient per
// 30-day period ending in the month, and RPM minutes per patient in it.
type counts struct {
	// Days maps "patient\tperiodStart" to the days with a qualifying reading.
	Days map[string]int
	// Minutes maps "patient\tmonthStart" to the month's RPM minutes.
	Minutes map[string]int
}

func newCounts() *counts { return &counts{Days: map[string]int{}, Minutes: map[string]int{}} }

func key(patient, start string) string { return patient + "\t" + start }

// write stores counts as sorted TSV lines: D|M, patient, window start, value.
func (c *counts) write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, kind := range []struct {
		tag string
		m   map[string]int
	}{{"D", c.Days}, {"M", c.Minutes}} {
		keys := make([]string, 0, len(kind.m))
		for k := range kind.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%d\n", kind.tag, k, kind.m[k])
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readCounts(path string) (*counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := newCounts()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 4 {
			return nil, fmt.Errorf("%s: bad line %q", path, sc.Text())
		}
		n, err := strconv.Atoi(parts[3])
		if err != nil {
			return nil, fmt.Errorf("%s: bad count in %q", path, sc.Text())
		}
		switch parts[0] {
		case "D":
			c.Days[key(parts[1], parts[2])] = n
		case "M":
			c.Minutes[key(parts[1], parts[2])] = n
		default:
			return nil, fmt.Errorf("%s: bad kind in %q", path, sc.Text())
		}
	}
	return c, sc.Err()
}

// mismatch is one window where the sides disagree; -1 means absent.
type mismatch struct {
	window          string
	adapter, duckdb int
}

// diff lists the windows where a and b disagree, a window missing on one
// side counting as a disagreement.
func diff(a, b map[string]int) []mismatch {
	var out []mismatch
	for k, av := range a {
		bv, ok := b[k]
		if !ok {
			bv = -1
		}
		if av != bv {
			out = append(out, mismatch{k, av, bv})
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			out = append(out, mismatch{k, -1, bv})
		}
	}
	slices.SortFunc(out, func(x, y mismatch) int { return cmp.Compare(x.window, y.window) })
	return out
}

// report prints up to limit mismatches of one measure.
func report(w io.Writer, what string, ms []mismatch, total, limit int) {
	if len(ms) == 0 {
		fmt.Fprintf(w, "%s: both sides agree on all %d\n", what, total)
		return
	}
	fmt.Fprintf(w, "%s: %d of %d disagree (window: adapter vs duckdb, -1 = absent)\n", what, len(ms), total)
	for i, m := range ms {
		if i == limit {
			fmt.Fprintf(w, "  … %d more\n", len(ms)-limit)
			break
		}
		fmt.Fprintf(w, "  %s: %d vs %d\n", strings.ReplaceAll(m.window, "\t", " "), m.adapter, m.duckdb)
	}
}

// sideReport is what a child prints on its last stdout line.
type sideReport struct {
	Side    string  `json:"side"`
	Seconds float64 `json:"seconds"`
	// Phases are named sub-times (ingest, evaluate…), in seconds.
	Phases   map[string]float64 `json:"phases,omitempty"`
	Patients int                `json:"patients"`
	// Readings is the number of Observations read.
	Readings int `json:"readings"`
	// HWMKB is VmHWM from /proc/self/status at the end (peak RSS, KiB).
	HWMKB int64 `json:"hwmKB"`
}

func printReport(w io.Writer, r sideReport) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// peakRSSKB reads the process's peak resident set from /proc; 0 when the
// platform has none.
func peakRSSKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
