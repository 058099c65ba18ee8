package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	rpmadapter "github.com/rpm-adapter/rpm-adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// fakeWriteBack stands for the FHIR sink: it keeps the ChargeItem ids it
// was given, or fails.
type fakeWriteBack struct {
	mu      sync.Mutex
	charges map[string][]string
	n       int
	fail    error
}

func (f *fakeWriteBack) Write(_ context.Context, out *adapter.Outcome) error {
	if f.fail != nil {
		return f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range out.Resources {
		f.n++
		if r.Type == "ChargeItem" {
			f.charges[out.PatientID] = append(f.charges[out.PatientID], r.ID)
		}
	}
	return nil
}

func runSample(t *testing.T, sink adapter.Sink) *adapter.Summary {
	t.Helper()
	return runSampleAt(t, sink, "2026-10", time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), false)
}

// runSampleAt runs the embedded sample's month as of now into sink; twice
// lists every patient twice.
func runSampleAt(t *testing.T, sink adapter.Sink, month string, now time.Time, twice bool) *adapter.Summary {
	t.Helper()
	ctx := context.Background()
	fsys, err := rpmadapter.SampleExport()
	if err != nil {
		t.Fatal(err)
	}
	src, err := ndjson.Load(ctx, fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := fhirmap.NewWriter(fhirmap.WriteOptions{Tenant: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	ev := &adapter.Evaluator{Policy: rules.DefaultPolicy(), Writer: w,
		Now: func() time.Time { return now }}
	ids, err := src.Patients(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if twice {
		ids = append(ids, ids...)
	}
	job, err := adapter.ParseJob(month, "", "")
	if err != nil {
		t.Fatal(err)
	}
	r := &adapter.Runner{Source: src, Sink: sink, Evaluator: ev, Concurrency: 4}
	sum, err := r.Run(ctx, ids, job)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// The store records the embedded sample's every patient, with code lines
// whose ids are exactly the ChargeItems the write-back got.
func TestSinkRecordsEveryEvaluationWithTheChargeItemsIds(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		fake := &fakeWriteBack{charges: map[string][]string{}}
		sink, err := NewSink(s, "t1", fake, true)
		if err != nil {
			t.Fatal(err)
		}
		sum := runSample(t, sink)
		if sum.Failed() > 0 || len(sum.Rows) < 40 {
			t.Fatalf("%d rows, %d failed", len(sum.Rows), sum.Failed())
		}
		windows, activities := 0, 0
		for _, row := range sum.Rows {
			p, err := s.Patient(ctx, "t1", row.PatientID)
			if err != nil {
				t.Fatalf("patient %s: %v", row.PatientID, err)
			}
			if row.Outcome.Result == nil {
				if p.NotEvaluated == "" {
					t.Errorf("%s: not evaluated, but no reason recorded", row.PatientID)
				}
				continue
			}
			windows += len(row.Outcome.Result.Periods) + len(row.Outcome.Result.Months)
			es, err := s.Evaluations(ctx, "t1", row.PatientID)
			if err != nil {
				t.Fatal(err)
			}
			var lineIDs []string
			for _, e := range es {
				activities += len(e.Activities)
				for _, l := range e.Lines {
					lineIDs = append(lineIDs, l.ResourceID)
				}
			}
			if got, want := sortedJoin(lineIDs), sortedJoin(fake.charges[row.PatientID]); got != want {
				t.Errorf("%s: code lines %s, ChargeItems %s", row.PatientID, got, want)
			}
		}
		all, err := s.ListEvaluations(ctx, EvaluationFilter{Tenant: "t1"})
		if err != nil || len(all) != windows || windows == 0 {
			t.Errorf("%d evaluations recorded (%v), %d evaluated", len(all), err, windows)
		}
		if activities == 0 {
			t.Error("no activity recorded from the sample")
		}
		var written int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM written_resources").Scan(&written); err != nil || written != fake.n {
			t.Errorf("%d written resources recorded (%v), the write-back got %d", written, err, fake.n)
		}
	})
}

func TestSinkRecordsEvenWhenTheWriteBackFails(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		boom := errors.New("the FHIR server said no")
		sink, _ := NewSink(s, "t1", &fakeWriteBack{fail: boom}, true)
		out := &adapter.Outcome{PatientID: "p1", Result: sampleResult(), Activities: sampleRecord().Activities}
		if err := sink.Write(ctx, out); !errors.Is(err, boom) {
			t.Fatalf("Write = %v, want the write-back's error", err)
		}
		if es, err := s.Evaluations(ctx, "t1", "p1"); err != nil || len(es) != 3 {
			t.Errorf("%d evaluations recorded after a failed write-back (%v)", len(es), err)
		}
		if ws, _ := s.WrittenResources(ctx, "t1", "p1"); len(ws) != 0 {
			t.Errorf("a failed write-back recorded %d written resources", len(ws))
		}
		// The export's own OperationOutcome has no patient: passed on only.
		ok, _ := NewSink(s, "t1", nil, false)
		if err := ok.Write(ctx, &adapter.Outcome{OperationOutcome: []byte(`{}`)}); err != nil {
			t.Errorf("an outcome without a patient: %v", err)
		}
	})
}

func TestNewSinkRefusesMissingDependencies(t *testing.T) {
	if _, err := NewSink(nil, "t1", nil, false); err == nil {
		t.Error("a sink without a store was accepted")
	}
	s := openTest(t, t.TempDir()+"/x.db", Options{})
	if _, err := NewSink(s, "t1", nil, true); err == nil {
		t.Error("write-back without a sink that writes back was accepted")
	}
}

func sortedJoin(ss []string) string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return strings.Join(ss, " ")
}
