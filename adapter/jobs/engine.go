package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// execer runs the package's statements in one transaction of either
// database, with ? placeholders.
type execer interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	queryRow(ctx context.Context, q string, args ...any) scanner
}

type scanner interface{ Scan(dest ...any) error }

// engine is the River client of one driver; all that differs between the
// databases is the transaction type TTx.
type engine interface {
	// inTx runs f in a transaction, inserts the River jobs it returns in
	// the same transaction, and commits.
	inTx(ctx context.Context, f func(x execer) ([]river.InsertManyParams, error)) error
	// insert inserts jobs outside any transaction of ours and says which
	// were skipped as duplicates of a unique job.
	insert(ctx context.Context, ins []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
}

type riverEngine[TTx any] struct {
	client *river.Client[TTx]
	begin  func(ctx context.Context) (TTx, error)
	wrap   func(tx TTx) execer
	commit func(ctx context.Context, tx TTx) error
	abort  func(ctx context.Context, tx TTx)
}

func (e *riverEngine[TTx]) inTx(ctx context.Context, f func(x execer) ([]river.InsertManyParams, error)) error {
	tx, err := e.begin(ctx)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	ins, err := f(e.wrap(tx))
	if err == nil && len(ins) > 0 {
		_, err = e.client.InsertManyTx(ctx, tx, ins)
	}
	if err != nil {
		e.abort(ctx, tx)
		return err
	}
	if err := e.commit(ctx, tx); err != nil {
		return fmt.Errorf("jobs: commit: %w", err)
	}
	return nil
}

func (e *riverEngine[TTx]) insert(ctx context.Context, ins []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return e.client.InsertMany(ctx, ins)
}

func (e *riverEngine[TTx]) start(ctx context.Context) error { return e.client.Start(ctx) }
func (e *riverEngine[TTx]) stop(ctx context.Context) error  { return e.client.StopAndCancel(ctx) }

// newSQLiteEngine runs River on the store's database/sql handle.
func newSQLiteEngine(db *sql.DB, cfg *river.Config) (engine, error) {
	c, err := river.NewClient(riversqlite.New(db), cfg)
	if err != nil {
		return nil, err
	}
	return &riverEngine[*sql.Tx]{client: c,
		begin:  func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
		wrap:   func(tx *sql.Tx) execer { return sqlExecer{tx: tx} },
		commit: func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
		abort:  func(_ context.Context, tx *sql.Tx) { _ = tx.Rollback() },
	}, nil
}

// newPostgresEngine runs River on the store's pgx pool.
func newPostgresEngine(pool *pgxpool.Pool, cfg *river.Config) (engine, error) {
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, err
	}
	return &riverEngine[pgx.Tx]{client: c,
		begin:  func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) },
		wrap:   func(tx pgx.Tx) execer { return pgxExecer{tx: tx} },
		commit: func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
		abort:  func(ctx context.Context, tx pgx.Tx) { _ = tx.Rollback(context.WithoutCancel(ctx)) },
	}, nil
}

// sqlExecer is a database/sql transaction (SQLite, and the bookkeeping on
// PostgreSQL through pgx's stdlib handle); dollar says $n placeholders.
type sqlExecer struct {
	tx     *sql.Tx
	dollar bool
}

func (x sqlExecer) exec(ctx context.Context, q string, args ...any) (int64, error) {
	if x.dollar {
		q = dollars(q)
	}
	r, err := x.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (x sqlExecer) queryRow(ctx context.Context, q string, args ...any) scanner {
	if x.dollar {
		q = dollars(q)
	}
	return x.tx.QueryRowContext(ctx, q, args...)
}

type pgxExecer struct{ tx pgx.Tx }

func (x pgxExecer) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := x.tx.Exec(ctx, dollars(q), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (x pgxExecer) queryRow(ctx context.Context, q string, args ...any) scanner {
	return x.tx.QueryRow(ctx, dollars(q), args...)
}

// dollars turns ? placeholders into PostgreSQL's $1, $2, … (the package's
// queries hold no ? in literals).
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
