package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// ErrNotFound is returned for a patient or window the store does not hold.
var ErrNotFound = errors.New("store: not found")

// Patient reads a patient's header and its findings.
func (s *Store) Patient(ctx context.Context, tenant, patientID string) (*Patient, error) {
	p := &Patient{Tenant: tenant, PatientID: patientID}
	var name, mrn sql.NullString
	var findings []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT display_name, mrn, zone, as_of, anchor, anchor_source, not_evaluated, findings, evaluated_at
FROM patients WHERE tenant = ? AND patient_id = ?`), tenant, patientID).Scan(&name, &mrn, &p.Zone, dateScan{&p.AsOf},
		dateScan{&p.Anchor}, &p.AnchorSource, &p.NotEvaluated, &findings, timeScan{&p.EvaluatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	p.DisplayName, p.MRN = name.String, mrn.String
	if p.Findings, err = parseFindings(findings); err != nil {
		return nil, err
	}
	return p, nil
}

// evaluationColumns are read by scanEvaluation, in order.
const evaluationColumns = `tenant, patient_id, window_kind, window_start, window_end, window_index, rule_set, profile_id,
	policy, provisional, days, seconds, minutes, unbilled_minutes, interactive, progress_have, progress_need,
	progress_missing, progress_days_left, progress_reachable, progress_needs_interactive, day_counts, activities,
	findings, evaluated_at`

func scanEvaluation(sc interface{ Scan(...any) error }) (Evaluation, error) {
	var e Evaluation
	var kind, ruleSet string
	var policy, days, acts, findings []byte
	var have, need, missing, left sql.NullInt64
	var reach, needsIC sql.NullBool
	err := sc.Scan(&e.Tenant, &e.PatientID, &kind, dateScan{&e.Window.Start}, dateScan{&e.Window.End}, &e.Window.Index,
		&ruleSet, &e.ProfileID, &policy, &e.Provisional, &e.Days, &e.Seconds, &e.Minutes, &e.UnbilledMinutes,
		&e.Interactive, &have, &need, &missing, &left, &reach, &needsIC, &days, &acts, &findings, timeScan{&e.EvaluatedAt})
	if err != nil {
		return e, err
	}
	e.Window.Kind, e.RuleSet = kindOf(kind), rules.RuleSetID(ruleSet)
	if err := json.Unmarshal(policy, &e.Policy); err != nil {
		return e, fmt.Errorf("store: a stored policy is not JSON: %w", err)
	}
	if e.DayCounts, err = parseDays(days); err != nil {
		return e, err
	}
	if e.Activities, err = parseActivities(acts); err != nil {
		return e, err
	}
	if e.Findings, err = parseFindings(findings); err != nil {
		return e, err
	}
	if have.Valid {
		e.Progress = &rules.Progress{Have: nullInt(have), Need: nullInt(need), Missing: nullInt(missing),
			DaysLeft: nullInt(left), Reachable: reach.Bool, NeedsInteractive: needsIC.Bool}
	}
	return e, nil
}

// Evaluation reads the latest evaluation of one window with its details.
func (s *Store) Evaluation(ctx context.Context, tenant, patientID string, kind rules.WindowKind, start rules.Date) (*Evaluation, error) {
	e, err := scanEvaluation(s.db.QueryRowContext(ctx, s.q(`SELECT `+evaluationColumns+` FROM evaluations
WHERE tenant = ? AND patient_id = ? AND window_kind = ? AND window_start = ?`), tenant, patientID, kindName(kind), dateArg(start)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := s.details(ctx, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Evaluations reads every window of a patient with its details, periods
// first, each kind by start.
func (s *Store) Evaluations(ctx context.Context, tenant, patientID string) ([]Evaluation, error) {
	out, err := s.listEvaluations(ctx, `WHERE tenant = ? AND patient_id = ? ORDER BY window_kind DESC, window_start`, tenant, patientID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.details(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EvaluationFilter selects evaluations for a worklist. Zero fields select
// everything.
type EvaluationFilter struct {
	Tenant string
	Kind   rules.WindowKind // 0: both kinds
	// Containing keeps the windows that contain the date ("this period");
	// 0 or rules.NoDate keeps all. (Date 0, 1970-01-01, is before every
	// rule set.)
	Containing rules.Date
	// Provisional, when set, keeps open (true) or closed (false) windows.
	Provisional *bool
	// AfterPatient and Limit page by patient id (keyset: pass the last id).
	AfterPatient string
	Limit        int
}

// ListEvaluations lists the latest evaluations that match, by patient id
// and window, without their code lines (Lines stays nil; Evaluation and
// CodeLines read them).
func (s *Store) ListEvaluations(ctx context.Context, f EvaluationFilter) ([]Evaluation, error) {
	where := []string{"tenant = ?"}
	args := []any{f.Tenant}
	if f.Kind != 0 {
		where, args = append(where, "window_kind = ?"), append(args, kindName(f.Kind))
	}
	if f.Containing != 0 && f.Containing != rules.NoDate {
		where, args = append(where, "window_start <= ? AND window_end >= ?"), append(args, dateArg(f.Containing), dateArg(f.Containing))
	}
	if f.Provisional != nil {
		where, args = append(where, "provisional = ?"), append(args, *f.Provisional)
	}
	if f.AfterPatient != "" {
		where, args = append(where, "patient_id > ?"), append(args, f.AfterPatient)
	}
	tail := "WHERE " + strings.Join(where, " AND ") + " ORDER BY patient_id, window_kind DESC, window_start"
	if f.Limit > 0 {
		tail += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.listEvaluations(ctx, tail, args...)
}

func (s *Store) listEvaluations(ctx context.Context, tail string, args ...any) ([]Evaluation, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+evaluationColumns+` FROM evaluations `+tail), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Evaluation
	for rows.Next() {
		e, err := scanEvaluation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}

// details reads an evaluation's code lines.
func (s *Store) details(ctx context.Context, e *Evaluation) error {
	var err error
	e.Lines, err = s.CodeLines(ctx, LineFilter{Tenant: e.Tenant, PatientID: e.PatientID, WindowKind: e.Window.Kind, WindowStart: e.Window.Start})
	return err
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// LineFilter selects code lines. Zero fields select everything of the
// tenant.
type LineFilter struct {
	Tenant    string
	PatientID string
	// WindowKind and WindowStart together select one window's lines.
	WindowKind  rules.WindowKind
	WindowStart rules.Date
	States      []State
	// DOSFrom and DOSTo bound the date of service, inclusive (0: open).
	DOSFrom, DOSTo rules.Date
}

// CodeLines lists code lines, by patient, window, code.
func (s *Store) CodeLines(ctx context.Context, f LineFilter) ([]CodeLine, error) {
	where := []string{"tenant = ?"}
	args := []any{f.Tenant}
	if f.PatientID != "" {
		where, args = append(where, "patient_id = ?"), append(args, f.PatientID)
	}
	if f.WindowKind != 0 {
		where, args = append(where, "window_kind = ? AND window_start = ?"), append(args, kindName(f.WindowKind), dateArg(f.WindowStart))
	}
	if len(f.States) > 0 {
		where = append(where, "state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.DOSFrom != 0 {
		where, args = append(where, "dos >= ?"), append(args, dateArg(f.DOSFrom))
	}
	if f.DOSTo != 0 {
		where, args = append(where, "dos <= ?"), append(args, dateArg(f.DOSTo))
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT line_id, resource_id, tenant, patient_id, window_kind, window_start, window_end,
	rule_set, code, units, dos, state, created_at, updated_at, withdrawn_at FROM code_lines WHERE `+strings.Join(where, " AND ")+
		` ORDER BY patient_id, window_kind DESC, window_start, code`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []CodeLine
	for rows.Next() {
		var l CodeLine
		var kind, ruleSet, state string
		if err := rows.Scan(&l.LineID, &l.ResourceID, &l.Tenant, &l.PatientID, &kind, dateScan{&l.WindowStart},
			dateScan{&l.WindowEnd}, &ruleSet, &l.Code, &l.Units, dateScan{&l.DOS}, &state, timeScan{&l.CreatedAt},
			timeScan{&l.UpdatedAt}, timeScan{&l.WithdrawnAt}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		l.WindowKind, l.RuleSet, l.State = kindOf(kind), rules.RuleSetID(ruleSet), State(state)
		out = append(out, l)
	}
	return out, closeRows(rows)
}

// WrittenResources lists the resources written back for a patient, by type
// and id.
func (s *Store) WrittenResources(ctx context.Context, tenant, patientID string) ([]Written, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT resource_type, resource_id, window_kind, window_start, identifier_system,
	identifier_value, written_at FROM written_resources WHERE tenant = ? AND patient_id = ? ORDER BY resource_type, resource_id`), tenant, patientID)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []Written
	for rows.Next() {
		var w Written
		var kind string
		if err := rows.Scan(&w.ResourceType, &w.ResourceID, &kind, dateScan{&w.WindowStart}, &w.IdentifierSystem,
			&w.IdentifierValue, timeScan{&w.WrittenAt}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		w.WindowKind = kindOf(kind)
		out = append(out, w)
	}
	return out, closeRows(rows)
}
