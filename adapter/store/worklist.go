package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The worklist's queries (issue 14): one row per patient for a calendar
// month, ranked in SQL so that a page of a large population is one indexed
// query, not a sort of every patient in Go.

// Rank orders the worklist: what needs action first.
type Rank int

// Ranks, in worklist order. The device period decides: the 30-day period
// open or ending in the month.
const (
	// RankBehind: open, the threshold (16 days, or 2 under cms-pfs-2026
	// once 16 is out of reach) still reachable, but behind pace: fewer days
	// than the threshold's share of the days gone by.
	RankBehind Rank = iota
	// RankOnPace: open, reachable, not met yet, on pace.
	RankOnPace
	// RankOutOfReach: 16 days can no longer be reached (or were not, in a
	// closed period).
	RankOutOfReach
	// RankMet: 16 days or more.
	RankMet
	// RankNoPeriod: a month was evaluated but no period is open or ends in it.
	RankNoPeriod
	// RankNotEvaluated: the latest recording could not evaluate the patient.
	RankNotEvaluated
)

// WorklistFilter narrows the worklist.
type WorklistFilter string

// Worklist filters.
const (
	FilterAll          WorklistFilter = ""
	FilterNeedsAction  WorklistFilter = "action"        // RankBehind and RankOnPace
	FilterBillable     WorklistFilter = "billable"      // a billable (or approved, exported) line with a DOS in the month
	FilterNotEvaluated WorklistFilter = "not-evaluated" // RankNotEvaluated
)

// WorklistQuery selects one page of a month's worklist.
type WorklistQuery struct {
	Tenant string
	Month  rules.Date // any date of the month
	Filter WorklistFilter
	Offset int
	Limit  int // 0: 100
}

// WorklistRow is one patient of the worklist.
type WorklistRow struct {
	PatientID string
	PatientInfo
	NotEvaluated string
	Rank         Rank
	// Period is the 30-day period open or ending in the month (the latest
	// one when two end in it), Month the calendar month; nil when not
	// evaluated. Their DayCounts, Activities and Findings are filled.
	Period, Month *Evaluation
	// Lines are both windows' code lines that are not withdrawn.
	Lines []CodeLine
}

// billedStates are the states of a line that counts as billable.
const billedStates = `('billable', 'approved', 'exported')`

// worklistBase is the ranked row set of a month; its arguments are
// worklistArgs. Patients appear when the month or a period in it was
// evaluated, or when their latest recording could not evaluate them.
const worklistBase = `WITH per AS (
	SELECT e.patient_id, e.window_start, e.days, e.provisional, e.progress_have, e.progress_need, e.progress_missing,
		e.progress_days_left, e.progress_reachable,
		ROW_NUMBER() OVER (PARTITION BY e.patient_id ORDER BY
			CASE WHEN pa.as_of >= ? AND pa.as_of <= ? AND e.window_start <= pa.as_of AND e.window_end >= pa.as_of THEN 0
				WHEN e.window_end <= ? THEN 1 ELSE 2 END, e.window_start DESC) AS rn
	FROM evaluations e JOIN patients pa ON pa.tenant = e.tenant AND pa.patient_id = e.patient_id
	WHERE e.tenant = ? AND e.window_kind = 'period' AND e.window_start <= ? AND e.window_end >= ?
		AND (e.window_end <= ? OR e.provisional = TRUE)
), mon AS (
	SELECT patient_id, minutes FROM evaluations WHERE tenant = ? AND window_kind = 'month' AND window_start = ?
), bill AS (
	SELECT DISTINCT patient_id FROM code_lines WHERE tenant = ? AND dos >= ? AND dos <= ? AND state IN ` + billedStates + `
), w AS (
	SELECT pt.patient_id, pt.display_name, pt.mrn, pt.not_evaluated, per.window_start AS period_start,
		CASE WHEN per.patient_id IS NULL AND mon.patient_id IS NULL THEN 5
			WHEN per.patient_id IS NULL THEN 4
			WHEN per.days >= 16 THEN 3
			WHEN per.provisional = TRUE AND per.progress_reachable = TRUE AND per.progress_missing > 0
				AND per.progress_have * 30 < per.progress_need * (30 - per.progress_days_left) THEN 0
			WHEN per.provisional = TRUE AND per.progress_reachable = TRUE AND per.progress_missing > 0 THEN 1
			ELSE 2 END AS rnk,
		COALESCE(per.progress_days_left - per.progress_missing, 9999) AS slack,
		COALESCE(per.days, -1) AS pdays, COALESCE(mon.minutes, -1) AS mmin,
		bill.patient_id IS NOT NULL AS billed
	FROM patients pt
	LEFT JOIN per ON per.patient_id = pt.patient_id AND per.rn = 1
	LEFT JOIN mon ON mon.patient_id = pt.patient_id
	LEFT JOIN bill ON bill.patient_id = pt.patient_id
	WHERE pt.tenant = ? AND (per.patient_id IS NOT NULL OR mon.patient_id IS NOT NULL OR pt.not_evaluated <> '')
)
SELECT patient_id, display_name, mrn, not_evaluated, rnk, period_start FROM w`

func worklistArgs(tenant string, month rules.Date) []any {
	first, last := month.MonthStart(), month.MonthEnd()
	return []any{dateArg(first), dateArg(last), dateArg(last), tenant, dateArg(last), dateArg(first), dateArg(last), tenant, dateArg(first),
		tenant, dateArg(first), dateArg(last), tenant}
}

func filterWhere(f WorklistFilter) (string, error) {
	switch f {
	case FilterAll:
		return "", nil
	case FilterNeedsAction:
		return " WHERE rnk IN (0, 1)", nil
	case FilterBillable:
		return " WHERE billed = TRUE", nil
	case FilterNotEvaluated:
		return " WHERE rnk = 5", nil
	}
	return "", fmt.Errorf("store: unknown worklist filter %q", string(f))
}

// Worklist reads one page of a month's worklist: by rank, then by slack
// (days left minus days missing: the least first), then by days and
// minutes (the most first), then by patient id.
func (s *Store) Worklist(ctx context.Context, q WorklistQuery) ([]WorklistRow, error) {
	where, err := filterWhere(q.Filter)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := worklistBase + where + fmt.Sprintf(" ORDER BY rnk, slack, pdays DESC, mmin DESC, patient_id LIMIT %d OFFSET %d", limit, max(q.Offset, 0))
	rows, err := s.db.QueryContext(ctx, s.q(query), worklistArgs(q.Tenant, q.Month)...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []WorklistRow
	var starts []rules.Date // the period the ranking chose, per row
	index := map[string]int{}
	for rows.Next() {
		var r WorklistRow
		var name, mrn sql.NullString
		var start rules.Date
		if err := rows.Scan(&r.PatientID, &name, &mrn, &r.NotEvaluated, &r.Rank, dateScan{&start}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		r.DisplayName, r.MRN = name.String, mrn.String
		index[r.PatientID] = len(out)
		out = append(out, r)
		starts = append(starts, start)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.fillWorklist(ctx, q.Tenant, q.Month, out, starts, index); err != nil {
		return nil, err
	}
	return out, nil
}

// fillWorklist reads the page's windows and lines, two queries for the page.
func (s *Store) fillWorklist(ctx context.Context, tenant string, month rules.Date, out []WorklistRow, starts []rules.Date, index map[string]int) error {
	first, last := month.MonthStart(), month.MonthEnd()
	ids := make([]any, 0, len(out))
	for _, r := range out {
		ids = append(ids, r.PatientID)
	}
	in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
	args := append([]any{tenant}, ids...)
	args = append(args, dateArg(last), dateArg(first))
	evs, err := s.listEvaluations(ctx, `WHERE tenant = ? AND patient_id IN `+in+` AND window_start <= ? AND window_end >= ?
ORDER BY patient_id, window_kind DESC, window_start`, args...)
	if err != nil {
		return err
	}
	for i := range evs {
		e := &evs[i]
		r := &out[index[e.PatientID]]
		switch {
		case e.Window.Kind == rules.CalendarMonth && e.Window.Start == first:
			r.Month = e
		case e.Window.Kind == rules.Period30 && e.Window.Start == starts[index[e.PatientID]]:
			r.Period = e
		}
	}
	lines, err := s.linesWhere(ctx, `tenant = ? AND patient_id IN `+in+` AND window_start <= ? AND window_end >= ? AND state <> 'withdrawn'`, args...)
	if err != nil {
		return err
	}
	for _, l := range lines {
		r := &out[index[l.PatientID]]
		if (r.Period != nil && l.WindowKind == rules.Period30 && l.WindowStart == r.Period.Window.Start) ||
			(r.Month != nil && l.WindowKind == rules.CalendarMonth && l.WindowStart == first) {
			r.Lines = append(r.Lines, l)
		}
	}
	return nil
}

// linesWhere lists code lines matching a condition, by patient, window, code.
func (s *Store) linesWhere(ctx context.Context, where string, args ...any) ([]CodeLine, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT line_id, resource_id, tenant, patient_id, window_kind, window_start, window_end,
	rule_set, code, units, dos, state, created_at, updated_at, withdrawn_at FROM code_lines WHERE `+where+
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

// PeriodOfMonth picks the 30-day period the worklist shows for a month
// from a patient's evaluations, as Worklist does: the one containing the
// patient's as-of date when that falls in the month, else the latest one
// ending in the month, else the latest open one overlapping it; nil when
// none.
func PeriodOfMonth(evs []Evaluation, month, asOf rules.Date) *Evaluation {
	first, last := month.MonthStart(), month.MonthEnd()
	var best *Evaluation
	pref := func(e *Evaluation) int {
		switch {
		case asOf != rules.NoDate && asOf >= first && asOf <= last && e.Window.Contains(asOf):
			return 0
		case e.Window.End <= last:
			return 1
		}
		return 2
	}
	for i := range evs {
		e := &evs[i]
		if e.Window.Kind != rules.Period30 || e.Window.Start > last || e.Window.End < first || (e.Window.End > last && !e.Provisional) {
			continue
		}
		if best == nil || pref(e) < pref(best) || (pref(e) == pref(best) && e.Window.Start > best.Window.Start) {
			best = e
		}
	}
	return best
}

// WorklistSummary is the worklist's header for a month.
type WorklistSummary struct {
	Patients     int // rows of the unfiltered worklist
	NeedsAction  int
	Billable     int // patients with a billable line in the month
	NotEvaluated int
	// Lines counts the code lines billable (or approved, exported) with a
	// date of service in the month; Units sums their units by code.
	Lines int
	Units map[string]int
	// Approved counts those of Lines that are approved (or exported).
	Approved int
}

// Summary reads a month's worklist header: two aggregate queries.
func (s *Store) Summary(ctx context.Context, tenant string, month rules.Date) (WorklistSummary, error) {
	sum := WorklistSummary{Units: map[string]int{}}
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN rnk IN (0, 1) THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN billed = TRUE THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN rnk = 5 THEN 1 ELSE 0 END), 0) FROM (`+
		strings.Replace(worklistBase, "SELECT patient_id, display_name, mrn, not_evaluated, rnk, period_start FROM w", "SELECT rnk, billed FROM w", 1)+`) t`),
		worklistArgs(tenant, month)...).Scan(&sum.Patients, &sum.NeedsAction, &sum.Billable, &sum.NotEvaluated)
	if err != nil {
		return sum, fmt.Errorf("store: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT code, COUNT(*), COALESCE(SUM(units), 0),
	COALESCE(SUM(CASE WHEN state <> 'billable' THEN 1 ELSE 0 END), 0)
FROM code_lines WHERE tenant = ? AND dos >= ? AND dos <= ? AND state IN `+billedStates+` GROUP BY code ORDER BY code`),
		tenant, dateArg(month.MonthStart()), dateArg(month.MonthEnd()))
	if err != nil {
		return sum, fmt.Errorf("store: %w", err)
	}
	for rows.Next() {
		var code string
		var n, units, approved int
		if err := rows.Scan(&code, &n, &units, &approved); err != nil {
			rows.Close()
			return sum, fmt.Errorf("store: %w", err)
		}
		sum.Lines += n
		sum.Approved += approved
		sum.Units[code] = units
	}
	return sum, closeRows(rows)
}

// MonthsWithResults lists the calendar months (their first days) the
// store holds evaluations of, newest first.
func (s *Store) MonthsWithResults(ctx context.Context, tenant string) ([]rules.Date, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT DISTINCT window_start FROM evaluations
WHERE tenant = ? AND window_kind = 'month' ORDER BY window_start DESC`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []rules.Date
	for rows.Next() {
		var d rules.Date
		if err := rows.Scan(dateScan{&d}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, d)
	}
	return out, closeRows(rows)
}

// HasMonth says whether the store holds any evaluation of the month.
func (s *Store) HasMonth(ctx context.Context, tenant string, month rules.Date) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM evaluations WHERE tenant = ? AND window_kind = 'month' AND window_start = ?`),
		tenant, dateArg(month.MonthStart())).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	return n > 0, nil
}
