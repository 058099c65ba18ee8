package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

type sqliteDialect struct {
	db  *sql.DB
	log *slog.Logger
}

// openSQLite opens (creating it when missing) the database file at path.
// The file holds names and MRNs unless names are off: it is created 0600 in
// a folder created 0700. An existing file keeps its mode (an operator's
// choice), with a warning when others can read it.
func openSQLite(ctx context.Context, path string, log *slog.Logger) (*sql.DB, *sqliteDialect, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, nil, errors.New("store: a SQLite path must not contain ? or #")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	st, err := f.Stat()
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		log.Warn("store: the database file is readable by others", "mode", st.Mode().Perm().String())
	}
	// WAL lets readers run beside the writer; the busy timeout waits for a
	// lock instead of failing; foreign keys are off in SQLite unless asked;
	// BEGIN IMMEDIATE takes the write lock at the start of a transaction, so
	// two writers never deadlock upgrading a read lock. Temporary data in
	// memory: the statement journal a multi-row upsert keeps inside a batch's
	// transaction, and the sorter of a ranking, were a temporary file written
	// page by page (a tenth of the batch writer's CPU time on the
	// 10,000-patient month); none of it is needed after a crash.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	// One connection: SQLite runs one writer at a time anyway, and River's
	// SQLite driver recommends it to avoid SQLITE_BUSY under its own
	// parallel maintenance work.
	db.SetMaxOpenConns(1)
	if err := pingSQLite(ctx, db); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("store: opening SQLite: %w", err)
	}
	return db, &sqliteDialect{db: db, log: log}, nil
}

func (d *sqliteDialect) name() string           { return DriverSQLite }
func (d *sqliteDialect) migrations() fs.FS      { return sub("sqlite") }
func (d *sqliteDialect) rebind(q string) string { return q }
func (d *sqliteDialect) timeArg(t time.Time) any {
	return t.UTC().Format(instantLayout)
}
func (d *sqliteDialect) close()         {}
func (d *sqliteDialect) prepares() bool { return true }

func (d *sqliteDialect) versionTable() string {
	return `CREATE TABLE IF NOT EXISTS store_schema_version (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`
}

// migrate runs every migration, the store's and River's, in one
// transaction: BEGIN IMMEDIATE (see openSQLite) takes the database's write
// lock, so a second process waits (busy timeout) and then finds them applied,
// and a crash leaves the database as it was. River's per-version
// transactions (Migrate) would let two processes both apply a version.
func (d *sqliteDialect) migrate(ctx context.Context, store func(inTx txRunner) error, river bool) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := store(func(f func(execer) error) error { return f(tx) }); err != nil {
		return err
	}
	if river {
		m, err := rivermigrate.New(riversqlite.New(d.db), &rivermigrate.Config{Logger: d.log})
		if err != nil {
			return err
		}
		// Deprecated because some PostgreSQL versions cannot share one
		// transaction; River's SQLite migrations can, and a test applies them
		// all from empty and concurrently.
		//lint:ignore SA1019 the one transaction is what serialises processes on SQLite
		if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("store: River migrations: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: committing the migrations: %w", err)
	}
	return nil
}

// pingSQLite opens the first connection, waiting while another process
// holds the database's lock: the connection's pragmas (switching a new file
// to WAL) may answer SQLITE_BUSY at once instead of waiting out the busy
// timeout, seen when replicas open a new database together.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := db.PingContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
