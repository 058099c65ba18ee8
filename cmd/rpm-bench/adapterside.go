package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// adapterConfig is one adapter run: the export folder, the month, and
// whether the write-back is built and written as NDJSON.
type adapterConfig struct {
	dir, out, month string
	write           bool
	forget          bool
	strictWrite     bool
	concurrency     int
	now             time.Time
}

// runAdapterSide is the child process of the adapter side: the same wiring
// as `rpm-adapter evaluate --source DIR --month M --out OUT`, with a fixed
// run date so that every period ending in the month is closed.
func runAdapterSide(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("adapter-side", flag.ContinueOnError)
	var c adapterConfig
	fs.StringVar(&c.dir, "dir", "", "export folder")
	fs.StringVar(&c.out, "out", "", "NDJSON output folder (with --write)")
	fs.StringVar(&c.month, "month", "2026-10", "month YYYY-MM")
	fs.BoolVar(&c.write, "write", true, "build the write-back and write it as NDJSON")
	fs.IntVar(&c.concurrency, "concurrency", 4, "patients evaluated at once (rpm-adapter's default)")
	fs.BoolVar(&c.forget, "forget", true, "drop each patient's facts once written (Runner.Forget)")
	fs.BoolVar(&c.strictWrite, "strict-write", false, "write on the google/fhir reference path (rpm-adapter --strict-write)")
	now := fs.String("now", "", "run time, RFC 3339")
	results := fs.String("results", "", "file for the day and minute counts")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if c.dir == "" || *results == "" || *now == "" {
		return usagef("adapter-side needs --dir, --now and --results")
	}
	var err error
	if c.now, err = time.Parse(time.RFC3339, *now); err != nil {
		return usagef("--now: %v", err)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	rep, cs, err := evaluateWithAdapter(ctx, c)
	if err != nil {
		return err
	}
	if err := cs.write(*results); err != nil {
		return err
	}
	return printReport(stdout, rep)
}

// evaluateWithAdapter reads, evaluates and (with write) writes the month.
func evaluateWithAdapter(ctx context.Context, c adapterConfig) (sideReport, *counts, error) {
	rep := sideReport{Side: "adapter", Phases: map[string]float64{}}
	job, err := adapter.ParseJob(c.month, "", "")
	if err != nil {
		return rep, nil, err
	}
	start, cpu0 := time.Now(), cpuTime()
	reader, err := fhirmap.NewReader(fhirmap.Options{})
	if err != nil {
		return rep, nil, err
	}
	src, err := ndjson.Load(ctx, os.DirFS(c.dir), reader)
	if err != nil {
		return rep, nil, err
	}
	rep.Phases["ingest"] = time.Since(start).Seconds()
	rep.Phases["ingest-cpu"] = (cpuTime() - cpu0).Seconds()
	st := src.Stats()
	rep.Readings = st.Readings
	ids, err := src.Patients(ctx, "")
	if err != nil {
		return rep, nil, err
	}
	ev := &adapter.Evaluator{Policy: rules.DefaultPolicy(), Now: func() time.Time { return c.now }}
	// The counts are taken as patients finish, like any sink, so the run's
	// rows stay small with or without the write-back.
	cs := &countingSink{counts: newCounts()}
	runner := &adapter.Runner{Source: src, Evaluator: ev, Concurrency: c.concurrency, Sink: cs,
		Forget: c.forget}
	var results *ndjson.Sink
	if c.write {
		if ev.Writer, err = fhirmap.NewWriter(fhirmap.WriteOptions{Tenant: "default", Strict: c.strictWrite}); err != nil {
			return rep, nil, err
		}
		if results, err = ndjson.NewSink(c.out); err != nil {
			return rep, nil, err
		}
		cs.next = results
	}
	evalStart := time.Now()
	sum, err := runner.Run(ctx, ids, job)
	if err != nil {
		return rep, nil, err
	}
	if results != nil {
		if err := results.Close(); err != nil {
			return rep, nil, err
		}
	}
	rep.Phases["evaluate"] = time.Since(evalStart).Seconds()
	rep.Seconds = time.Since(start).Seconds()
	if n := sum.Failed(); n > 0 {
		return rep, nil, fmt.Errorf("adapter: %d patients failed", n)
	}
	rep.Patients = len(sum.Rows)
	rep.HWMKB = peakRSSKB()
	return rep, cs.counts, nil
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingSink records each outcome's day and minute counts, then passes
// it on to next (the NDJSON folder) when there is one.
type countingSink struct {
	mu     sync.Mutex
	counts *counts
	next   adapter.Sink
}

func (s *countingSink) Write(ctx context.Context, out *adapter.Outcome) error {
	if res := out.Result; res != nil { // nil: not evaluated (no time zone), no windows
		s.mu.Lock()
		for _, p := range res.Periods {
			s.counts.Days[key(out.PatientID, p.Window.Start.String())] = p.Days
		}
		for _, m := range res.Months {
			s.counts.Minutes[key(out.PatientID, m.Window.Start.String())] = m.Minutes
		}
		s.mu.Unlock()
	}
	if s.next == nil {
		return nil
	}
	return s.next.Write(ctx, out)
}
