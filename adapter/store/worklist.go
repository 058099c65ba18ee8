package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The worklist's queries (issue 14): one row per patient for a calendar
// month, ranked in SQL (one query over the month's patients, kept until the
// next recording: see ranking), and for a page its patients' windows and
// lines.

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
// evaluated, or when their latest recording could not evaluate them. Every
// lookup is by the primary key of evaluations (tenant, patient, kind,
// start) or the patient index of code_lines, so the cost grows with the
// patients, not their square.
const worklistBase = `WITH w0 AS (
	SELECT pt.patient_id, pt.display_name, pt.mrn, pt.not_evaluated,
		(SELECT e.window_start FROM evaluations e
		WHERE e.tenant = pt.tenant AND e.patient_id = pt.patient_id AND e.window_kind = 'period'
			AND e.window_start <= ? AND e.window_end >= ? AND (e.window_end <= ? OR e.provisional = TRUE)
		ORDER BY CASE WHEN pt.as_of >= ? AND pt.as_of <= ? AND e.window_start <= pt.as_of AND e.window_end >= pt.as_of THEN 0
			WHEN e.window_end <= ? THEN 1 ELSE 2 END, e.window_start DESC
		LIMIT 1) AS period_start
	FROM patients pt WHERE pt.tenant = ?
), w AS (
	SELECT w0.patient_id, w0.display_name, w0.mrn, w0.not_evaluated, w0.period_start,
		CASE WHEN per.patient_id IS NULL AND mon.patient_id IS NULL THEN 5
			WHEN per.patient_id IS NULL THEN 4
			WHEN per.days >= 16 THEN 3
			WHEN per.provisional = TRUE AND per.progress_reachable = TRUE AND per.progress_missing > 0
				AND per.progress_have * 30 < per.progress_need * (30 - per.progress_days_left) THEN 0
			WHEN per.provisional = TRUE AND per.progress_reachable = TRUE AND per.progress_missing > 0 THEN 1
			ELSE 2 END AS rnk,
		COALESCE(per.progress_days_left - per.progress_missing, 9999) AS slack,
		COALESCE(per.days, -1) AS pdays, COALESCE(mon.minutes, -1) AS mmin,
		EXISTS (SELECT 1 FROM code_lines c WHERE c.tenant = ? AND c.patient_id = w0.patient_id
			AND c.dos >= ? AND c.dos <= ? AND c.state IN ` + billedStates + `) AS billed
	FROM w0
	LEFT JOIN evaluations per ON per.tenant = ? AND per.patient_id = w0.patient_id AND per.window_kind = 'period'
		AND per.window_start = w0.period_start
	LEFT JOIN evaluations mon ON mon.tenant = ? AND mon.patient_id = w0.patient_id AND mon.window_kind = 'month'
		AND mon.window_start = ?
	WHERE per.patient_id IS NOT NULL OR mon.patient_id IS NOT NULL OR w0.not_evaluated <> ''
)
` + worklistSelect

// worklistSelect ends worklistBase; Summary and WorklistPage replace it.
const worklistSelect = `SELECT patient_id, display_name, mrn, not_evaluated, rnk, period_start FROM w`

// worklistBaseSQLite is worklistBase for SQLite: the chosen period is
// joined by its rowid rather than looked up again by its key, one index
// search a patient less (a fifth of a ranking).
var worklistBaseSQLite = mustReplace(worklistBase,
	"(SELECT e.window_start FROM evaluations e", "(SELECT e.rowid FROM evaluations e",
	"LIMIT 1) AS period_start", "LIMIT 1) AS period_row",
	"w0.not_evaluated, w0.period_start,", "w0.not_evaluated, per.window_start AS period_start,",
	`LEFT JOIN evaluations per ON per.tenant = ? AND per.patient_id = w0.patient_id AND per.window_kind = 'period'
		AND per.window_start = w0.period_start`, "LEFT JOIN evaluations per ON per.rowid = w0.period_row AND per.tenant = ?")

// mustReplace replaces each old with its new, once; it panics when one is
// missing, so a change of the query that breaks it fails every test.
func mustReplace(s string, oldNew ...string) string {
	for i := 0; i < len(oldNew); i += 2 {
		if strings.Count(s, oldNew[i]) != 1 {
			panic("store: the worklist query changed: " + oldNew[i])
		}
		s = strings.Replace(s, oldNew[i], oldNew[i+1], 1)
	}
	return s
}

func worklistArgs(tenant string, month rules.Date) []any {
	first, last := dateArg(month.MonthStart()), dateArg(month.MonthEnd())
	return []any{last, first, last, first, last, last, tenant, tenant, first, last, tenant, tenant, first}
}

// keep says whether a ranked row passes the filter.
func (f WorklistFilter) keep(r *rankedRow) (bool, error) {
	switch f {
	case FilterAll:
		return true, nil
	case FilterNeedsAction:
		return r.rank == RankBehind || r.rank == RankOnPace, nil
	case FilterBillable:
		return r.billed, nil
	case FilterNotEvaluated:
		return r.rank == RankNotEvaluated, nil
	}
	return false, fmt.Errorf("store: unknown worklist filter %q", string(f))
}

// Worklist reads one page of a month's worklist: by rank, then by slack
// (days left minus days missing: the least first), then by days and
// minutes (the most first), then by patient id.
func (s *Store) Worklist(ctx context.Context, q WorklistQuery) ([]WorklistRow, error) {
	rows, _, err := s.worklist(ctx, q)
	return rows, err
}

// WorklistPage is Worklist and Summary together, ranking the month once:
// the page's rows and the month's header.
func (s *Store) WorklistPage(ctx context.Context, q WorklistQuery) ([]WorklistRow, WorklistSummary, error) {
	rows, sum, err := s.worklist(ctx, q)
	if err != nil {
		return nil, sum, err
	}
	err = s.lineTotals(ctx, q.Tenant, q.Month, &sum)
	return rows, sum, err
}

func (s *Store) worklist(ctx context.Context, q WorklistQuery) ([]WorklistRow, WorklistSummary, error) {
	sum := WorklistSummary{Units: map[string]int{}}
	if _, err := q.Filter.keep(&rankedRow{}); err != nil {
		return nil, sum, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	rk, err := s.ranking(ctx, q.Tenant, q.Month)
	if err != nil {
		return nil, sum, err
	}
	sum.Patients, sum.NeedsAction, sum.Billable, sum.NotEvaluated = rk.patients, rk.needsAction, rk.billable, rk.notEvaluated
	var out []WorklistRow
	var starts []rules.Date // the period the ranking chose, per row
	index := map[string]int{}
	skip := max(q.Offset, 0)
	for i := range rk.rows {
		r := &rk.rows[i]
		if ok, _ := q.Filter.keep(r); !ok {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		index[r.id] = len(out)
		out = append(out, WorklistRow{PatientID: r.id, PatientInfo: PatientInfo{DisplayName: r.name, MRN: r.mrn},
			NotEvaluated: r.notEvaluated, Rank: r.rank})
		starts = append(starts, r.start)
		if len(out) == limit {
			break
		}
	}
	if len(out) == 0 {
		return out, sum, nil
	}
	if err := s.fillWorklist(ctx, q.Tenant, q.Month, out, starts, index); err != nil {
		return nil, sum, err
	}
	return out, sum, nil
}

// The ranking of a month is one query over every patient (worklistBase),
// about a tenth of a second for ten thousand patients on SQLite; a page
// needs a hundred rows of it. The store keeps the latest ranking of a few
// months with the store's generation it was read at (migration 0010: every
// recording adds one), and a page reads the ranking again only when a
// recording came in since; the page's windows and lines are read afresh for
// every page (fillWorklist), so a sign-off shows at once. A ranking depends
// on patients, evaluations and whether a line is billed (billable,
// approved, exported), and only a recording changes those: a sign-off or
// an export moves a line between billed states, which changes no ranking.
// With several replicas, each caches its own; the generation is in the
// database, so a recording through any replica makes every cache stale.

// rankedMonths is how many months' rankings the store keeps.
const rankedMonths = 4

type rankCache struct {
	mu     sync.Mutex
	months map[rankKey]*ranking
	order  []rankKey // oldest first
}

type rankKey struct {
	tenant string
	month  rules.Date
}

// ranking is a month's worklist order with the header's counts.
type ranking struct {
	gen                                           int64
	rows                                          []rankedRow
	patients, needsAction, billable, notEvaluated int
}

type rankedRow struct {
	id, name, mrn, notEvaluated string
	rank                        Rank
	billed                      bool
	start                       rules.Date // the period the ranking chose
}

// ranking returns the month's ranking, from the cache when no recording
// came in since it was read.
func (s *Store) ranking(ctx context.Context, tenant string, month rules.Date) (*ranking, error) {
	key := rankKey{tenant, month.MonthStart()}
	var gen int64 = -1
	if s.counts {
		// Read before the ranking: a recording committed in between makes
		// the cached ranking look older than it is, never newer.
		if err := s.db.QueryRowContext(ctx, `SELECT n FROM store_generation WHERE id = 1`).Scan(&gen); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		s.ranks.mu.Lock()
		rk := s.ranks.months[key]
		s.ranks.mu.Unlock()
		if rk != nil && rk.gen == gen {
			return rk, nil
		}
	}
	rk, err := s.rank(ctx, tenant, month)
	if err != nil || gen < 0 {
		return rk, err
	}
	rk.gen = gen
	c := &s.ranks
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.months == nil {
		c.months = map[rankKey]*ranking{}
	}
	if _, ok := c.months[key]; !ok {
		c.order = append(c.order, key)
		if len(c.order) > rankedMonths {
			delete(c.months, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.months[key] = rk
	return rk, nil
}

// rank reads a month's ranking from the database.
func (s *Store) rank(ctx context.Context, tenant string, month rules.Date) (*ranking, error) {
	base := worklistBase
	if s.d.name() == DriverSQLite {
		base = worklistBaseSQLite
	}
	query := strings.Replace(base, worklistSelect,
		`SELECT patient_id, display_name, mrn, not_evaluated, rnk, period_start, billed FROM w`, 1) +
		" ORDER BY rnk, slack, pdays DESC, mmin DESC, patient_id"
	rows, err := s.db.QueryContext(ctx, s.q(query), worklistArgs(tenant, month)...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	rk := &ranking{}
	for rows.Next() {
		var r rankedRow
		var name, mrn sql.NullString
		if err := rows.Scan(&r.id, &name, &mrn, &r.notEvaluated, &r.rank, dateScan{&r.start}, &r.billed); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		r.name, r.mrn = name.String, mrn.String
		rk.rows = append(rk.rows, r)
		rk.patients++
		switch {
		case r.rank == RankBehind || r.rank == RankOnPace:
			rk.needsAction++
		case r.rank == RankNotEvaluated:
			rk.notEvaluated++
		}
		if r.billed {
			rk.billable++
		}
	}
	return rk, closeRows(rows)
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

// Summary reads a month's worklist header: the ranking's counts (cached
// while no recording comes in) and the month's billed lines.
func (s *Store) Summary(ctx context.Context, tenant string, month rules.Date) (WorklistSummary, error) {
	sum := WorklistSummary{Units: map[string]int{}}
	rk, err := s.ranking(ctx, tenant, month)
	if err != nil {
		return sum, err
	}
	sum.Patients, sum.NeedsAction, sum.Billable, sum.NotEvaluated = rk.patients, rk.needsAction, rk.billable, rk.notEvaluated
	return sum, s.lineTotals(ctx, tenant, month, &sum)
}

// lineTotals adds the month's billable lines by code to sum.
func (s *Store) lineTotals(ctx context.Context, tenant string, month rules.Date, sum *WorklistSummary) error {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT code, COUNT(*), COALESCE(SUM(units), 0),
	COALESCE(SUM(CASE WHEN state <> 'billable' THEN 1 ELSE 0 END), 0)
FROM code_lines WHERE tenant = ? AND dos >= ? AND dos <= ? AND state IN `+billedStates+` GROUP BY code ORDER BY code`),
		tenant, dateArg(month.MonthStart()), dateArg(month.MonthEnd()))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for rows.Next() {
		var code string
		var n, units, approved int
		if err := rows.Scan(&code, &n, &units, &approved); err != nil {
			rows.Close()
			return fmt.Errorf("store: %w", err)
		}
		sum.Lines += n
		sum.Approved += approved
		sum.Units[code] = units
	}
	return closeRows(rows)
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
