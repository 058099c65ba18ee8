package store

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkRecordEvaluation records one patient's evaluation (two periods
// and a month: 18 day counts, 4 activities, 4 code lines, 4 findings) per
// operation, on each driver. Patients cycle through 1,000 ids, so most
// operations replace an existing row, as the daily re-evaluation does.
func BenchmarkRecordEvaluation(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			s := openTest(b, d.dsn(b), Options{})
			res, rec := sampleResult(), sampleRecord()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if err := s.RecordEvaluation(ctx, "t1", "p"+strconv.Itoa(i%1000), res, rec); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkRecordEvaluationParallel is the runner's shape: several workers
// recording at once.
func BenchmarkRecordEvaluationParallel(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			s := openTest(b, d.dsn(b), Options{})
			res, rec := sampleResult(), sampleRecord()
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := s.RecordEvaluation(ctx, "t1", "p"+strconv.Itoa(i%1000), res, rec); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}
