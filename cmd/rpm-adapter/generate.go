package main

import (
	"fmt"
	"io"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// runGenerate writes a deterministic synthetic Bulk Data export. With no
// size flags it reproduces testdata/sample-export byte for byte.
func runGenerate(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("generate", stderr)
	opts := generate.SampleOptions()
	out := fs.String("out", "sample-export", "folder to write the NDJSON files into")
	start := fs.String("start", opts.Start.Time().Format("2006-01"), "first month with activity, YYYY-MM")
	fs.IntVar(&opts.Patients, "patients", opts.Patients, "ordinary patients (the worked-case patients come on top)")
	fs.IntVar(&opts.Months, "months", opts.Months, "months of activity")
	fs.Float64Var(&opts.ReadingsPerDay, "readings-per-day", opts.ReadingsPerDay, "mean readings on a day with data")
	fs.Float64Var(&opts.EdgeShare, "edge-share", opts.EdgeShare, "share of ordinary patients with an edge feature (0..1)")
	fs.Int64Var(&opts.Seed, "seed", opts.Seed, "random seed")
	fs.BoolVar(&opts.WorkedCases, "worked-cases", opts.WorkedCases, "add the rule book's worked-case patients")
	fs.BoolVar(&opts.Expected, "expected", opts.Expected, "write expected.json, the worked cases' oracle")
	fs.StringVar(&opts.Canonical, "canonical", opts.Canonical, "canonical base of the product's definitions")
	if err := fs.Parse(args); err != nil {
		return usageOrHelp(err)
	}
	if err := applyEnv(fs, getenv); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	t, err := time.Parse("2006-01", *start)
	if err != nil {
		return usagef("--start %q is not YYYY-MM", *start)
	}
	opts.Start = rules.DateOf(t.Year(), t.Month(), 1)
	if opts.Expected && !opts.WorkedCases {
		opts.Expected = false
	}
	began := time.Now()
	st, err := generate.Write(*out, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s in %s: %+v\n", *out, time.Since(began).Round(time.Millisecond), st)
	return nil
}
