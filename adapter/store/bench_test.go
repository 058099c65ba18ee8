package store

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/adapter"
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

// BenchmarkBatchSink is the same recording through the batching sink that
// evaluate --db uses (256 patients per transaction, on its writer
// goroutine), with the runner's two workers handing over; Close, the last
// commit, is inside the timing.
func BenchmarkBatchSink(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			s := openTest(b, d.dsn(b), Options{})
			res, rec := sampleResult(), sampleRecord()
			k, err := NewBatchSink(s, "t1", nil, false, BatchOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetParallelism(1)
			b.ResetTimer()
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					out := &adapter.Outcome{PatientID: "p" + strconv.Itoa(int(i%1000)), Result: res,
						Activities: rec.Activities, DisplayName: rec.Patient.DisplayName, MRN: rec.Patient.MRN}
					if err := k.Write(ctx, out); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if err := k.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
