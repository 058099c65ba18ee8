package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationLockKey is the advisory lock that serialises migrations of
// replicas starting at once (an arbitrary constant: "rpm-stor"), River's
// included.
const migrationLockKey int64 = 0x72706d2d73746f72

type postgresDialect struct {
	db   *sql.DB
	pool *pgxpool.Pool
	log  *slog.Logger
}

// openPostgres opens a pgx pool for the URL and a database/sql handle on
// the same pool, so the store's queries and River share connections.
func openPostgres(ctx context.Context, url string, log *slog.Logger) (*sql.DB, *postgresDialect, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: keep ours.
		return nil, nil, fmt.Errorf("store: the PostgreSQL URL cannot be parsed")
	}
	// The store's tables grow from empty while a population is recorded.
	// PostgreSQL gives a prepared statement a generic plan after five runs,
	// chosen for the table as it was then: the batch writer's read of the
	// patients' windows kept scanning whole tables, 50 ms a batch of 64, and
	// a 10,000-patient month took 7.3 s instead of 3.5 s. Plans made for
	// each run's values cost a fraction of a millisecond. A URL that sets
	// plan_cache_mode itself keeps its choice.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("store: opening PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("store: opening PostgreSQL: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	return db, &postgresDialect{db: db, pool: pool, log: log}, nil
}

func (d *postgresDialect) name() string            { return DriverPostgres }
func (d *postgresDialect) migrations() fs.FS       { return sub("postgres") }
func (d *postgresDialect) rebind(q string) string  { return dollarPlaceholders(q) }
func (d *postgresDialect) timeArg(t time.Time) any { return t.UTC() }
func (d *postgresDialect) close()                  { d.pool.Close() }
func (d *postgresDialect) prepares() bool          { return false }

func (d *postgresDialect) versionTable() string {
	return `CREATE TABLE IF NOT EXISTS store_schema_version (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL
)`
}

// migrate holds a session advisory lock while it runs the store's
// migrations, each in its own transaction, and River's. Not all in one
// transaction: River adds enum values in one version and uses them in the
// next, which PostgreSQL allows only across transactions; and CREATE TABLE IF
// NOT EXISTS is not safe against a concurrent one without the lock.
func (d *postgresDialect) migrate(ctx context.Context, store func(inTx txRunner) error, river bool) error {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("store: taking the migration lock: %w", err)
	}
	//nolint:errcheck // ending the session releases it as well
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	err = store(func(f func(execer) error) error {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := f(tx); err != nil {
			tx.Rollback() //nolint:errcheck // the first error is the one to report
			return err
		}
		return tx.Commit()
	})
	if err != nil || !river {
		return err
	}
	m, err := rivermigrate.New(riverpgxv5.New(d.pool), &rivermigrate.Config{Logger: d.log})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: River migrations: %w", err)
	}
	return nil
}
