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
// replicas starting at once (an arbitrary constant: "rpm-stor").
const migrationLockKey int64 = 0x72706d2d73746f72

type postgresDialect struct {
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
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("store: opening PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("store: opening PostgreSQL: %w", err)
	}
	return stdlib.OpenDBFromPool(pool), &postgresDialect{pool: pool, log: log}, nil
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

func (d *postgresDialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey)
	return err
}

// migrateRiver runs River's migrations under a session advisory lock, so
// replicas starting at once apply them once. Not in one transaction: River
// adds enum values in one version and uses them in the next, which
// PostgreSQL allows only across transactions.
func (d *postgresDialect) migrateRiver(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(d.pool), &rivermigrate.Config{Logger: d.log})
	if err != nil {
		return err
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey+1); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey+1) //nolint:errcheck // closing the session unlocks too
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}
