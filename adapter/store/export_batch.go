package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ExportBatch reads an earlier batch: its header, its lines (as they are
// in the store now, with the batch's action, units and prior state) and the
// bytes it was written as, for --rebuild. ErrNotFound when the tenant has no
// such batch.
func (s *Store) ExportBatch(ctx context.Context, tenant string, id int64) (*Batch, error) {
	b := &Batch{ID: id, Tenant: tenant}
	err := s.db.QueryRowContext(ctx, s.q(`SELECT created_at, month, format, requested_by, content FROM export_batches
WHERE tenant = ? AND id = ?`), tenant, id).Scan(timeScan{&b.CreatedAt}, &b.Month, &b.Format, &b.RequestedBy, &b.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if b.Content == nil {
		b.Content = []byte{}
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+exportLineColumns+`, b.units, b.cycle, b.action, b.prior_state
FROM export_batch_lines b JOIN code_lines l ON l.line_id = b.line_id
LEFT JOIN patients p ON p.tenant = l.tenant AND p.patient_id = l.patient_id
WHERE b.batch_id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, prior string
		l, err := scanExportLine(scanPlus{rows, []any{&action, &prior}})
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		l.Action, l.PriorState = action, State(prior)
		b.Lines = append(b.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	sortExportLines(b.Lines)
	return b, nil
}

// scanPlus scans extra columns after those of a scanner's own.
type scanPlus struct {
	rows  *sql.Rows
	extra []any
}

func (s scanPlus) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

// ReleaseExportLines takes lines out of a batch whose delivery failed (an
// MLLP receiver refused the message, or never answered), in one
// transaction: their batch rows are deleted, charged lines go back to the
// state they had, and the batch's content becomes what was delivered. The
// next export carries them again.
func (s *Store) ReleaseExportLines(ctx context.Context, batchID int64, lines []ExportLine, content []byte) error {
	now := s.d.timeArg(s.now().UTC())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, l := range lines {
			res, err := tx.ExecContext(ctx, s.q(`DELETE FROM export_batch_lines WHERE batch_id = ? AND line_id = ? AND action = ?`),
				batchID, l.LineID, l.Action)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errors.New("a line to release is not in the batch")
			}
			if l.Action == ActionCharge {
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE code_lines SET state = ?, updated_at = ? WHERE line_id = ? AND state = 'exported'`),
					string(l.PriorState), now, l.LineID); err != nil {
					return err
				}
			}
		}
		_, err := tx.ExecContext(ctx, s.q(setContent), content, batchID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: releasing export lines: %w", err)
	}
	return nil
}
