package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// duckdbConfig is one DuckDB run.
type duckdbConfig struct {
	dir     string
	month   time.Time
	asOf    time.Time
	threads int // 0: DuckDB's default (every core)
}

// runDuckDBSide is the child process of the DuckDB side.
func runDuckDBSide(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("duckdb-side", flag.ContinueOnError)
	var c duckdbConfig
	fs.StringVar(&c.dir, "dir", "", "export folder")
	month := fs.String("month", "2026-10", "month YYYY-MM")
	asOf := fs.String("as-of", "", "run date YYYY-MM-DD")
	fs.IntVar(&c.threads, "threads", 0, "DuckDB threads (0: every core)")
	results := fs.String("results", "", "file for the day and minute counts")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if c.dir == "" || *results == "" || *asOf == "" {
		return usagef("duckdb-side needs --dir, --as-of and --results")
	}
	var err error
	if c.month, err = time.Parse("2006-01", *month); err != nil {
		return usagef("--month: %v", err)
	}
	if c.asOf, err = time.Parse(time.DateOnly, *asOf); err != nil {
		return usagef("--as-of: %v", err)
	}
	rep, cs, err := evaluateWithDuckDB(ctx, c)
	if err != nil {
		return err
	}
	if err := cs.write(*results); err != nil {
		return err
	}
	return printReport(stdout, rep)
}

// evaluateWithDuckDB runs the two queries in one in-memory database.
func evaluateWithDuckDB(ctx context.Context, c duckdbConfig) (sideReport, *counts, error) {
	rep := sideReport{Side: "duckdb", Phases: map[string]float64{}}
	start := time.Now()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return rep, nil, err
	}
	defer db.Close()
	if c.threads > 0 {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads TO %d", c.threads)); err != nil {
			return rep, nil, err
		}
	}
	p := sqlParams{dir: c.dir, month: c.month, asOf: c.asOf,
		programSys:  fhirmap.Canonical(fhirmap.DefaultCanonical, fhirmap.PathProgramSystem),
		durationExt: fhirmap.Canonical(fhirmap.DefaultCanonical, fhirmap.PathDurationExt)}
	cs := newCounts()
	patients := map[string]bool{}
	for _, q := range []struct {
		name string
		sql  string
		into map[string]int
	}{{"days", daysSQL, cs.Days}, {"minutes", minutesSQL, cs.Minutes}} {
		t := time.Now()
		rows, err := db.QueryContext(ctx, p.render(q.sql))
		if err != nil {
			return rep, nil, fmt.Errorf("%s query: %w", q.name, err)
		}
		for rows.Next() {
			var patient, start string
			var n int64
			if err := rows.Scan(&patient, &start, &n); err != nil {
				rows.Close()
				return rep, nil, err
			}
			q.into[key(patient, start)] = int(n)
			patients[patient] = true
		}
		if err := rows.Close(); err != nil {
			return rep, nil, err
		}
		if err := rows.Err(); err != nil {
			return rep, nil, err
		}
		rep.Phases[q.name] = time.Since(t).Seconds()
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.Patients = len(patients)
	rep.HWMKB = peakRSSKB()
	return rep, cs, nil
}
