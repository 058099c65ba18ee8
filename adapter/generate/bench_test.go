package generate

import (
	"io"
	"os"
	"testing"
	"time"
)

// Issue #7: 10,000 patients for one month (about 1.2 million Observations
// and 50,000 Communications) in seconds on two cores. Run with
//
//	go test -run '^$' -bench Generate -benchtime 1x ./adapter/generate/
//
// The benchmarks report the time per population, never fail on it.

func discard() map[string]io.Writer {
	m := map[string]io.Writer{}
	for _, typ := range Types {
		m[typ] = io.Discard
	}
	return m
}

func reportCounts(b *testing.B, st Stats, start time.Time) {
	b.ReportMetric(float64(st.Resources["Observation"]), "observations")
	b.ReportMetric(float64(st.Resources["Communication"]), "communications")
	b.ReportMetric(float64(st.Bytes)/(1<<20), "MiB")
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/population")
}

// BenchmarkGenerate10kPatientMonth builds the JSON without writing it.
func BenchmarkGenerate10kPatientMonth(b *testing.B) {
	var st Stats
	start := time.Now()
	for b.Loop() {
		var err error
		if st, err = WriteTo(discard(), BenchOptions()); err != nil {
			b.Fatal(err)
		}
	}
	reportCounts(b, st, start)
}

// BenchmarkGenerateWrite10kPatientMonth writes the export folder to disk.
func BenchmarkGenerateWrite10kPatientMonth(b *testing.B) {
	dir := b.TempDir()
	var st Stats
	start := time.Now()
	for b.Loop() {
		var err error
		if st, err = Write(dir, BenchOptions()); err != nil {
			b.Fatal(err)
		}
	}
	reportCounts(b, st, start)
	_ = os.RemoveAll(dir)
}
