package ndjson_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Issue #7's population, scaled down to 500 patients (about 59,000
// Observations) so that it runs in a few seconds:
//
//	go test -run '^$' -bench EvaluateNDJSON -benchtime 3x ./adapter/ndjson/
//
// ingest is Load alone (every core), evaluate adds the rules,
// evaluate+write adds the validated write-back into an NDJSON folder. The
// benchmarks report throughput and never fail on time; cmd/rpm-bench runs
// the full 10,000-patient month against DuckDB.
func BenchmarkEvaluateNDJSON(b *testing.B) {
	opts := generate.BenchOptions()
	opts.Patients = 500
	dir := b.TempDir()
	st, err := generate.Write(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	fsys := os.DirFS(dir)
	obs := float64(st.Resources["Observation"])
	job, err := adapter.ParseJob("2026-10", "", "")
	if err != nil {
		b.Fatal(err)
	}
	// Five days after the month: every period ending in it is closed.
	now := time.Date(2026, time.November, 5, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	reader, err := fhirmap.NewReader(fhirmap.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cores := float64(runtime.GOMAXPROCS(0))

	b.Run("ingest", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			if _, err := ndjson.Load(ctx, fsys, reader); err != nil {
				b.Fatal(err)
			}
		}
		perSec := obs * float64(b.N) / time.Since(start).Seconds()
		b.ReportMetric(perSec, "obs/s")
		b.ReportMetric(perSec/cores, "obs/s/core")
	})

	run := func(b *testing.B, write bool) {
		start := time.Now()
		for b.Loop() {
			src, err := ndjson.Load(ctx, fsys, reader)
			if err != nil {
				b.Fatal(err)
			}
			ids, err := src.Patients(ctx, "")
			if err != nil {
				b.Fatal(err)
			}
			ev := &adapter.Evaluator{Policy: rules.DefaultPolicy(), Now: func() time.Time { return now }}
			r := &adapter.Runner{Source: src, Evaluator: ev, Concurrency: runtime.GOMAXPROCS(0) * 2}
			var sink *ndjson.Sink
			if write {
				if ev.Writer, err = fhirmap.NewWriter(fhirmap.WriteOptions{Tenant: "bench"}); err != nil {
					b.Fatal(err)
				}
				if sink, err = ndjson.NewSink(b.TempDir()); err != nil {
					b.Fatal(err)
				}
				r.Sink = sink
			}
			sum, err := r.Run(ctx, ids, job)
			if err != nil || sum.Failed() > 0 {
				b.Fatalf("run: %v, %d failed", err, sum.Failed())
			}
			if sink != nil {
				if err := sink.Close(); err != nil {
					b.Fatal(err)
				}
			}
		}
		secs := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(obs/secs, "obs/s")
		b.ReportMetric(float64(opts.Patients)/secs, "patients/s")
	}
	b.Run("evaluate", func(b *testing.B) { run(b, false) })
	b.Run("evaluate+write", func(b *testing.B) { run(b, true) })
}
