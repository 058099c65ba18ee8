package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
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

// BenchmarkSQLiteFloor is the least SQLite work a month of 10,000 patients
// asks of the store (issue 12's goal of at most 15 % over a run without it):
// the month's rows and bytes — 10,035 patients of 137 bytes, 17,523 windows
// of 1,042 and 15,289 code lines of 218, the averages of the store's rows
// after that run — each as one key and one value, in tables with only their
// key, through the same driver, pragmas, 64-row statements and 256-patient
// transactions as the batch writer. One operation is the whole month into a
// new file, on one goroutine and nothing else running; the store itself
// binds each column, keeps the worklist's and billing's indexes, and
// prepares the rows.
func BenchmarkSQLiteFloor(b *testing.B) {
	const patients, windows, lines, perTx = 10035, 17523, 15289, 256
	ctx := context.Background()
	pv, wv, lv := strings.Repeat("p", 137), strings.Repeat("w", 1042), strings.Repeat("l", 218)
	// The rows, made before the timing: the store makes them on the
	// evaluating goroutines. Windows and lines spread evenly over the
	// patients, line keys as random as the ChargeItem identifiers.
	var ps, ws, ls [][][]any
	for first, nw, nl := 0, 0, 0; first < patients; first += perTx {
		var p, w, l [][]any
		for i := first; i < min(patients, first+perTx); i++ {
			p = append(p, []any{"default/pt-" + strconv.Itoa(i), pv})
			for ; nw < (i+1)*windows/patients; nw++ {
				w = append(w, []any{"default/pt-" + strconv.Itoa(i) + "/" + strconv.Itoa(nw), wv})
			}
			for ; nl < (i+1)*lines/patients; nl++ {
				sum := sha256.Sum256([]byte(strconv.Itoa(nl)))
				l = append(l, []any{hex.EncodeToString(sum[:]), lv})
			}
		}
		ps, ws, ls = append(ps, p), append(ws, w), append(ls, l)
	}
	for b.Loop() {
		b.StopTimer()
		_, d, err := openSQLite(ctx, filepath.Join(b.TempDir(), "floor.db"), slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		db := d.db
		for _, t := range []string{"p", "w", "l"} {
			if _, err := db.ExecContext(ctx, "CREATE TABLE "+t+" (k TEXT PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
				b.Fatal(err)
			}
		}
		stmts := map[string]map[int]*sql.Stmt{}
		for _, t := range []string{"p", "w", "l"} {
			stmts[t] = map[int]*sql.Stmt{}
			for n, q := range multiRow("INSERT INTO "+t+" (k, v) VALUES ", "(?, ?)", "") {
				st, err := db.PrepareContext(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				stmts[t][n] = st
			}
		}
		b.StartTimer()
		for x := range ps {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for t, rows := range map[string][][]any{"p": ps[x], "w": ws[x], "l": ls[x]} {
				for len(rows) > 0 {
					n := chunk(len(rows))
					args := make([]any, 0, 2*n)
					for _, r := range rows[:n] {
						args = append(args, r...)
					}
					if _, err := tx.StmtContext(ctx, stmts[t][n]).ExecContext(ctx, args...); err != nil {
						b.Fatal(err)
					}
					rows = rows[n:]
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
