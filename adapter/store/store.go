package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Driver names, as Store.Driver reports them.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// NoNames keeps ids only: display names and MRNs are never stored, and
	// a recording clears any stored before.
	NoNames bool
	// Logger receives migration notes (versions only); nil discards.
	Logger *slog.Logger
	// Now is the clock for recorded times; nil is time.Now.
	Now func() time.Time

	// migrateTo stops the store's migrations at a version (tests of an
	// upgrade from an earlier schema); 0 applies all.
	migrateTo int
}

// Store is the adapter's database. Its methods are safe for concurrent use.
type Store struct {
	db      *sql.DB
	d       dialect
	noNames bool
	now     func() time.Time
	log     *slog.Logger

	mu      sync.RWMutex
	rebound map[string]string
	// stmts are the recording's prepared statements (SQLite), read-only
	// after Open.
	stmts map[string]*sql.Stmt
	// bound holds a batch transaction's statements bound to it
	// (*sql.Tx → map[string]*sql.Stmt), see bindStmts.
	bound sync.Map
	// counts says the schema has store_generation (0010), which every
	// recording adds one to; false only for a store held at an older
	// version (tests of the upgrade).
	counts bool
	// ranks caches the worklist's ranking of a month (worklist.go).
	ranks rankCache
	// policies caches the JSON of the policies recorded (rules.Policy →
	// string): a run has a handful, each on every window (policyJSON).
	policies  sync.Map
	npolicies atomic.Int32
}

// Open opens the store named by dsn, creating and migrating it: a
// postgres:// or postgresql:// URL is PostgreSQL, anything else a SQLite
// file path. The store's migrations and River's run before Open returns.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if dsn == "" {
		return nil, errors.New("store: no database given")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		db  *sql.DB
		d   dialect
		err error
	)
	if IsPostgresURL(dsn) {
		db, d, err = openPostgres(ctx, dsn, log)
	} else {
		db, d, err = openSQLite(ctx, dsn, log)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, d: d, noNames: opts.NoNames, now: opts.Now, log: log, rebound: map[string]string{}}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.migrate(ctx, opts.migrateTo); err != nil {
		s.Close()
		return nil, err
	}
	s.counts = opts.migrateTo == 0 || opts.migrateTo >= generationVersion
	// The recording's statements name tables of every version; a store held
	// at an older one (tests of the upgrade) runs them unprepared.
	if opts.migrateTo != 0 && opts.migrateTo < LatestSchemaVersion() {
		return s, nil
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// IsPostgresURL says whether a --db value names PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Close releases the database.
func (s *Store) Close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	err := s.db.Close()
	s.d.close()
	return err
}

// Driver is DriverSQLite or DriverPostgres.
func (s *Store) Driver() string { return s.d.name() }

// DB is the database/sql handle the store runs on, for River's SQLite
// driver (riversqlite.New) on SQLite; on PostgreSQL use Pool.
func (s *Store) DB() *sql.DB { return s.db }

// Pool is the pgx pool on PostgreSQL (for riverpgxv5.New), nil on SQLite.
func (s *Store) Pool() *pgxpool.Pool {
	if p, ok := s.d.(*postgresDialect); ok {
		return p.pool
	}
	return nil
}

// q is a query in the database's placeholders, rebound once.
func (s *Store) q(query string) string {
	s.mu.RLock()
	r, ok := s.rebound[query]
	s.mu.RUnlock()
	if ok {
		return r
	}
	r = s.d.rebind(query)
	s.mu.Lock()
	s.rebound[query] = r
	s.mu.Unlock()
	return r
}

// inTx runs f in one transaction, committed when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback() //nolint:errcheck // the first error is the one to report
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
