package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The statements of a recording, prepared once at Open on SQLite (where
// parsing them was half the cost of a recording); PostgreSQL's pgx caches
// its prepared statements itself.

const (
	overlapping = ` WHERE tenant = ? AND patient_id = ? AND window_kind = ? AND window_start <> ? AND window_start <= ? AND window_end >= ?`
	// withdrawOverlapping and deleteOverlapping supersede the periods a moved
	// anchor replaced.
	withdrawOverlapping = `UPDATE code_lines SET state = 'withdrawn', withdrawn_at = ?, updated_at = ?` + overlapping +
		` AND state IN ('planned', 'billable', 'exported')`
	deleteOverlapping = `DELETE FROM evaluations` + overlapping

	// bumpGeneration counts a recording (migration 0010).
	bumpGeneration = `UPDATE store_generation SET n = n + 1 WHERE id = 1`
	// generationVersion is the schema version that has store_generation.
	generationVersion = 10
)

// selectHeld reads what the store holds of n patients' windows, by n: their
// code lines and their evaluations' windows (heldOf).
var selectHeld = func() map[int]string {
	out := map[int]string{}
	for _, n := range rowCounts {
		in := strings.Repeat("?, ", n-1) + "?"
		out[n] = `SELECT patient_id, 'line', window_kind, window_start, window_end, line_id, state FROM code_lines
WHERE tenant = ? AND patient_id IN (` + in + `)
UNION ALL SELECT patient_id, 'eval', window_kind, window_start, window_end, '', '' FROM evaluations
WHERE tenant = ? AND patient_id IN (` + in + `)`
	}
	return out
}()

func recordingStatements() []string {
	qs := []string{withdrawLine, withdrawOverlapping, deleteOverlapping, upsertWritten, bumpGeneration}
	for _, n := range rowCounts {
		qs = append(qs, upsertPatients[n], upsertEvaluations[n], upsertLines[n], selectHeld[n])
	}
	return qs
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
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, s.q(query), args...)
}

func (s *Store) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, s.q(query), args...)
}

// txStmt is the prepared statement of query bound to tx, nil when query is
// not prepared. A batch's transaction (bindStmts) binds each statement
// once, not once a use.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	st := s.stmts[query]
	if st == nil {
		return nil
	}
	if m, ok := s.bound.Load(tx); ok {
		bound := m.(map[string]*sql.Stmt)
		if b := bound[query]; b != nil {
			return b
		}
		b := tx.StmtContext(ctx, st)
		bound[query] = b
		return b
	}
	return tx.StmtContext(ctx, st)
}

// bindStmts keeps tx's bound statements until unbindStmts; only the
// goroutine that owns tx may use it in between. database/sql closes them
// when tx ends.
func (s *Store) bindStmts(tx *sql.Tx) {
	if s.stmts != nil {
		s.bound.Store(tx, map[string]*sql.Stmt{})
	}
}

func (s *Store) unbindStmts(tx *sql.Tx) { s.bound.Delete(tx) }
