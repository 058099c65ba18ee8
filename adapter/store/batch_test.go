package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// dumpPatient is everything the store holds of a patient, as JSON.
func dumpPatient(t *testing.T, s *Store, pid string) string {
	t.Helper()
	ctx := context.Background()
	p, err := s.Patient(ctx, "t1", pid)
	if err != nil {
		t.Fatalf("patient %s: %v", pid, err)
	}
	es, err := s.Evaluations(ctx, "t1", pid)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := s.WrittenResources(ctx, "t1", pid)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(struct {
		P  *Patient
		Es []Evaluation
		Ws []Written
	}{p, es, ws}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// A batching sink leaves the store exactly as the sink that records each
// patient in its own transaction: the embedded sample's every patient,
// through the runner's concurrent workers, in batches of 7 (several full
// ones and a partial one committed by Close).
func TestBatchSinkRecordsWhatTheSinkDoes(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		one := openTest(t, dsn, Options{Now: fixedClock})
		batched := openTest(t, dsnLike(t, dsn), Options{Now: fixedClock})
		plain, err := NewSink(one, "t1", &fakeWriteBack{charges: map[string][]string{}}, true)
		if err != nil {
			t.Fatal(err)
		}
		bs, err := NewBatchSink(batched, "t1", &fakeWriteBack{charges: map[string][]string{}}, true, BatchOptions{Size: 7})
		if err != nil {
			t.Fatal(err)
		}
		want := runSample(t, plain)
		got := runSample(t, bs)
		if err := bs.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if want.Failed() > 0 || got.Failed() > 0 || len(got.Rows) != len(want.Rows) || len(got.Rows) < 40 {
			t.Fatalf("rows %d and %d, failed %d and %d", len(want.Rows), len(got.Rows), want.Failed(), got.Failed())
		}
		for _, row := range want.Rows {
			if w, g := dumpPatient(t, one, row.PatientID), dumpPatient(t, batched, row.PatientID); w != g {
				t.Errorf("%s: the batching sink recorded\n%s\nthe sink\n%s", row.PatientID, g, w)
			}
		}
		for _, q := range []string{"SELECT count(*) FROM evaluations", "SELECT count(*) FROM code_lines", "SELECT count(*) FROM written_resources"} {
			var a, b int
			if err := one.db.QueryRow(q).Scan(&a); err != nil {
				t.Fatal(err)
			}
			if err := batched.db.QueryRow(q).Scan(&b); err != nil {
				t.Fatal(err)
			}
			if a != b || a == 0 {
				t.Errorf("%s: %d one by one, %d batched", q, a, b)
			}
		}
	})
}

// The batching sink also re-evaluates as the sink does: over what a first
// run recorded, later runs that open and close other windows, move
// periods, withdraw lines, and list every patient twice in one batch.
func TestBatchSinkReEvaluatesWhatTheSinkDoes(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		one := openTest(t, dsn, Options{Now: fixedClock})
		batched := openTest(t, dsnLike(t, dsn), Options{Now: fixedClock})
		runs := []struct {
			month string
			now   time.Time
			twice bool
		}{
			{"2026-10", time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), false},
			{"2026-10", time.Date(2026, 10, 18, 12, 0, 0, 0, time.UTC), true},
			{"2026-09", time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC), false},
			{"2026-10", time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC), true},
		}
		var ids []string
		for _, run := range runs {
			plain, err := NewSink(one, "t1", nil, false)
			if err != nil {
				t.Fatal(err)
			}
			bs, err := NewBatchSink(batched, "t1", nil, false, BatchOptions{Size: 9})
			if err != nil {
				t.Fatal(err)
			}
			want := runSampleAt(t, plain, run.month, run.now, run.twice)
			got := runSampleAt(t, bs, run.month, run.now, run.twice)
			if err := bs.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if want.Failed() > 0 || got.Failed() > 0 {
				t.Fatalf("%s as of %s: failed %d and %d", run.month, run.now, want.Failed(), got.Failed())
			}
			ids = ids[:0]
			for _, row := range want.Rows {
				ids = append(ids, row.PatientID)
			}
		}
		for _, pid := range ids {
			if w, g := dumpPatient(t, one, pid), dumpPatient(t, batched, pid); w != g {
				t.Errorf("%s: the batching sink recorded\n%s\nthe sink\n%s", pid, g, w)
			}
		}
		q := `SELECT line_id, state, units, dos, window_start, window_end FROM code_lines ORDER BY line_id`
		if w, g := dumpRows(t, one, q), dumpRows(t, batched, q); w != g || !strings.Contains(w, "withdrawn") {
			t.Errorf("code lines: the batching sink\n%s\nthe sink\n%s", g, w)
		}
	})
}

// dumpRows is the rows of q, one line each.
func dumpRows(t *testing.T, s *Store, q string) string {
	t.Helper()
	rows, err := s.db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, vals...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// dsnLike is a second database of the same driver as dsn.
func dsnLike(t *testing.T, dsn string) string {
	if IsPostgresURL(dsn) {
		return postgresDSN(t)
	}
	return drivers[0].dsn(t)
}

// badResult fails in the database, not before: a month of no kind breaks
// the window_kind CHECK of both schemas.
func badResult() *rules.Result {
	res := sampleResult()
	res.Months[0].Window.Kind = 0
	return res
}

// A patient whose recording the database refuses fails alone: the batch is
// rolled back and replayed one patient per transaction, so the others are
// recorded and the failing one leaves nothing, not even its header. The
// error comes from the next Sync, once, with the number of patients.
func TestBatchSinkAFailingPatientFailsAlone(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		bs, err := NewBatchSink(s, "t1", nil, false, BatchOptions{Size: 100, Every: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			res := sampleResult()
			if i == 2 || i == 4 {
				res = badResult()
			}
			out := &adapter.Outcome{PatientID: fmt.Sprintf("p%d", i), Result: res, Activities: sampleRecord().Activities}
			if err := bs.Write(ctx, out); err != nil {
				t.Fatalf("Write %d: %v (the database's errors come with Sync)", i, err)
			}
		}
		err = bs.Sync()
		if err == nil || !strings.Contains(err.Error(), "2 patients' evaluations were not recorded") {
			t.Fatalf("Sync = %v, want the two patients the database refused", err)
		}
		if strings.Contains(err.Error(), "p2") || strings.Contains(err.Error(), "\n") {
			t.Errorf("the error names a patient or spans lines: %q", err)
		}
		for i := range 6 {
			pid := fmt.Sprintf("p%d", i)
			es, err := s.Evaluations(ctx, "t1", pid)
			if i == 2 || i == 4 {
				if _, perr := s.Patient(ctx, "t1", pid); !errors.Is(perr, ErrNotFound) || len(es) != 0 {
					t.Errorf("%s: the refused patient left a header (%v) or %d evaluations", pid, perr, len(es))
				}
				continue
			}
			if err != nil || len(es) != 3 {
				t.Errorf("%s: %d evaluations (%v), want 3", pid, len(es), err)
			}
		}
		if err := bs.Close(); err != nil {
			t.Errorf("Close after the Sync that reported the errors: %v", err)
		}
		// A bad patient alone in its batch, reported by Close.
		bs, _ = NewBatchSink(s, "t1", nil, false, BatchOptions{})
		if err := bs.Write(ctx, &adapter.Outcome{PatientID: "p9", Result: badResult()}); err != nil {
			t.Fatal(err)
		}
		if err := bs.Close(); err == nil || !strings.Contains(err.Error(), "1 patient's evaluation was not recorded") {
			t.Errorf("Close = %v, want the refused patient", err)
		}
	})
}

// What a batching sink checks before the database is refused at Write, as
// the sink refuses it; after Close, Write fails and Close does nothing.
func TestBatchSinkRefusesAtWriteAndAfterClose(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		bs, _ := NewBatchSink(s, "t1", nil, false, BatchOptions{})
		res := sampleResult()
		res.Zone = "Nowhere/Atlantis"
		if err := bs.Write(ctx, &adapter.Outcome{PatientID: "p1", Result: res, Activities: sampleRecord().Activities}); err == nil {
			t.Error("a result whose zone cannot be loaded was accepted")
		}
		if err := bs.Write(ctx, &adapter.Outcome{OperationOutcome: []byte(`{}`)}); err != nil {
			t.Errorf("an outcome without a patient: %v", err)
		}
		if err := bs.Close(); err != nil {
			t.Fatal(err)
		}
		if err := bs.Write(ctx, &adapter.Outcome{PatientID: "p2", Result: sampleResult()}); !errors.Is(err, errSinkClosed) {
			t.Errorf("Write after Close = %v", err)
		}
		if err := bs.Close(); err != nil {
			t.Errorf("a second Close: %v", err)
		}
		if err := bs.Sync(); !errors.Is(err, errSinkClosed) {
			t.Errorf("Sync after Close = %v", err)
		}
	})
}

// Sync commits what was written before it; without a Sync, a batch that
// never fills is committed after Every.
func TestBatchSinkSyncAndEveryCommit(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		bs, _ := NewBatchSink(s, "t1", nil, false, BatchOptions{Size: 1000, Every: time.Hour})
		for i := range 3 {
			if err := bs.Write(ctx, &adapter.Outcome{PatientID: fmt.Sprintf("p%d", i), Result: sampleResult()}); err != nil {
				t.Fatal(err)
			}
		}
		if err := bs.Sync(); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "patients"); n != 3 {
			t.Errorf("%d patients after Sync, want 3", n)
		}
		bs.Close()

		bs, _ = NewBatchSink(s, "t1", nil, false, BatchOptions{Size: 1000, Every: 50 * time.Millisecond})
		defer bs.Close()
		if err := bs.Write(ctx, &adapter.Outcome{PatientID: "p9", Result: sampleResult()}); err != nil {
			t.Fatal(err)
		}
		// On SQLite the read waits for the batch's connection, on
		// PostgreSQL it polls: either way the batch must commit by itself.
		deadline := time.Now().Add(20 * time.Second)
		for countRows(t, s, "patients") != 4 {
			if time.Now().After(deadline) {
				t.Fatal("a batch that never filled was not committed after Every")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const crashChildEnv = "RPM_TEST_BATCH_CRASH_DSN"

// A process killed with SIGKILL while a batch is open loses that batch
// only: the child commits two full batches of 10 patients, opens a third
// with 5, and is killed; the store then holds exactly the 20 first
// patients, each whole.
func TestBatchSinkKilledLosesOnlyTheOpenBatch(t *testing.T) {
	if dsn := os.Getenv(crashChildEnv); dsn != "" {
		crashChild(dsn)
		return
	}
	forEachDriver(t, func(t *testing.T, dsn string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBatchSinkKilledLosesOnlyTheOpenBatch$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dsn)
		outb, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("the child was not killed: %v\n%s", err, outb)
		}
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		if n := countRows(t, s, "patients"); n != 20 {
			t.Fatalf("%d patients after the kill, want the 20 of the committed batches", n)
		}
		for i := range 25 {
			pid := fmt.Sprintf("p%02d", i)
			es, err := s.Evaluations(ctx, "t1", pid)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 3, false: 0}[i < 20]; len(es) != want {
				t.Errorf("%s: %d evaluations, want %d", pid, len(es), want)
			}
		}
	})
}

// crashChild writes 25 patients in batches of 10, waits until another
// connection sees the first 20, and kills itself.
func crashChild(dsn string) {
	ctx := context.Background()
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	bs, _ := NewBatchSink(s, "t1", nil, false, BatchOptions{Size: 10, Every: time.Hour})
	for i := range 25 {
		if err := bs.Write(ctx, &adapter.Outcome{PatientID: fmt.Sprintf("p%02d", i), Result: sampleResult()}); err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
	}
	var count func() (int, error)
	if IsPostgresURL(dsn) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		count = func() (n int, err error) {
			return n, conn.QueryRow(ctx, "SELECT count(*) FROM patients").Scan(&n)
		}
	} else {
		// A reader of its own beside the store's one connection (WAL).
		db, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&mode=ro")
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		count = func() (n int, err error) { return n, db.QueryRow("SELECT count(*) FROM patients").Scan(&n) }
	}
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := count()
		if err == nil && n == 20 {
			break
		}
		if time.Now().After(deadline) {
			fmt.Println("the first two batches were not committed:", n, err)
			os.Exit(3)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The writer has the third batch open (5 patients, Every an hour).
	syscall.Kill(os.Getpid(), syscall.SIGKILL) //nolint:errcheck // the process ends here
	select {}
}
