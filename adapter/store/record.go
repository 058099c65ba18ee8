package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// RecordEvaluation records one patient's evaluation in one transaction:
// the patient's header, and for every window of res its latest evaluation,
// replacing the window's earlier row and details. The window's code lines
// are upserted (planned while the window is open, billable when closed and
// met); a line the new evaluation no longer supports becomes withdrawn,
// never deleted. A period of the same patient that overlaps a recorded one
// but starts on another date (the anchor moved) is superseded: its lines are
// withdrawn and its row removed. Windows res does not evaluate are left as
// they are. res nil records only the header, with rec.NotEvaluated.
func (s *Store) RecordEvaluation(ctx context.Context, tenant, patientID string, res *rules.Result, rec Record) error {
	r, err := s.prepareRecording(tenant, patientID, res, rec)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.writeRecording(ctx, tx, r) })
}

// recording is one patient's evaluation ready to be written: what
// RecordEvaluation checks and computes before it needs the database (the
// rows, their JSON details and every statement argument), so a batching
// sink does that work on the callers' goroutines, in parallel, reports its
// errors at once, and leaves its single writer only the statements.
type recording struct {
	tenant, patientID string
	patient           []any // the header's upsert arguments
	wins              []windowRow
	written           [][]any // upsertWritten's arguments, one a resource
	at                any     // the recording's time, as the dialect stores it
}

// windowRow is one window of a recording: its key, its row's upsert
// arguments and its code lines.
type windowRow struct {
	kind       string
	start, end rules.Date
	period     bool
	args       []any
	lines      []lineRow
}

// lineRow is one code line: its id and the line upsert's arguments.
type lineRow struct {
	id   string
	args []any
	// again: a later line of the same recording has the same id and is the
	// one written (a multi-row upsert may change a row once only, on
	// PostgreSQL), as when each line was its own statement; the window
	// still counts the line as its own.
	again bool
}

func (s *Store) prepareRecording(tenant, patientID string, res *rules.Result, rec Record) (*recording, error) {
	if patientID == "" {
		return nil, errors.New("store: a recording needs a patient id")
	}
	now := s.now().UTC()
	wins, err := windowsOf(tenant, patientID, res, rec, now)
	if err != nil {
		return nil, err
	}
	r := &recording{tenant: tenant, patientID: patientID, at: s.d.timeArg(now)}
	if r.patient, err = s.patientArgs(tenant, patientID, res, rec, r.at); err != nil {
		return nil, fmt.Errorf("store: recording the patient: %w", err)
	}
	r.wins = make([]windowRow, len(wins))
	for i := range wins {
		if r.wins[i], err = s.windowArgs(&wins[i], r.at); err != nil {
			return nil, fmt.Errorf("store: recording a %s: %w", kindName(wins[i].Window.Kind), err)
		}
	}
	last := map[string]*lineRow{}
	for i := range r.wins {
		for j := range r.wins[i].lines {
			l := &r.wins[i].lines[j]
			if prev := last[l.id]; prev != nil {
				prev.again = true
			}
			last[l.id] = l
		}
	}
	for _, w := range rec.Written {
		if w.ResourceType == "" || w.ResourceID == "" {
			return nil, errors.New("store: recording a written resource: a written resource needs a type and an id")
		}
		at := w.WrittenAt
		if at.IsZero() {
			at = now
		}
		r.written = append(r.written, []any{tenant, w.ResourceType, w.ResourceID, patientID, kindName(w.WindowKind),
			dateArg(w.WindowStart), w.IdentifierSystem, w.IdentifierValue, s.d.timeArg(at)})
	}
	return r, nil
}

// writeRecording writes r in tx, the statements of RecordEvaluation.
func (s *Store) writeRecording(ctx context.Context, tx *sql.Tx, r *recording) error {
	return s.writeRecordings(ctx, tx, []*recording{r})
}

// writeRecordings writes rs in tx, in order, and adds one to the store's
// generation, with the statements of
// RecordEvaluation but shared by many patients: for each run of patients
// that appear once in it, one read of what the store holds of their
// windows and lines, multi-row upserts of their headers, windows and lines,
// and only where the read found something to change, the supersede and
// withdraw statements. A patient recorded twice in rs starts a new run, so
// its second recording reads what the first wrote.
func (s *Store) writeRecordings(ctx context.Context, tx *sql.Tx, rs []*recording) error {
	if s.counts && len(rs) > 0 {
		// What the worklist caches is current no more (worklist.go).
		if _, err := s.exec(ctx, tx, bumpGeneration); err != nil {
			return fmt.Errorf("store: counting the recording: %w", err)
		}
	}
	for len(rs) > 0 {
		n := 1
		seen := map[string]bool{rs[0].tenant + "\x00" + rs[0].patientID: true}
		for n < len(rs) && rs[n].tenant == rs[0].tenant && !seen[rs[n].tenant+"\x00"+rs[n].patientID] {
			seen[rs[n].tenant+"\x00"+rs[n].patientID] = true
			n++
		}
		if err := s.writeRun(ctx, tx, rs[:n]); err != nil {
			return err
		}
		rs = rs[n:]
	}
	return nil
}

// writeRun writes recordings of distinct patients of one tenant.
func (s *Store) writeRun(ctx context.Context, tx *sql.Tx, rs []*recording) error {
	pats := make([][]any, len(rs))
	var evals, lines [][]any
	var withWindows []string
	for i, r := range rs {
		pats[i] = r.patient
		if len(r.wins) > 0 {
			withWindows = append(withWindows, r.patientID)
		}
		for j := range r.wins {
			evals = append(evals, r.wins[j].args)
			for _, l := range r.wins[j].lines {
				if !l.again {
					lines = append(lines, l.args)
				}
			}
		}
	}
	if err := s.execRows(ctx, tx, upsertPatients, pats); err != nil {
		return fmt.Errorf("store: recording the patient: %w", err)
	}
	held, err := s.heldOf(ctx, tx, rs[0].tenant, withWindows)
	if err != nil {
		return fmt.Errorf("store: reading the patients' windows: %w", err)
	}
	for _, r := range rs {
		if err := s.supersedeAll(ctx, tx, r, held[r.patientID]); err != nil {
			return fmt.Errorf("store: recording the windows: %w", err)
		}
	}
	if err := s.execRows(ctx, tx, upsertEvaluations, evals); err != nil {
		return fmt.Errorf("store: recording the windows: %w", err)
	}
	if err := s.execRows(ctx, tx, upsertLines, lines); err != nil {
		return fmt.Errorf("store: recording the code lines: %w", err)
	}
	for _, r := range rs {
		if err := s.withdrawOld(ctx, tx, r, held[r.patientID]); err != nil {
			return fmt.Errorf("store: recording the code lines: %w", err)
		}
		for _, args := range r.written {
			if _, err := s.exec(ctx, tx, upsertWritten, args...); err != nil {
				return fmt.Errorf("store: recording a written resource: %w", err)
			}
		}
	}
	return nil
}

// windowsOf flattens a result into the rows to record.
func windowsOf(tenant, patientID string, res *rules.Result, rec Record, now time.Time) ([]Evaluation, error) {
	if res == nil {
		return nil, nil
	}
	var loc *time.Location
	// The zone decides which month an activity falls in (R-DAY-4); a result
	// without one (never with months) places none, rather than guess UTC.
	if len(res.Months) > 0 && len(rec.Activities) > 0 && res.Zone != "" {
		var err error
		if loc, err = loadLocation(res.Zone); err != nil {
			return nil, fmt.Errorf("store: the result's time zone cannot be loaded")
		}
	}
	out := make([]Evaluation, 0, len(res.Periods)+len(res.Months))
	for _, p := range res.Periods {
		e := Evaluation{Tenant: tenant, PatientID: patientID, Window: p.Window, RuleSet: p.RuleSet,
			ProfileID: profileOf(rec.ProfileID, p.Profile), Policy: policyOf(res.Policy, p.Profile), Provisional: p.Provisional, Days: p.Days,
			Progress: p.Progress, Findings: p.Findings, EvaluatedAt: now}
		for _, d := range p.Evidence {
			e.DayCounts = append(e.DayCounts, DayCount{Date: d.Date, Readings: len(d.Refs)})
		}
		e.Lines = linesOf(&e, p.Lines)
		out = append(out, e)
	}
	for i := range res.Months {
		m := &res.Months[i]
		e := Evaluation{Tenant: tenant, PatientID: patientID, Window: m.Window, RuleSet: m.RuleSet,
			ProfileID: profileOf(rec.ProfileID, m.Profile), Policy: policyOf(res.Policy, m.Profile), Provisional: m.Provisional, Days: m.DataDays,
			Seconds: m.Seconds, Minutes: m.Minutes, UnbilledMinutes: m.UnbilledMinutes, Interactive: m.Interactive,
			Progress: m.Progress, Findings: m.Findings, EvaluatedAt: now}
		if loc != nil {
			e.Activities = activitiesOf(m, rec.Activities, loc)
		}
		e.Lines = linesOf(&e, m.Lines)
		out = append(out, e)
	}
	return out, nil
}

// linesOf gives a window's code lines the ChargeItems' identifiers: the
// same function the write-back uses, so a line and its ChargeItem match.
func linesOf(e *Evaluation, lines []rules.CodeLine) []CodeLine {
	out := make([]CodeLine, 0, len(lines))
	for _, l := range lines {
		id := fhirmap.IdentifierValue(e.Tenant, e.PatientID, l.Code, e.Window.Start, e.RuleSet)
		st := StateBillable
		if l.Provisional || e.Provisional {
			st = StatePlanned // R-PER-5: nothing in an open window is billable
		}
		out = append(out, CodeLine{LineID: id, ResourceID: fhirmap.ResourceID(fhirmap.PrefixChargeItem, id),
			Tenant: e.Tenant, PatientID: e.PatientID, WindowKind: e.Window.Kind, WindowStart: e.Window.Start,
			WindowEnd: e.Window.End, RuleSet: e.RuleSet, Code: l.Code, Units: l.Units, DOS: l.DOS, State: st})
	}
	return out
}

// activitiesOf keeps the interactions whose local start date falls in the
// month, with the rules' verdicts read from the month's evidence rather than
// decided again here.
func activitiesOf(m *rules.MonthResult, acts []rules.Interaction, loc *time.Location) []Activity {
	counted := map[string]bool{}
	for _, ev := range m.Evidence {
		for _, r := range ev.Refs {
			counted[r] = true
		}
	}
	var out []Activity
	for _, a := range acts {
		if a.Start.IsZero() || !m.Window.Contains(rules.LocalDate(a.Start, loc)) {
			continue
		}
		inter := a.Ref != "" && slices.Contains(m.InteractiveRefs, a.Ref)
		out = append(out, Activity{Ref: a.Ref, Start: a.Start.UTC(), Duration: a.Duration,
			Medium: mediumNames[a.Medium], Interactive: inter, Counted: inter || (a.Ref != "" && counted[a.Ref])})
	}
	slices.SortStableFunc(out, func(a, b Activity) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	return out
}

// upsertPatients is the upsert of n patients' headers.
var upsertPatients = multiRow(`INSERT INTO patients (tenant, patient_id, display_name, mrn, zone, as_of, anchor, anchor_source, not_evaluated, findings, evaluated_at)
VALUES `, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, `
ON CONFLICT (tenant, patient_id) DO UPDATE SET display_name = excluded.display_name, mrn = excluded.mrn,
	zone = excluded.zone, as_of = excluded.as_of, anchor = excluded.anchor, anchor_source = excluded.anchor_source,
	not_evaluated = excluded.not_evaluated, findings = excluded.findings, evaluated_at = excluded.evaluated_at`)

func (s *Store) patientArgs(tenant, pid string, res *rules.Result, rec Record, at any) ([]any, error) {
	var name, mrn any
	if !s.noNames {
		name, mrn = nullString(rec.Patient.DisplayName), nullString(rec.Patient.MRN)
	}
	zone, asOf, anchor, src := "", rules.NoDate, rules.NoDate, ""
	var findings []rules.Finding
	if res != nil {
		zone, asOf, src, findings = res.Zone, res.AsOf, res.AnchorSource, res.Findings
		if src != "" {
			anchor = res.Anchor
		}
	}
	fs, err := findingsJSON(findings)
	if err != nil {
		return nil, err
	}
	return []any{tenant, pid, name, mrn, zone, dateArg(asOf), dateArg(anchor),
		src, rec.NotEvaluated, fs, at}, nil
}

const (
	insertEvaluation = `INSERT INTO evaluations (tenant, patient_id, window_kind, window_start, window_end, window_index,
	rule_set, profile_id, policy, provisional, days, seconds, minutes, unbilled_minutes, interactive,
	progress_have, progress_need, progress_missing, progress_days_left, progress_reachable, progress_needs_interactive,
	day_counts, activities, findings, evaluated_at)
VALUES `
	evaluationRow        = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	onEvaluationConflict = `
ON CONFLICT (tenant, patient_id, window_kind, window_start) DO UPDATE SET window_end = excluded.window_end,
	window_index = excluded.window_index, rule_set = excluded.rule_set, profile_id = excluded.profile_id,
	policy = excluded.policy, provisional = excluded.provisional, days = excluded.days, seconds = excluded.seconds,
	minutes = excluded.minutes, unbilled_minutes = excluded.unbilled_minutes, interactive = excluded.interactive,
	progress_have = excluded.progress_have, progress_need = excluded.progress_need,
	progress_missing = excluded.progress_missing, progress_days_left = excluded.progress_days_left,
	progress_reachable = excluded.progress_reachable, progress_needs_interactive = excluded.progress_needs_interactive,
	day_counts = excluded.day_counts, activities = excluded.activities, findings = excluded.findings,
	evaluated_at = excluded.evaluated_at`
)

// upsertEvaluations is the upsert of n windows' rows.
var upsertEvaluations = multiRow(insertEvaluation, evaluationRow, onEvaluationConflict)

// upsertLines is the upsert of n lines. Each sets a line's state from the
// new evaluation, but only over the states this package manages: a state a
// later issue adds (exported) is that to change. An approved line
// stays approved while the evaluation leaves it as it was (billable, same
// units and date of service); one it changes takes the new state, and
// withdrawOld takes the approval back.
const (
	insertLine = `INSERT INTO code_lines (line_id, resource_id, tenant, patient_id, window_kind, window_start, window_end,
	rule_set, code, units, dos, state, created_at, updated_at, withdrawn_at)
VALUES `
	lineRowValues  = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`
	onLineConflict = `
ON CONFLICT (line_id) DO UPDATE SET window_end = excluded.window_end, units = excluded.units, dos = excluded.dos,
	state = CASE WHEN code_lines.state IN ('planned', 'billable', 'withdrawn') THEN excluded.state
		WHEN code_lines.state = 'approved' AND (excluded.state <> 'billable' OR excluded.units <> code_lines.units
			OR excluded.dos <> code_lines.dos) THEN excluded.state
		ELSE code_lines.state END,
	withdrawn_at = CASE WHEN code_lines.state IN ('planned', 'billable', 'withdrawn') THEN NULL ELSE code_lines.withdrawn_at END,
	updated_at = excluded.updated_at`
)

var upsertLines = multiRow(insertLine, lineRowValues, onLineConflict)

// rowCounts are the numbers of rows a multi-row statement is prepared for,
// largest first: n rows go as the fewest statements of these sizes.
var rowCounts = []int{64, 16, 4, 1}

// multiRow gives the statements of each of rowCounts' sizes, by size.
func multiRow(insert, row, tail string) map[int]string {
	out := make(map[int]string, len(rowCounts))
	for _, n := range rowCounts {
		out[n] = insert + strings.Repeat(row+", ", n-1) + row + tail
	}
	return out
}

const withdrawLine = `UPDATE code_lines SET state = 'withdrawn', withdrawn_at = ?, updated_at = ? WHERE line_id = ? AND state <> 'withdrawn'`

// windowArgs computes a window's row: the window upsert's arguments, with
// the details as JSON, and its lines' arguments.
func (s *Store) windowArgs(e *Evaluation, at any) (windowRow, error) {
	policy, err := s.policyJSON(e.Policy)
	if err != nil {
		return windowRow{}, err
	}
	days, err := daysJSON(e.DayCounts)
	if err != nil {
		return windowRow{}, err
	}
	acts, err := activitiesJSON(e.Activities)
	if err != nil {
		return windowRow{}, err
	}
	fs, err := findingsJSON(e.Findings)
	if err != nil {
		return windowRow{}, err
	}
	var have, need, missing, left, reach, needsIC any
	if p := e.Progress; p != nil {
		have, need, missing, left, reach, needsIC = p.Have, p.Need, p.Missing, p.DaysLeft, p.Reachable, p.NeedsInteractive
	}
	w := windowRow{kind: kindName(e.Window.Kind), start: e.Window.Start, end: e.Window.End,
		// Calendar months never overlap one another; periods do when the
		// anchor moved.
		period: e.Window.Kind == rules.Period30,
		args: []any{e.Tenant, e.PatientID, kindName(e.Window.Kind), dateArg(e.Window.Start),
			dateArg(e.Window.End), e.Window.Index, string(e.RuleSet), e.ProfileID, policy, e.Provisional, e.Days,
			e.Seconds, e.Minutes, e.UnbilledMinutes, e.Interactive, have, need, missing, left, reach, needsIC,
			days, acts, fs, at}}
	w.lines = make([]lineRow, len(e.Lines))
	for i, l := range e.Lines {
		w.lines[i] = lineRow{id: l.LineID, args: []any{l.LineID, l.ResourceID, l.Tenant, l.PatientID, kindName(l.WindowKind),
			dateArg(l.WindowStart), dateArg(l.WindowEnd), string(l.RuleSet), l.Code, l.Units, dateArg(l.DOS), string(l.State), at, at}}
	}
	return w, nil
}

// maxPolicies bounds the policies whose JSON the store keeps; more than
// that are marshalled each time.
const maxPolicies = 64

// policyJSON is the policy's JSON, marshalled once per distinct policy.
func (s *Store) policyJSON(p rules.Policy) (string, error) {
	if v, ok := s.policies.Load(p); ok {
		return v.(string), nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	if s.npolicies.Load() < maxPolicies {
		if _, loaded := s.policies.LoadOrStore(p, string(b)); !loaded {
			s.npolicies.Add(1)
		}
	}
	return string(b), nil
}

// held is what the store holds of a patient's windows before a recording:
// its evaluations' windows and its code lines.
type held struct {
	evals []heldWindow
	lines []heldLine
}

type heldWindow struct {
	kind       string
	start, end rules.Date
}

type heldLine struct {
	heldWindow
	id    string
	state State
}

// heldOf reads what the store holds of the patients' windows, by patient.
func (s *Store) heldOf(ctx context.Context, tx *sql.Tx, tenant string, pids []string) (map[string]held, error) {
	out := map[string]held{}
	for len(pids) > 0 {
		n := chunk(len(pids))
		args := make([]any, 0, 2*(n+1))
		for range 2 {
			args = append(args, tenant)
			for _, p := range pids[:n] {
				args = append(args, p)
			}
		}
		if err := s.readHeld(ctx, tx, selectHeld[n], args, out); err != nil {
			return nil, err
		}
		pids = pids[n:]
	}
	return out, nil
}

func (s *Store) readHeld(ctx context.Context, tx *sql.Tx, q string, args []any, out map[string]held) error {
	rows, err := s.query(ctx, tx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			pid, what, id, st string
			w                 heldWindow
		)
		if err := rows.Scan(&pid, &what, &w.kind, dateScan{&w.start}, dateScan{&w.end}, &id, &st); err != nil {
			return err
		}
		h := out[pid]
		if what == "line" {
			h.lines = append(h.lines, heldLine{heldWindow: w, id: id, state: State(st)})
		} else {
			h.evals = append(h.evals, w)
		}
		out[pid] = h
	}
	return rows.Err()
}

// overlaps reports whether h is a window of w's kind that starts on
// another date and overlaps w: a period a moved anchor replaced (the
// condition of withdrawOverlapping and deleteOverlapping).
func (h heldWindow) overlaps(w *windowRow) bool {
	return h.kind == w.kind && h.start != w.start && h.start <= w.end && h.end >= w.start
}

// supersedes reports whether the store holds an evaluation, or a line
// supersede would withdraw, of a window that w replaces.
func (h held) supersedes(w *windowRow) bool {
	for _, e := range h.evals {
		if e.overlaps(w) {
			return true
		}
	}
	for _, l := range h.lines {
		if l.overlaps(w) && (l.state == StatePlanned || l.state == StateBillable || l.state == StateExported) {
			return true
		}
	}
	return false
}

// supersedeAll supersedes what r's periods replace (supersede), where h
// holds something to supersede.
func (s *Store) supersedeAll(ctx context.Context, tx *sql.Tx, r *recording, h held) error {
	for i := range r.wins {
		w := &r.wins[i]
		if w.period && h.supersedes(w) {
			if err := s.supersede(ctx, tx, r, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// supersede withdraws the lines and removes the rows of the patient's
// windows of the same kind that overlap w but start on another date: the
// anchor moved (R-PER-2), and those periods no longer exist.
func (s *Store) supersede(ctx context.Context, tx *sql.Tx, r *recording, w *windowRow) error {
	args := []any{r.tenant, r.patientID, w.kind, dateArg(w.start), dateArg(w.end), dateArg(w.start)}
	if _, err := s.exec(ctx, tx, withdrawOverlapping, append([]any{r.at, r.at}, args...)...); err != nil {
		return err
	}
	_, err := s.exec(ctx, tx, deleteOverlapping, args...)
	return err
}

// withdrawOld withdraws each of r's windows' lines that h holds and the
// evaluation no longer supports, and takes back the approvals of approved
// lines it may have changed.
func (s *Store) withdrawOld(ctx context.Context, tx *sql.Tx, r *recording, h held) error {
	for i := range r.wins {
		w := &r.wins[i]
		for _, old := range h.lines {
			if old.kind != w.kind || old.start != w.start {
				continue
			}
			if old.state != StateWithdrawn && !slices.ContainsFunc(w.lines, func(l lineRow) bool { return l.id == old.id }) {
				if _, err := s.exec(ctx, tx, withdrawLine, r.at, r.at, old.id); err != nil {
					return err
				}
			}
			// An approved line the evaluation changed (or withdrew) is
			// approved no more: its sign-off is taken back (signoff.go).
			if old.state == StateApproved {
				if _, err := s.exec(ctx, tx, revokeApproval, r.at, old.id, old.id); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// chunk is the number of rows of the next statement for n rows to go:
// the largest of rowCounts that n fills.
func chunk(n int) int {
	for _, c := range rowCounts {
		if n >= c {
			return c
		}
	}
	return 1
}

// execRows runs the multi-row statement stmt over rows, in as few
// statements as rowCounts allow. The rows' conflict keys are distinct (one
// run of distinct patients: writeRecordings), as PostgreSQL requires of an
// upsert that changes a row at most once.
func (s *Store) execRows(ctx context.Context, tx *sql.Tx, stmt map[int]string, rows [][]any) error {
	for len(rows) > 0 {
		n := chunk(len(rows))
		args := rows[0]
		if n > 1 {
			args = make([]any, 0, n*len(rows[0]))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
		}
		if _, err := s.exec(ctx, tx, stmt[n], args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

const upsertWritten = `INSERT INTO written_resources (tenant, resource_type, resource_id, patient_id, window_kind, window_start,
	identifier_system, identifier_value, written_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, resource_type, resource_id) DO UPDATE SET patient_id = excluded.patient_id,
	window_kind = excluded.window_kind, window_start = excluded.window_start,
	identifier_system = excluded.identifier_system, identifier_value = excluded.identifier_value, written_at = excluded.written_at`

// zones caches loaded time zones: time.LoadLocation reads the zone file
// every time, which was a tenth of a recording.
var zones sync.Map // name → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}

func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// profileOf is the payer profile that judged a window (R-PAY-1): the one the
// rules chose, else the caller's.
func profileOf(caller string, c rules.ProfileChoice) string {
	if c.ID != "" {
		return c.ID
	}
	return caller
}

// policyOf is the policy of the window's profile, else the run's.
func policyOf(run rules.Policy, c rules.ProfileChoice) rules.Policy {
	if c.ID != "" {
		return c.Policy
	}
	return run
}
