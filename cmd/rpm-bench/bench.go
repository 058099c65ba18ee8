package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// benchConfig is the parent's flags.
type benchConfig struct {
	opts        generate.Options
	dir         string
	keep        bool
	concurrency int
	threads     int
	evalOnly    bool
	cpuprofile  string
	runs        int
	strictToo   bool
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rpm-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := benchConfig{opts: generate.BenchOptions()}
	fs.IntVar(&c.opts.Patients, "patients", c.opts.Patients, "patients to generate")
	fs.Float64Var(&c.opts.ReadingsPerDay, "readings-per-day", c.opts.ReadingsPerDay, "mean readings on a day with data")
	fs.Float64Var(&c.opts.EdgeShare, "edge-share", c.opts.EdgeShare, "share of patients with an edge feature")
	fs.Int64Var(&c.opts.Seed, "seed", c.opts.Seed, "random seed")
	fs.StringVar(&c.dir, "dir", "", "export folder (default: a temporary one); reused when it holds the same population")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary export and outputs")
	fs.IntVar(&c.concurrency, "concurrency", 4, "adapter: patients evaluated at once (rpm-adapter's default)")
	fs.IntVar(&c.threads, "threads", 0, "DuckDB threads (0: every core)")
	fs.BoolVar(&c.evalOnly, "evaluate-only-too", true, "also time the adapter without the write-back")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "CPU profile of the adapter's evaluate+write run")
	fs.IntVar(&c.runs, "runs", 1, "rounds of every side; each side reports its fastest")
	fs.BoolVar(&c.strictToo, "strict-write-too", false, "also time evaluate+write on the google/fhir reference path (--strict-write), interleaved")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if c.runs < 1 {
		return usagef("--runs must be at least 1")
	}

	work, err := os.MkdirTemp("", "rpm-bench-")
	if err != nil {
		return err
	}
	if c.keep {
		fmt.Fprintf(stdout, "keeping %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	if c.dir == "" {
		c.dir = filepath.Join(work, "export")
	}
	if err := ensureExport(c.dir, c.opts, stdout); err != nil {
		return err
	}

	// Five days after the month: every period ending in it is closed, and
	// noon UTC is the same date in every zone the generator uses.
	month := c.opts.Start
	if month == 0 {
		month = rules.DateOf(2026, time.October, 1)
	}
	monthStr := month.Time().Format("2006-01")
	now := month.MonthEnd().AddDays(5).Time().Add(12 * time.Hour)
	self, err := os.Executable()
	if err != nil {
		return err
	}

	type run struct {
		label string
		args  []string
		res   string
		rep   sideReport
		child childStats
	}
	adapterArgs := func(write bool, res string) []string {
		a := []string{"adapter-side", "--dir", c.dir, "--month", monthStr, "--now", now.Format(time.RFC3339),
			"--results", res, "--concurrency", fmt.Sprint(c.concurrency), fmt.Sprintf("--write=%t", write)}
		if write {
			a = append(a, "--out", filepath.Join(work, "out"))
			if c.cpuprofile != "" {
				a = append(a, "--cpuprofile", c.cpuprofile)
			}
		}
		return a
	}
	runs := []*run{
		{label: "adapter evaluate+write", args: adapterArgs(true, filepath.Join(work, "adapter.tsv")), res: filepath.Join(work, "adapter.tsv")},
		{label: "duckdb", res: filepath.Join(work, "duckdb.tsv"), args: []string{"duckdb-side", "--dir", c.dir,
			"--month", monthStr, "--as-of", now.Format(time.DateOnly), "--results", filepath.Join(work, "duckdb.tsv"),
			"--threads", fmt.Sprint(c.threads)}},
	}
	if c.evalOnly {
		runs = append(runs, &run{label: "adapter evaluate only", args: adapterArgs(false, filepath.Join(work, "adapter-eval.tsv")),
			res: filepath.Join(work, "adapter-eval.tsv")})
	}
	var strict *run
	if c.strictToo {
		// The reference write path (google/fhir protos, fhirvalidate,
		// jsonformat) against the fast encoder, in the same rounds.
		a := adapterArgs(true, filepath.Join(work, "adapter-strict.tsv"))
		strict = &run{label: "adapter e+w strict-write", args: append(a, "--strict-write"),
			res: filepath.Join(work, "adapter-strict.tsv")}
		runs = append(runs, strict)
	}
	// Rounds interleave the sides, and each side keeps its fastest round:
	// on a shared machine the other load only ever makes a run slower.
	for round := range c.runs {
		for _, r := range runs {
			fmt.Fprintf(stdout, "running %s (round %d of %d) …\n", r.label, round+1, c.runs)
			// The NDJSON sink appends to earlier results (issue 11, point 10):
			// each round starts from an empty folder so rounds time the same work.
			if err := os.RemoveAll(filepath.Join(work, "out")); err != nil {
				return err
			}
			out, cs, err := runChild(ctx, self, r.args, stderr)
			if err != nil {
				return fmt.Errorf("%s: %w", r.label, err)
			}
			var rep sideReport
			if err := json.Unmarshal(lastLine(out), &rep); err != nil {
				return fmt.Errorf("%s: reading its report: %w", r.label, err)
			}
			peak := max(r.child.maxRSSKB, cs.maxRSSKB)
			if round == 0 || rep.Seconds < r.rep.Seconds {
				r.rep, r.child = rep, cs
			}
			r.child.maxRSSKB = peak
		}
	}

	ad, err := readCounts(runs[0].res)
	if err != nil {
		return err
	}
	dk, err := readCounts(runs[1].res)
	if err != nil {
		return err
	}
	host := machine()
	fmt.Fprintf(stdout, "\nmachine: %s\n", host)
	fmt.Fprintf(stdout, "population: %d patients, %d Observations, month %s, readings per day %.3g\n\n",
		c.opts.Patients, runs[0].rep.Readings, monthStr, c.opts.ReadingsPerDay)
	fmt.Fprintf(stdout, "fastest of %d rounds; peak RSS is the highest of any round\n", c.runs)
	fmt.Fprintf(stdout, "%-24s %9s %9s %10s %10s  %s\n", "side", "wall s", "cpu s", "peak RSS", "obs/s", "phases")
	for _, r := range runs {
		obs := float64(runs[0].rep.Readings) / r.rep.Seconds
		fmt.Fprintf(stdout, "%-24s %9.2f %9.2f %7d MB %10.0f  %s\n", r.label, r.rep.Seconds, r.child.cpu.Seconds(),
			r.child.maxRSSKB>>10, obs, phases(r.rep.Phases))
	}
	ratio := func(r *run) string {
		return fmt.Sprintf("%.2f wall, %.2f CPU", r.rep.Seconds/runs[1].rep.Seconds, r.child.cpu.Seconds()/runs[1].child.cpu.Seconds())
	}
	fmt.Fprintf(stdout, "\nratio adapter/duckdb (evaluate+write): %s\n", ratio(runs[0]))
	if c.evalOnly {
		fmt.Fprintf(stdout, "ratio adapter/duckdb (evaluate only):  %s\n", ratio(runs[2]))
	}
	if strict != nil {
		fmt.Fprintf(stdout, "ratio adapter/duckdb (e+w, strict-write): %s\n", ratio(strict))
		fmt.Fprintf(stdout, "fast encoder / strict-write (evaluate+write): %.2f wall, %.2f CPU\n",
			runs[0].rep.Seconds/strict.rep.Seconds, runs[0].child.cpu.Seconds()/strict.child.cpu.Seconds())
	}
	// Ingest is the same work in both adapter runs: report the faster.
	fast := runs[0]
	for _, r := range runs[1:] {
		if r.rep.Side == "adapter" && r.rep.Phases["ingest"] < fast.rep.Phases["ingest"] {
			fast = r
		}
	}
	if ing, cpu := fast.rep.Phases["ingest"], fast.rep.Phases["ingest-cpu"]; ing > 0 && cpu > 0 {
		n := float64(fast.rep.Readings)
		fmt.Fprintf(stdout, "adapter ingest: %.0f Observations/s per core (wall, %d cores), %.0f per CPU-second\n",
			n/ing/float64(runtime.NumCPU()), runtime.NumCPU(), n/cpu)
	}
	fmt.Fprintln(stdout)
	dayDiff := diff(ad.Days, dk.Days)
	report(stdout, "day counts per patient per period", dayDiff, len(ad.Days), 20)
	report(stdout, "minutes per patient per month", diff(ad.Minutes, dk.Minutes), len(ad.Minutes), 20)
	if c.evalOnly {
		if ev, err := readCounts(runs[2].res); err == nil && len(diff(ad.Days, ev.Days))+len(diff(ad.Minutes, ev.Minutes)) > 0 {
			return errors.New("the adapter's evaluate-only run disagrees with its evaluate+write run")
		}
	}
	if len(dayDiff) > 0 {
		return fmt.Errorf("%d day counts disagree", len(dayDiff))
	}
	return nil
}

// ensureExport generates the population into dir unless dir already holds
// the same one (same options, recorded in bench-options.json).
func ensureExport(dir string, opts generate.Options, stdout io.Writer) error {
	want, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	marker := filepath.Join(dir, "bench-options.json")
	if have, err := os.ReadFile(marker); err == nil && bytes.Equal(have, want) {
		fmt.Fprintf(stdout, "using the export in %s\n", dir)
		return nil
	}
	start := time.Now()
	st, err := generate.Write(dir, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated %d patients, %d Observations, %d Communications (%.0f MB) in %s\n",
		st.Patients, st.Resources["Observation"], st.Resources["Communication"], float64(st.Bytes)/(1<<20),
		time.Since(start).Round(time.Millisecond))
	return os.WriteFile(marker, want, 0o644)
}

// childStats is what the kernel says about a finished child.
type childStats struct {
	maxRSSKB int64
	cpu      time.Duration
}

// runChild runs this program with args and returns its stdout.
func runChild(ctx context.Context, self string, args []string, stderr io.Writer) ([]byte, childStats, error) {
	cmd := exec.CommandContext(ctx, self, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	err := cmd.Run()
	var cs childStats
	if st := cmd.ProcessState; st != nil {
		cs.cpu = st.UserTime() + st.SystemTime()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			cs.maxRSSKB = int64(ru.Maxrss) // KiB on Linux
		}
	}
	return out.Bytes(), cs, err
}

func lastLine(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func phases(p map[string]float64) string {
	var s string
	for _, k := range []string{"ingest", "ingest-cpu", "evaluate", "days", "minutes"} {
		if v, ok := p[k]; ok {
			s += fmt.Sprintf("%s %.2fs ", k, v)
		}
	}
	return s
}

// machine describes the host for the README: cores, CPU model, memory.
func machine() string {
	model, mem := "unknown CPU", "unknown memory"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range bytes.SplitSeq(b, []byte("\n")) {
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && string(bytes.TrimSpace(k)) == "model name" {
				model = string(bytes.TrimSpace(v))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d cores (%s), %s, %s/%s, %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
