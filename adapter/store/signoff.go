package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Provider sign-off of code lines (issue 14). Approving sets a billable
// line's state to approved and keeps a sign_offs row (who, when); a
// rejection keeps a row with the reason and leaves (or puts) the line in
// billable. A later evaluation that changes an approved line takes the
// approval back (record.go: the line returns to billable, the row gets
// revoked_at and revoked_by 'evaluation').

// Sign-off decisions.
const (
	DecisionApproved = "approved"
	DecisionRejected = "rejected"
)

// RevokedByEvaluation is SignOff.RevokedBy when a later evaluation changed
// the approved line.
const RevokedByEvaluation = "evaluation"

// SignOff is one decision on one code line.
type SignOff struct {
	ID        int64
	LineID    string
	Decision  string
	Reason    string
	Signer    string // the token label
	SignedAt  time.Time
	RevokedAt time.Time // zero while in force
	RevokedBy string
}

// ErrNotBillable is returned when a sign-off names a line that is not
// billable or approved: planned (its window is open), withdrawn, exported,
// or another patient's.
var ErrNotBillable = errors.New("store: the line is not a billable line of a closed window")

// Approve approves the given billable lines of one patient, in one
// transaction; lines already approved are left as they are. It returns how
// many it approved; a line that is neither billable nor approved is
// ErrNotBillable and nothing is approved.
func (s *Store) Approve(ctx context.Context, tenant, patientID string, lineIDs []string, signer string) (int, error) {
	if signer == "" {
		return 0, errors.New("store: a sign-off needs a signer")
	}
	at := s.d.timeArg(s.now())
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range lineIDs {
			st, err := lineState(ctx, s, tx, tenant, patientID, id)
			if err != nil {
				return err
			}
			switch st {
			case StateApproved:
				continue
			case StateBillable:
			default:
				return ErrNotBillable
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE code_lines SET state = 'approved', updated_at = ? WHERE line_id = ?`), at, id); err != nil {
				return fmt.Errorf("store: %w", err)
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sign_offs (line_id, decision, reason, signer, signed_at) VALUES (?, 'approved', '', ?, ?)`),
				id, signer, at); err != nil {
				return fmt.Errorf("store: %w", err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Reject records a rejection of one billable or approved line with a
// reason; an approval in force is taken back (revoked_by the signer) and
// the line is billable again.
func (s *Store) Reject(ctx context.Context, tenant, patientID, lineID, signer, reason string) error {
	reason = strings.TrimSpace(reason)
	if signer == "" || reason == "" {
		return errors.New("store: a rejection needs a signer and a reason")
	}
	at := s.d.timeArg(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := lineState(ctx, s, tx, tenant, patientID, lineID)
		if err != nil {
			return err
		}
		if st != StateBillable && st != StateApproved {
			return ErrNotBillable
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE sign_offs SET revoked_at = ?, revoked_by = ? WHERE line_id = ? AND revoked_at IS NULL`, []any{at, signer, lineID}},
			{`UPDATE code_lines SET state = 'billable', updated_at = ? WHERE line_id = ? AND state = 'approved'`, []any{at, lineID}},
			{`INSERT INTO sign_offs (line_id, decision, reason, signer, signed_at) VALUES (?, 'rejected', ?, ?, ?)`, []any{lineID, reason, signer, at}},
		} {
			if _, err := tx.ExecContext(ctx, s.q(q.sql), q.args...); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
		return nil
	})
}

func lineState(ctx context.Context, s *Store, tx *sql.Tx, tenant, patientID, lineID string) (State, error) {
	var st string
	err := tx.QueryRowContext(ctx, s.q(`SELECT state FROM code_lines WHERE line_id = ? AND tenant = ? AND patient_id = ?`),
		lineID, tenant, patientID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotBillable
	}
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return State(st), nil
}

// SignOffs lists the sign-offs of a patient's lines, oldest first.
func (s *Store) SignOffs(ctx context.Context, tenant, patientID string) ([]SignOff, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT so.id, so.line_id, so.decision, so.reason, so.signer, so.signed_at, so.revoked_at, so.revoked_by
FROM sign_offs so JOIN code_lines cl ON cl.line_id = so.line_id
WHERE cl.tenant = ? AND cl.patient_id = ? ORDER BY so.id`), tenant, patientID)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []SignOff
	for rows.Next() {
		var so SignOff
		if err := rows.Scan(&so.ID, &so.LineID, &so.Decision, &so.Reason, &so.Signer, timeScan{&so.SignedAt},
			timeScan{&so.RevokedAt}, &so.RevokedBy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, so)
	}
	return out, closeRows(rows)
}

// revokeApproval takes back the approval in force of a line that a
// recording moved out of approved (record.go). Not prepared at Open: it
// runs only for approved lines, and a store opened at an earlier schema
// version (a test of an upgrade) has no sign_offs to prepare it against.
const revokeApproval = `UPDATE sign_offs SET revoked_at = ?, revoked_by = 'evaluation'
WHERE line_id = ? AND decision = 'approved' AND revoked_at IS NULL
	AND EXISTS (SELECT 1 FROM code_lines WHERE line_id = ? AND state <> 'approved')`

// SettingRequireApproval is the settings row of serve's --require-approval.
const SettingRequireApproval = "require_approval"

// SetRequireApproval stores the policy that the billing export carries only
// approved lines (serve --require-approval; default off).
func (s *Store) SetRequireApproval(ctx context.Context, on bool) error {
	v := "false"
	if on {
		v = "true"
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), SettingRequireApproval, v, s.d.timeArg(s.now()))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// RequireApproval says whether the billing export may carry only approved
// lines: the value serve last stored, false when none was.
func (s *Store) RequireApproval(ctx context.Context) (bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM settings WHERE name = ?`), SettingRequireApproval).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	return v == "true", nil
}
