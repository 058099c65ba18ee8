package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migration is one numbered file, NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrationsOf lists a dialect's migrations in order. The numbers must run
// 1, 2, 3 … without a gap or a repeat: a gap would be a file lost in a merge.
func migrationsOf(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, n := range names {
		num, rest, ok := strings.Cut(strings.TrimSuffix(n, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("store: migration file %q is not NNNN_name.sql", n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: rest, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %04d_%s.sql is out of sequence (expected %04d)", m.version, m.name, i+1)
		}
	}
	return out, nil
}

// execer is a transaction the store's migrations run in.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txRunner runs f in a transaction (SQLite: the one all migrations share).
type txRunner func(f func(tx execer) error) error

// migrate applies the store's migrations up to version to (0: all, and then
// River's), under the dialect's lock, so processes opening one database at
// once apply each migration once. Each store migration commits together with
// its row in store_schema_version, so the schema is always at a whole
// version; applied versions are skipped, so running it again changes
// nothing.
func (s *Store) migrate(ctx context.Context, to int) error {
	all, err := migrationsOf(s.d.migrations())
	if err != nil {
		return err
	}
	return s.d.migrate(ctx, func(inTx txRunner) error { return s.applyStore(ctx, all, to, inTx) }, to == 0)
}

func (s *Store) applyStore(ctx context.Context, all []migration, to int, inTx txRunner) error {
	err := inTx(func(tx execer) error {
		_, err := tx.ExecContext(ctx, s.d.versionTable())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: creating the schema version table: %w", err)
	}
	for _, m := range all {
		if to > 0 && m.version > to {
			break
		}
		err := inTx(func(tx execer) error {
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM store_schema_version WHERE version = ?`), m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO store_schema_version (version, name, applied_at) VALUES (?, ?, ?)`),
				m.version, m.name, s.d.timeArg(s.now())); err != nil {
				return err
			}
			s.log.Info("store: migration applied", "driver", s.d.name(), "version", m.version, "name", m.name)
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

// SchemaVersion is the highest store migration applied (River's tables are
// versioned by River).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM store_schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return int(v.Int64), nil
}

// LatestSchemaVersion is the version Open migrates to.
func LatestSchemaVersion() int {
	all, err := migrationsOf(sub("sqlite"))
	if err != nil {
		return 0
	}
	return len(all)
}
