package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Export actions (export_batch_lines.action).
const (
	ActionCharge  = "charge"
	ActionReverse = "reverse"
)

// Export formats (export_batches.format).
const (
	FormatCSV   = "csv"
	FormatHL7v2 = "hl7v2"
)

// ExportRequest says what one export takes (fhir-mapping.md §9).
type ExportRequest struct {
	Tenant string
	// Month is YYYY-MM: the lines whose DOS falls in it.
	Month string
	// Format is FormatCSV or FormatHL7v2.
	Format string
	// RequestedBy names who asked (a token label, "cli"); never a patient.
	RequestedBy string
	// RequireApproval charges only approved lines (signed off); otherwise
	// billable and approved lines are charged.
	RequireApproval bool
}

// Batch is one export: the lines it carried and the bytes it was written
// as.
type Batch struct {
	ID          int64
	Tenant      string
	CreatedAt   time.Time
	Month       string
	Format      string
	RequestedBy string
	Lines       []ExportLine
	// Content is the batch as written (nil until encoded).
	Content []byte
}

// ExportLine is a code line as a batch carries it.
type ExportLine struct {
	CodeLine
	// Action is ActionCharge or ActionReverse. A reversal repeats the units
	// of the charge (CodeLine.Units is the batch's, not the line's today).
	Action string
	// PriorState is the state a charged line had before the batch.
	PriorState State
	// Patient is the name and MRN as stored when the batch was made (empty
	// with Options.NoNames).
	Patient PatientInfo
	// Cycle counts the line's charges: 1 for its first, 2 for a charge
	// after a reversal, …; a reversal has its charge's.
	Cycle int
}

// EncodeFunc writes a batch; its bytes are stored with the batch.
type EncodeFunc func(b *Batch) ([]byte, error)

// exportLockKey serialises exports on PostgreSQL (an arbitrary constant:
// "rpm-expo"); on SQLite BEGIN IMMEDIATE already does.
const exportLockKey int64 = 0x72706d2d6578706f

var (
	openChargeOfL         = fmt.Sprintf(openCharge, "l")
	openChargeOfCodeLines = fmt.Sprintf(openCharge, "code_lines")
)

// exportLineColumns are read by scanExportLine, in order; l is code_lines,
// p patients.
const exportLineColumns = `l.line_id, l.resource_id, l.tenant, l.patient_id, l.window_kind, l.window_start, l.window_end,
	l.rule_set, l.code, l.dos, l.state, p.display_name, p.mrn`

// openCharge is a charge of line l that no reversal of its cycle followed:
// the line is out, billed.
const openCharge = `SELECT 1 FROM export_batch_lines c WHERE c.line_id = %[1]s.line_id AND c.action = 'charge'
AND NOT EXISTS (SELECT 1 FROM export_batch_lines r WHERE r.line_id = c.line_id AND r.action = 'reverse' AND r.cycle = c.cycle)`

var (
	// selectCharges: lines of the month in a chargeable state with no open
	// charge (never charged, or charged and reversed: the next cycle).
	selectCharges = `SELECT ` + exportLineColumns + `, l.units,
	(SELECT COALESCE(max(b.cycle), 0) + 1 FROM export_batch_lines b WHERE b.line_id = l.line_id) FROM code_lines l
LEFT JOIN patients p ON p.tenant = l.tenant AND p.patient_id = l.patient_id
WHERE l.tenant = ? AND l.dos >= ? AND l.dos < ? AND l.state IN (%s)
AND NOT EXISTS (` + openChargeOfL + `)`
	// selectReversals: withdrawn lines of the month with an open charge,
	// with the charged units and the charge's cycle.
	selectReversals = `SELECT ` + exportLineColumns + `, c.units, c.cycle FROM code_lines l
JOIN export_batch_lines c ON c.line_id = l.line_id AND c.action = 'charge'
LEFT JOIN patients p ON p.tenant = l.tenant AND p.patient_id = l.patient_id
WHERE l.tenant = ? AND l.dos >= ? AND l.dos < ? AND l.state = 'withdrawn'
AND NOT EXISTS (SELECT 1 FROM export_batch_lines r WHERE r.line_id = c.line_id AND r.action = 'reverse' AND r.cycle = c.cycle)`
	// selectChanged: exported lines of the month whose units changed since
	// their open charge (a later evaluation found more or fewer minutes for
	// 99458): the charge is reversed and the line charged again with its
	// units now, in the next cycle.
	selectChanged = `SELECT ` + exportLineColumns + `, c.units, c.cycle, l.units FROM code_lines l
JOIN export_batch_lines c ON c.line_id = l.line_id AND c.action = 'charge'
LEFT JOIN patients p ON p.tenant = l.tenant AND p.patient_id = l.patient_id
WHERE l.tenant = ? AND l.dos >= ? AND l.dos < ? AND l.state = 'exported' AND c.units <> l.units
AND NOT EXISTS (SELECT 1 FROM export_batch_lines r WHERE r.line_id = c.line_id AND r.action = 'reverse' AND r.cycle = c.cycle)`
	// reexported: a line withdrawn and supported again before its reversal
	// left is back where it was, exported, rather than charged twice.
	reexported = `UPDATE code_lines SET state = 'exported', updated_at = ?
WHERE tenant = ? AND dos >= ? AND dos < ? AND state IN ('billable', 'approved')
AND EXISTS (` + openChargeOfCodeLines + `)`
	insertBatch     = `INSERT INTO export_batches (tenant, created_at, month, format, requested_by) VALUES (?, ?, ?, ?, ?) RETURNING id`
	insertBatchLine = `INSERT INTO export_batch_lines (batch_id, line_id, action, units, prior_state, cycle) VALUES (?, ?, ?, ?, ?, ?)`
	markExported    = `UPDATE code_lines SET state = 'exported', updated_at = ? WHERE line_id = ? AND state = ?`
	setContent      = `UPDATE export_batches SET content = ? WHERE id = ?`
)

// monthRange is [first day, first day of the next month) of a YYYY-MM.
func monthRange(month string) (from, to string, err error) {
	t, err := time.Parse("2006-01", month)
	if err != nil || len(month) != 7 {
		return "", "", fmt.Errorf("store: the month %q is not YYYY-MM", month)
	}
	return t.Format(time.DateOnly), t.AddDate(0, 1, 0).Format(time.DateOnly), nil
}

// Export makes one batch in one transaction (fhir-mapping.md §9): every
// line of the month in a chargeable state that no batch charged goes in as
// a charge and becomes exported, and every line withdrawn after a batch
// charged it goes in as a reversal, each exactly once (UNIQUE (line_id,
// action, cycle), and exports are serialised: two at once never share a
// line). A line reversed and supported again is charged again, in its next
// cycle.
// encode writes the batch; its bytes are stored with it, so Rebuild gives
// them back. A batch with no line is recorded too, and encoded.
func (s *Store) Export(ctx context.Context, req ExportRequest, encode EncodeFunc) (*Batch, error) {
	from, to, err := monthRange(req.Month)
	if err != nil {
		return nil, err
	}
	if req.Format != FormatCSV && req.Format != FormatHL7v2 {
		return nil, fmt.Errorf("store: the export format %q is neither csv nor hl7v2", req.Format)
	}
	if encode == nil {
		return nil, errors.New("store: an export needs an encoder")
	}
	// PostgreSQL keeps microseconds: the batch read back is the batch made.
	now := s.now().UTC().Truncate(time.Microsecond)
	b := &Batch{Tenant: req.Tenant, CreatedAt: now, Month: req.Month, Format: req.Format, RequestedBy: req.RequestedBy}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if s.Driver() == DriverPostgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, exportLockKey); err != nil {
				return err
			}
		}
		at := s.d.timeArg(now)
		if _, err := tx.ExecContext(ctx, s.q(reexported), at, req.Tenant, from, to); err != nil {
			return err
		}
		states := "'billable', 'approved'"
		if req.RequireApproval {
			states = "'approved'"
		}
		charges, err := s.exportLines(ctx, tx, fmt.Sprintf(selectCharges, states), ActionCharge, req.Tenant, from, to)
		if err != nil {
			return err
		}
		reversals, err := s.exportLines(ctx, tx, selectReversals, ActionReverse, req.Tenant, from, to)
		if err != nil {
			return err
		}
		changed, err := s.changedLines(ctx, tx, req.Tenant, from, to)
		if err != nil {
			return err
		}
		b.Lines = append(append(charges, reversals...), changed...)
		sortExportLines(b.Lines)
		if err := tx.QueryRowContext(ctx, s.q(insertBatch), req.Tenant, at, req.Month, req.Format, req.RequestedBy).Scan(&b.ID); err != nil {
			return err
		}
		for _, l := range b.Lines {
			if _, err := tx.ExecContext(ctx, s.q(insertBatchLine), b.ID, l.LineID, l.Action, l.Units, string(l.PriorState), l.Cycle); err != nil {
				return err
			}
			if l.Action != ActionCharge {
				continue // a reversed line stays withdrawn
			}
			res, err := tx.ExecContext(ctx, s.q(markExported), at, l.LineID, string(l.PriorState))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errors.New("a code line changed state during the export")
			}
		}
		if b.Content, err = encode(b); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(setContent), b.Content, b.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: export: %w", err)
	}
	return b, nil
}

func (s *Store) exportLines(ctx context.Context, tx *sql.Tx, query, action string, args ...any) ([]ExportLine, error) {
	rows, err := tx.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportLine
	for rows.Next() {
		l, err := scanExportLine(rows)
		if err != nil {
			return nil, err
		}
		l.Action, l.PriorState = action, l.State
		if action == ActionReverse {
			l.PriorState = StateExported
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// changedLines are the reversal and the new charge of each exported line
// whose units changed.
func (s *Store) changedLines(ctx context.Context, tx *sql.Tx, tenant, from, to string) ([]ExportLine, error) {
	rows, err := tx.QueryContext(ctx, s.q(selectChanged), tenant, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportLine
	for rows.Next() {
		var units int
		l, err := scanExportLine(scanPlus{rows, []any{&units}})
		if err != nil {
			return nil, err
		}
		l.Action, l.PriorState = ActionReverse, StateExported
		again := l
		again.Action, again.Units, again.Cycle = ActionCharge, units, l.Cycle+1
		out = append(out, l, again)
	}
	return out, rows.Err()
}

func scanExportLine(sc interface{ Scan(...any) error }) (ExportLine, error) {
	var l ExportLine
	var kind, ruleSet, state string
	var name, mrn sql.NullString
	err := sc.Scan(&l.LineID, &l.ResourceID, &l.Tenant, &l.PatientID, &kind, dateScan{&l.WindowStart}, dateScan{&l.WindowEnd},
		&ruleSet, &l.Code, dateScan{&l.DOS}, &state, &name, &mrn, &l.Units, &l.Cycle)
	l.WindowKind, l.RuleSet, l.State = kindOf(kind), rules.RuleSetID(ruleSet), State(state)
	l.Patient = PatientInfo{DisplayName: name.String, MRN: mrn.String}
	return l, err
}

// sortExportLines orders a batch by patient, DOS, code, action (reverse
// first) and line,
// so the same lines always make the same file.
func sortExportLines(ls []ExportLine) {
	slices.SortFunc(ls, func(a, b ExportLine) int {
		if c := strings.Compare(a.PatientID, b.PatientID); c != 0 {
			return c
		}
		if c := int(a.DOS) - int(b.DOS); c != 0 {
			return c
		}
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		// A reversal before the charge that replaces it.
		if c := strings.Compare(b.Action, a.Action); c != 0 {
			return c
		}
		return strings.Compare(a.LineID, b.LineID)
	})
}
