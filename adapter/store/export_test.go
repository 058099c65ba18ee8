package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// listEncoder writes a batch as one "action code units patient" line per
// line, so tests can compare content.
func listEncoder(b *Batch) ([]byte, error) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "batch %d %s\n", b.ID, b.Month)
	for _, l := range b.Lines {
		fmt.Fprintf(&sb, "%s %s %d %s %s\n", l.Action, l.Code, l.Units, l.PatientID, l.Patient.MRN)
	}
	return []byte(sb.String()), nil
}

func exportOct(t *testing.T, s *Store, approval bool) *Batch {
	t.Helper()
	b, err := s.Export(context.Background(), ExportRequest{Tenant: "t1", Month: "2026-10", Format: FormatCSV,
		RequestedBy: "test", RequireApproval: approval}, listEncoder)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func actions(b *Batch) []string {
	var out []string
	for _, l := range b.Lines {
		out = append(out, l.Action+" "+l.Code)
	}
	return out
}

func lineStates(t *testing.T, s *Store) map[string]State {
	t.Helper()
	ls, err := s.CodeLines(context.Background(), LineFilter{Tenant: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]State{}
	for _, l := range ls {
		out[l.PatientID+" "+l.Code] = l.State
	}
	return out
}

// withoutCode is sampleResult with a code line of the closed period gone,
// as a re-evaluation that no longer supports it records it.
func withoutCode(code string) *rules.Result {
	res := sampleResult()
	p := &res.Periods[0]
	p.Lines = slices.DeleteFunc(slices.Clone(p.Lines), func(l rules.CodeLine) bool { return l.Code == code })
	return res
}

func TestExportChargesEachLineOnceAndReversesWithdrawnOnes(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		b1 := exportOct(t, s, false)
		// October's DOS: the closed period's two lines; 99457 is September's,
		// 99445 is planned (R-PER-5).
		if got, want := actions(b1), []string{"charge 99453", "charge 99454"}; !slices.Equal(got, want) {
			t.Fatalf("first batch = %v, want %v", got, want)
		}
		if b1.Lines[0].Patient.MRN != "MRN-0001" || b1.Lines[0].Units != 1 || b1.Lines[0].PriorState != StateBillable {
			t.Errorf("first line: %+v", b1.Lines[0])
		}
		st := lineStates(t, s)
		if st["p1 99453"] != StateExported || st["p1 99454"] != StateExported || st["p1 99457"] != StateBillable || st["p1 99445"] != StatePlanned {
			t.Errorf("states after the export: %v", st)
		}
		if b2 := exportOct(t, s, false); len(b2.Lines) != 0 || b2.ID == b1.ID {
			t.Errorf("second export = %v (id %d after %d), want an empty new batch", actions(b2), b2.ID, b1.ID)
		}

		// A re-evaluation that still supports the lines leaves them exported.
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		if st := lineStates(t, s); st["p1 99453"] != StateExported || st["p1 99454"] != StateExported {
			t.Errorf("a supported exported line changed state: %v", st)
		}
		if b := exportOct(t, s, false); len(b.Lines) != 0 {
			t.Errorf("export after an unchanged re-evaluation = %v", actions(b))
		}

		// One that no longer supports 99454 withdraws it; the next batch
		// reverses it, once, with the charged units.
		if err := s.RecordEvaluation(ctx, "t1", "p1", withoutCode("99454"), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		if st := lineStates(t, s); st["p1 99454"] != StateWithdrawn || st["p1 99453"] != StateExported {
			t.Errorf("states after the withdrawal: %v", st)
		}
		b3 := exportOct(t, s, false)
		if got, want := actions(b3), []string{"reverse 99454"}; !slices.Equal(got, want) {
			t.Fatalf("batch after the withdrawal = %v, want %v", got, want)
		}
		if b3.Lines[0].Units != 1 {
			t.Errorf("reversal units = %d", b3.Lines[0].Units)
		}
		if b := exportOct(t, s, false); len(b.Lines) != 0 {
			t.Errorf("export after the reversal = %v", actions(b))
		}

		// Rebuild: the stored bytes, byte for byte.
		for _, want := range []*Batch{b1, b3} {
			got, err := s.ExportBatch(ctx, "t1", want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Content) != string(want.Content) || !slices.Equal(actions(got), actions(want)) ||
				!got.CreatedAt.Equal(want.CreatedAt) || got.Format != FormatCSV || got.RequestedBy != "test" || got.Month != "2026-10" {
				t.Errorf("batch %d read back = %+v, want %+v", want.ID, got, want)
			}
		}
		if _, err := s.ExportBatch(ctx, "t1", 999); err != ErrNotFound {
			t.Errorf("unknown batch: %v", err)
		}
		if _, err := s.ExportBatch(ctx, "t2", b1.ID); err != ErrNotFound {
			t.Errorf("another tenant's batch: %v", err)
		}
	})
}

func TestExportedLineSupportedAgainBeforeItsReversalIsNotChargedTwice(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		exportOct(t, s, false)
		if err := s.RecordEvaluation(ctx, "t1", "p1", withoutCode("99454"), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		if b := exportOct(t, s, false); len(b.Lines) != 0 {
			t.Errorf("batch = %v, want empty: the charge stands", actions(b))
		}
		if st := lineStates(t, s); st["p1 99454"] != StateExported {
			t.Errorf("99454 is %s, want exported", st["p1 99454"])
		}
	})
}

func TestExportedLineOfASupersededPeriodIsWithdrawn(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		exportOct(t, s, false)
		// The anchor moved two days: the closed period is replaced by one
		// starting 2026-09-05 (R-PER-2).
		res := sampleResult()
		p := &res.Periods[0]
		p.Window.Start, p.Window.End = d("2026-09-05"), d("2026-10-04")
		p.Lines = []rules.CodeLine{{Code: "99454", Units: 1, DOS: d("2026-10-04")}}
		res.Periods = res.Periods[:1]
		if err := s.RecordEvaluation(ctx, "t1", "p1", res, sampleRecord()); err != nil {
			t.Fatal(err)
		}
		b := exportOct(t, s, false)
		if got, want := actions(b), []string{"reverse 99453", "reverse 99454", "charge 99454"}; !slices.Equal(got, want) {
			t.Errorf("batch after the anchor moved = %v, want %v", got, want)
		}
	})
}

func TestExportWithApprovalRequiredTakesOnlyApprovedLines(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		// The sign-off sets approved (issue 14); here directly.
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE code_lines SET state = 'approved' WHERE code = ?`), "99454"); err != nil {
			t.Fatal(err)
		}
		b := exportOct(t, s, true)
		if got, want := actions(b), []string{"charge 99454"}; !slices.Equal(got, want) {
			t.Fatalf("batch = %v, want %v", got, want)
		}
		if b.Lines[0].PriorState != StateApproved {
			t.Errorf("prior state = %s", b.Lines[0].PriorState)
		}
		if b := exportOct(t, s, true); len(b.Lines) != 0 {
			t.Errorf("second batch = %v", actions(b))
		}
		if st := lineStates(t, s); st["p1 99453"] != StateBillable || st["p1 99454"] != StateExported {
			t.Errorf("states: %v", st)
		}
		// Without the requirement the billable one goes too.
		if got := actions(exportOct(t, s, false)); !slices.Equal(got, []string{"charge 99453"}) {
			t.Errorf("batch without approval = %v", got)
		}
	})
}

func TestReleasedLinesGoInTheNextBatch(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE code_lines SET state = 'approved' WHERE code = ?`), "99454"); err != nil {
			t.Fatal(err)
		}
		b := exportOct(t, s, false)
		if err := s.ReleaseExportLines(ctx, b.ID, b.Lines[1:], []byte("delivered part")); err != nil {
			t.Fatal(err)
		}
		if st := lineStates(t, s); st["p1 99453"] != StateExported || st["p1 99454"] != StateApproved {
			t.Errorf("states after the release: %v", st)
		}
		got, err := s.ExportBatch(ctx, "t1", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Content) != "delivered part" || !slices.Equal(actions(got), []string{"charge 99453"}) {
			t.Errorf("released batch = %q %v", got.Content, actions(got))
		}
		if got := actions(exportOct(t, s, false)); !slices.Equal(got, []string{"charge 99454"}) {
			t.Errorf("next batch = %v", got)
		}
		if err := s.ReleaseExportLines(ctx, b.ID, b.Lines[1:], nil); err == nil {
			t.Error("releasing a line twice succeeded")
		}
	})
}

func TestExportRefusesBadInput(t *testing.T) {
	s := openTest(t, drivers[0].dsn(t), Options{Now: fixedClock})
	ctx := context.Background()
	for name, req := range map[string]ExportRequest{
		"a month that is not YYYY-MM": {Tenant: "t1", Month: "2026-1", Format: FormatCSV},
		"an unknown format":           {Tenant: "t1", Month: "2026-10", Format: "x12"},
	} {
		if _, err := s.Export(ctx, req, listEncoder); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// An encoder's failure leaves no batch and the lines as they were.
	if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Export(ctx, ExportRequest{Tenant: "t1", Month: "2026-10", Format: FormatCSV},
		func(*Batch) ([]byte, error) { return nil, fmt.Errorf("encoder failed") }); err == nil {
		t.Fatal("a failing encoder gave no error")
	}
	if st := lineStates(t, s); st["p1 99453"] != StateBillable {
		t.Errorf("a failed export changed a state: %v", st)
	}
	if got := actions(exportOct(t, s, false)); len(got) != 2 {
		t.Errorf("after a failed export: %v", got)
	}
}

// TestConcurrentExportsNeverShareALine runs exports at once from separate
// stores on one database (two processes, or two replicas) while lines
// keep arriving: every line is charged exactly once over all batches.
func TestConcurrentExportsNeverShareALine(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		stores := []*Store{openTest(t, dsn, Options{Now: fixedClock}), openTest(t, dsn, Options{Now: fixedClock})}
		const patients = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		var batches []*Batch
		errs := make(chan error, 64)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range patients {
				if err := stores[i%2].RecordEvaluation(ctx, "t1", fmt.Sprintf("p%02d", i), sampleResult(), sampleRecord()); err != nil {
					errs <- err
				}
			}
		}()
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 6 {
					b, err := stores[w%2].Export(ctx, ExportRequest{Tenant: "t1", Month: "2026-10", Format: FormatCSV}, listEncoder)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					batches = append(batches, b)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// Whatever the last concurrent export missed, one more takes.
		final, err := stores[0].Export(ctx, ExportRequest{Tenant: "t1", Month: "2026-10", Format: FormatCSV}, listEncoder)
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, final)
		seen := map[string]int64{}
		for _, b := range batches {
			for _, l := range b.Lines {
				if prev, ok := seen[l.LineID]; ok {
					t.Errorf("line %s in batches %d and %d", l.LineID[:8], prev, b.ID)
				}
				seen[l.LineID] = b.ID
			}
		}
		if len(seen) != 2*patients {
			t.Errorf("%d lines charged, want %d", len(seen), 2*patients)
		}
	})
}

func TestLineReversedAndSupportedAgainIsChargedAgain(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		record := func(res *rules.Result) {
			t.Helper()
			if err := s.RecordEvaluation(ctx, "t1", "p1", res, sampleRecord()); err != nil {
				t.Fatal(err)
			}
		}
		record(sampleResult())
		exportOct(t, s, false)
		var got []string
		for range 2 {
			record(withoutCode("99454"))
			b := exportOct(t, s, false)
			got = append(got, actions(b)...)
			record(sampleResult())
			b = exportOct(t, s, false)
			got = append(got, actions(b)...)
			if len(b.Lines) == 1 && b.Lines[0].Units != 1 {
				t.Errorf("the charge again has %d units", b.Lines[0].Units)
			}
		}
		if want := []string{"reverse 99454", "charge 99454", "reverse 99454", "charge 99454"}; !slices.Equal(got, want) {
			t.Errorf("batches = %v, want %v", got, want)
		}
		if b := exportOct(t, s, false); len(b.Lines) != 0 {
			t.Errorf("then: %v", actions(b))
		}
		var cycles int
		if err := s.db.QueryRowContext(ctx, `SELECT max(cycle) FROM export_batch_lines`).Scan(&cycles); err != nil || cycles != 3 {
			t.Errorf("cycles = %d, %v; want 3", cycles, err)
		}
	})
}

// A store with batches from before 0009 keeps them: each line's rows are
// its first cycle.
func TestMigration0009KeepsEarlierBatches(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		old := openTest(t, dsn, Options{Now: fixedClock, migrateTo: 8})
		if err := old.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		line := fhirmapID("t1", "p1", "99454", d("2026-09-03"))
		for _, q := range []string{
			`INSERT INTO export_batches (tenant, created_at, month, format, requested_by) VALUES ('t1', ?, '2026-10', 'csv', 'old')`,
			`INSERT INTO export_batch_lines (batch_id, line_id, action, units) VALUES (1, ?, 'charge', 1)`,
			`UPDATE code_lines SET state = 'exported' WHERE line_id = ?`,
		} {
			arg := any(line)
			if strings.HasPrefix(q, "INSERT INTO export_batches") {
				arg = old.d.timeArg(testNow)
			}
			if _, err := old.db.ExecContext(ctx, old.q(q), arg); err != nil {
				t.Fatal(err)
			}
		}
		old.Close()
		s := openTest(t, dsn, Options{Now: fixedClock})
		b, err := s.ExportBatch(ctx, "t1", 1)
		if err != nil || len(b.Lines) != 1 || b.Lines[0].Cycle != 1 || b.Lines[0].PriorState != StateBillable {
			t.Fatalf("the old batch after 0009: %+v, %v", b, err)
		}
		// Its charge is open: the next batch charges only 99453.
		if got := actions(exportOct(t, s, false)); !slices.Equal(got, []string{"charge 99453"}) {
			t.Errorf("next batch = %v", got)
		}
	})
}

func fhirmapID(tenant, patient, code string, start rules.Date) string {
	return fhirmap.IdentifierValue(tenant, patient, code, start, rules.CMSPFS2026)
}

func TestExportedLineWhoseUnitsChangedIsReversedAndChargedAgain(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		// A month of October with 99457 and two units of 99458.
		res := func(units int) *rules.Result {
			r := sampleResult()
			r.Months[0].Window = rules.Window{Kind: rules.CalendarMonth, Start: d("2026-10-01"), End: d("2026-10-31")}
			r.Months[0].Lines = []rules.CodeLine{{Code: "99457", Units: 1, DOS: d("2026-10-31")}, {Code: "99458", Units: units, DOS: d("2026-10-31")}}
			return r
		}
		if err := s.RecordEvaluation(ctx, "t1", "p1", res(2), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		exportOct(t, s, false)
		if err := s.RecordEvaluation(ctx, "t1", "p1", res(1), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		b := exportOct(t, s, false)
		var got []string
		for _, l := range b.Lines {
			got = append(got, fmt.Sprintf("%s %s %d", l.Action, l.Code, l.Units))
		}
		if want := []string{"reverse 99458 2", "charge 99458 1"}; !slices.Equal(got, want) {
			t.Fatalf("batch = %v, want %v", got, want)
		}
		if b := exportOct(t, s, false); len(b.Lines) != 0 {
			t.Errorf("then: %v", actions(b))
		}
		if st := lineStates(t, s); st["p1 99458"] != StateExported {
			t.Errorf("99458 is %s", st["p1 99458"])
		}
	})
}
