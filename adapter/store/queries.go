package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The statements of a recording, prepared once at Open on SQLite (where
// parsing them was half the cost of a recording); PostgreSQL's pgx caches
// its prepared statements itself.

const (
	selectWindowLines = `SELECT line_id, state FROM code_lines WHERE tenant = ? AND patient_id = ? AND window_kind = ? AND window_start = ?`

	overlapping = ` WHERE tenant = ? AND patient_id = ? AND window_kind = ? AND window_start <> ? AND window_start <= ? AND window_end >= ?`
	// withdrawOverlapping and deleteOverlapping supersede the periods a moved
	// anchor replaced.
	withdrawOverlapping = `UPDATE code_lines SET state = 'withdrawn', withdrawn_at = ?, updated_at = ?` + overlapping +
		` AND state IN ('planned', 'billable')`
	deleteOverlapping = `DELETE FROM evaluations` + overlapping
)

func recordingStatements() []string {
	return []string{upsertPatient, upsertEvaluation, upsertLine, withdrawLine, selectWindowLines,
		withdrawOverlapping, deleteOverlapping, upsertWritten}
}

// prepare prepares the recording's statements, outside any transaction: on
// SQLite's single connection a Prepare inside one would wait for itself.
func (s *Store) prepare(ctx context.Context) error {
	if !s.d.prepares() {
		return nil
	}
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range recordingStatements() {
		st, err := s.db.PrepareContext(ctx, s.q(q))
		if err != nil {
			return fmt.Errorf("store: preparing a statement: %w", err)
		}
		s.stmts[q] = st
	}
	return nil
}

// exec runs a statement in tx, prepared when it can be.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, s.q(query), args...)
}

func (s *Store) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, s.q(query), args...)
}
