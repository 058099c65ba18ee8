package fhirmap

import (
	"testing"
)

// Benchmarks of the write side: build + validate + marshal, per resource
// type, reported as resources/s. Goal ≥ 5,000 resources/s per core:
//
//	go test -run '^$' -bench Write -benchmem -cpu 1 ./fhirmap/

// benchLoop runs body b.N times and reports resources/s over wall time and
// over process CPU time (resources/cpu-s), the figure to hold against the
// per-core goal when the machine is shared.
func benchLoop(b *testing.B, perOp int, body func() error) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for range b.N {
		if err := body(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := processCPU() - cpu0
	b.StopTimer()
	n := float64(perOp * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "resources/s")
	if cpu > 0 {
		b.ReportMetric(n/cpu.Seconds(), "resources/cpu-s")
	}
}

// benchWindow returns the writer, result and evaluated window i of a scenario.
func benchWindow(b *testing.B, sc writeScenario, i int) (*Writer, *evalWindow, func() *WindowSet) {
	w := newTestWriter(b, PutByID)
	res := sc.res(b)
	wins := evalWindows(res)
	e := &wins[i]
	ws := buildScenario(b, w, sc)
	return w, e, func() *WindowSet { return ws.Windows[i] }
}

func BenchmarkWriteMeasureReport(b *testing.B) {
	for _, c := range []struct {
		name string
		sc   writeScenario
		win  int
	}{
		{"open-period-12-days", writeScenarios[1], 0},
		{"closed-period-16-days", writeScenarios[0], 0},
		{"month-4-communications", writeScenarios[2], 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			w, e, _ := benchWindow(b, c.sc, c.win)
			res := c.sc.res(b)
			benchLoop(b, 1, func() error {
				id := w.identity(TypeMeasureReport, writeTestPatient, e.measureName(), e)
				_, err := w.finish(TypeMeasureReport, id, w.measureReport(writeTestPatient, res, e, id, writeTestNow))
				return err
			})
		})
	}
}

func BenchmarkWriteChargeItem(b *testing.B) {
	w, e, _ := benchWindow(b, writeScenarios[2], 1)
	line := e.lines[1] // 99458 ×3
	benchLoop(b, 1, func() error {
		id := w.identity(TypeChargeItem, writeTestPatient, line.Code, e)
		_, err := w.finish(TypeChargeItem, id, w.chargeItem(writeTestPatient, line, e, id, "MeasureReport/rpm-mr-0123456789abcdef", writeTestNow))
		return err
	})
}

func BenchmarkWriteTask(b *testing.B) {
	w, e, _ := benchWindow(b, writeScenarios[1], 1) // open month: minutes and a call
	asOf := writeScenarios[1].res(b).AsOf
	benchLoop(b, 1, func() error {
		id := w.identity(TypeTask, writeTestPatient, taskCode(e), e)
		_, err := w.finish(TypeTask, id, w.task(writeTestPatient, asOf, e, id, "MeasureReport/rpm-mr-0123456789abcdef", writeTestNow))
		return err
	})
}

// EnteredInError includes parsing the server's copy with the validating
// unmarshaller.
func BenchmarkWriteEnteredInError(b *testing.B) {
	w, _, set := benchWindow(b, writeScenarios[0], 0)
	in := asServerCopy(b, set().ChargeItems[1].JSON, "3")
	benchLoop(b, 1, func() error {
		_, err := w.EnteredInError(in, writeTestNow)
		return err
	})
}

func BenchmarkWriteCloseTask(b *testing.B) {
	w, _, set := benchWindow(b, writeScenarios[1], 0)
	in := asServerCopy(b, set().Task.JSON, "3")
	benchLoop(b, 1, func() error {
		_, err := w.CloseTask(in, TaskCancelled, writeTestNow)
		return err
	})
}

// The transaction of an open period (MeasureReport, ChargeItem, Task), from
// built resources; resources/s counts the entries.
func BenchmarkWriteTransactionBundle(b *testing.B) {
	for _, mode := range []struct {
		name string
		mode WriteMode
	}{{"put-by-id", PutByID}, {"conditional", ConditionalPut}} {
		b.Run(mode.name, func(b *testing.B) {
			w := newTestWriter(b, mode.mode)
			entries := buildScenario(b, w, writeScenarios[1]).Windows[0].Entries()
			benchLoop(b, len(entries), func() error {
				_, err := w.TransactionBundle(entries...)
				return err
			})
		})
	}
}

// A whole patient: every resource of every window.
func BenchmarkWriteBuild(b *testing.B) {
	for _, sc := range writeScenarios {
		b.Run(sc.name, func(b *testing.B) {
			w := newTestWriter(b, PutByID)
			res := sc.res(b)
			n := len(buildScenario(b, w, sc).Resources())
			benchLoop(b, n, func() error {
				_, err := w.Build(writeTestPatient, res, writeTestNow)
				return err
			})
		})
	}
}
