package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestOpenCreatesTheSchemaAndRiversTables(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != LatestSchemaVersion() {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestSchemaVersion())
		}
		for _, table := range []string{"patients", "evaluations", "code_lines", "code_line_states", "written_resources", "audit_events",
			"watch_cursors", "sign_offs", "export_batches", "export_batch_lines", "river_job", "river_migration"} {
			var n int
			if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				t.Errorf("table %s: %v", table, err)
			}
		}
	})
}

func TestOpeningTwiceChangesNothing(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s2 := openTest(t, dsn, Options{})
		var versions int
		if err := s2.db.QueryRowContext(ctx, "SELECT count(*) FROM store_schema_version").Scan(&versions); err != nil || versions != LatestSchemaVersion() {
			t.Fatalf("store_schema_version holds %d rows (%v), want %d", versions, err, LatestSchemaVersion())
		}
		if _, err := s2.Evaluation(ctx, "t1", "p1", rules.Period30, sampleResult().Periods[0].Window.Start); err != nil {
			t.Fatalf("the row recorded before reopening: %v", err)
		}
	})
}

// An installation on version 1 (evaluations only) upgrades at Open and
// keeps its rows.
func TestUpgradeFromVersion1KeepsTheRows(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		old := openTest(t, dsn, Options{Now: fixedClock, migrateTo: 1})
		if v, _ := old.SchemaVersion(ctx); v != 1 {
			t.Fatalf("version after migrating to 1 = %d", v)
		}
		var n int
		if err := old.db.QueryRowContext(ctx, "SELECT count(*) FROM audit_events").Scan(&n); err == nil {
			t.Fatal("audit_events exists at version 1")
		}
		want := sampleResult()
		if err := old.RecordEvaluation(ctx, "t1", "p1", want, sampleRecord()); err != nil {
			t.Fatal(err)
		}
		old.Close()

		s := openTest(t, dsn, Options{Now: fixedClock})
		if v, _ := s.SchemaVersion(ctx); v != LatestSchemaVersion() {
			t.Fatalf("version after the upgrade = %d, want %d", v, LatestSchemaVersion())
		}
		got, err := s.Evaluations(ctx, "t1", "p1")
		if err != nil || len(got) != len(want.Periods)+len(want.Months) {
			t.Fatalf("after the upgrade: %d evaluations, %v", len(got), err)
		}
		checkRoundTrip(t, got, want, sampleRecord())
		if err := s.RecordAudit(ctx, AuditEvent{Operation: "evaluate", PatientID: "p1", Status: 200}); err != nil {
			t.Fatalf("a table of version 2 after the upgrade: %v", err)
		}
	})
}

func TestMigrationFilesAreNumberedWithoutGaps(t *testing.T) {
	for _, dir := range []string{"sqlite", "postgres"} {
		ms, err := migrationsOf(sub(dir))
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(ms) != LatestSchemaVersion() {
			t.Errorf("%s has %d migrations, sqlite %d: every migration needs both dialects", dir, len(ms), LatestSchemaVersion())
		}
	}
	sq, _ := migrationsOf(sub("sqlite"))
	pg, _ := migrationsOf(sub("postgres"))
	for i := range min(len(sq), len(pg)) {
		if sq[i].name != pg[i].name {
			t.Errorf("migration %04d is %q on SQLite and %q on PostgreSQL", i+1, sq[i].name, pg[i].name)
		}
	}
	for name, fsys := range map[string]fstest.MapFS{
		"a gap":      {"0001_a.sql": {}, "0003_c.sql": {}},
		"a bad name": {"1_a.sql": {}},
	} {
		if _, err := migrationsOf(fsys); err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
}

func TestSQLiteFileIs0600InAFolder0700(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "rpm-adapter.db")
	openTest(t, path, Options{})
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), got, want)
		}
	}
}

func TestSQLitePragmas(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "x.db"), Options{})
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000",
		"synchronous": "1", "temp_store": "2"} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}

func TestDollarPlaceholdersLeaveQuotedTextAlone(t *testing.T) {
	got := dollarPlaceholders(`SELECT ? WHERE a = '?' AND b IN (?, ?)`)
	if want := `SELECT $1 WHERE a = '?' AND b IN ($2, $3)`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Two processes (replicas, or two evaluate runs) opening one new database at
// once apply every migration once, River's included.
func TestOpeningAtOnceMigratesOnce(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		errs := make(chan error, 3)
		stores := make(chan *Store, 3)
		for range 3 {
			go func() {
				s, err := Open(ctx, dsn, Options{})
				errs <- err
				stores <- s
			}()
		}
		for range 3 {
			if err := <-errs; err != nil {
				t.Errorf("Open: %v", err)
			}
			if s := <-stores; s != nil {
				defer s.Close()
			}
		}
		s := openTest(t, dsn, Options{})
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM store_schema_version").Scan(&n); err != nil || n != LatestSchemaVersion() {
			t.Errorf("store_schema_version: %d rows (%v)", n, err)
		}
	})
}

// The tables of the next issues (0003–0005) take real rows and keep their
// promises: a sign-off names an existing line, and a line leaves in one
// export batch per action only.
func TestTheTablesOfTheNextIssuesTakeRealRows(t *testing.T) {
	forEachDriver(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{Now: fixedClock})
		if err := s.RecordEvaluation(ctx, "t1", "p1", sampleResult(), sampleRecord()); err != nil {
			t.Fatal(err)
		}
		lines, err := s.CodeLines(ctx, LineFilter{Tenant: "t1", States: []State{StateBillable}})
		if err != nil || len(lines) == 0 {
			t.Fatalf("no billable line (%v)", err)
		}
		line, at := lines[0].LineID, s.d.timeArg(testNow)
		exec := func(q string, args ...any) error {
			_, err := s.db.ExecContext(ctx, s.q(q), args...)
			return err
		}
		if err := exec(`INSERT INTO sign_offs (line_id, decision, signer, signed_at) VALUES (?, 'approved', 'dr-lee', ?)`, line, at); err != nil {
			t.Errorf("a sign-off: %v", err)
		}
		if err := exec(`INSERT INTO sign_offs (line_id, decision, signer, signed_at) VALUES ('no-such-line', 'approved', 'dr-lee', ?)`, at); err == nil {
			t.Error("a sign-off of a line that does not exist was accepted")
		}
		var batch int64
		if err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO export_batches (tenant, created_at, month, format, requested_by)
VALUES ('t1', ?, '2026-10', 'csv', 'billing') RETURNING id`), at).Scan(&batch); err != nil {
			t.Fatalf("an export batch: %v", err)
		}
		if err := exec(`INSERT INTO export_batch_lines (batch_id, line_id, action, units) VALUES (?, ?, 'charge', 1)`, batch, line); err != nil {
			t.Errorf("a batch line: %v", err)
		}
		var second int64
		if err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO export_batches (tenant, created_at, month, format) VALUES ('t1', ?, '2026-10', 'hl7v2') RETURNING id`),
			at).Scan(&second); err != nil {
			t.Fatal(err)
		}
		if err := exec(`INSERT INTO export_batch_lines (batch_id, line_id, action, units) VALUES (?, ?, 'charge', 1)`, second, line); err == nil {
			t.Error("a line was charged in two batches")
		}
		if err := exec(`INSERT INTO export_batch_lines (batch_id, line_id, action, units) VALUES (?, ?, 'reverse', 1)`, second, line); err != nil {
			t.Errorf("its reversal in a later batch: %v", err)
		}
	})
}
