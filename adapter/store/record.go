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
// RecordEvaluation checks and computes before it needs the database, so a
// batching sink can do it on the caller's goroutine and report its errors
// at once.
type recording struct {
	tenant, patientID string
	res               *rules.Result
	rec               Record
	wins              []Evaluation
	now               time.Time
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
	for _, w := range rec.Written {
		if w.ResourceType == "" || w.ResourceID == "" {
			return nil, errors.New("store: recording a written resource: a written resource needs a type and an id")
		}
	}
	// Keep only what the header needs: a queued recording must not hold the
	// result's evidence (every reading's reference) nor the activities as
	// read, which wins has.
	if res != nil {
		header := *res
		header.Periods, header.Months = nil, nil
		res = &header
	}
	rec.Activities = nil
	return &recording{tenant: tenant, patientID: patientID, res: res, rec: rec, wins: wins, now: now}, nil
}

// writeRecording writes r in tx, the statements of RecordEvaluation.
func (s *Store) writeRecording(ctx context.Context, tx *sql.Tx, r *recording) error {
	tenant, patientID, res, rec, now := r.tenant, r.patientID, r.res, r.rec, r.now
	if err := s.putPatient(ctx, tx, tenant, patientID, res, rec, now); err != nil {
		return fmt.Errorf("store: recording the patient: %w", err)
	}
	for i := range r.wins {
		if err := s.putWindow(ctx, tx, &r.wins[i], now); err != nil {
			return fmt.Errorf("store: recording a %s: %w", kindName(r.wins[i].Window.Kind), err)
		}
	}
	for _, w := range rec.Written {
		if err := s.putWritten(ctx, tx, tenant, patientID, w, now); err != nil {
			return fmt.Errorf("store: recording a written resource: %w", err)
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

const upsertPatient = `INSERT INTO patients (tenant, patient_id, display_name, mrn, zone, as_of, anchor, anchor_source, not_evaluated, findings, evaluated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, patient_id) DO UPDATE SET display_name = excluded.display_name, mrn = excluded.mrn,
	zone = excluded.zone, as_of = excluded.as_of, anchor = excluded.anchor, anchor_source = excluded.anchor_source,
	not_evaluated = excluded.not_evaluated, findings = excluded.findings, evaluated_at = excluded.evaluated_at`

func (s *Store) putPatient(ctx context.Context, tx *sql.Tx, tenant, pid string, res *rules.Result, rec Record, now time.Time) error {
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
		return err
	}
	_, err = s.exec(ctx, tx, upsertPatient, tenant, pid, name, mrn, zone, dateArg(asOf), dateArg(anchor),
		src, rec.NotEvaluated, fs, s.d.timeArg(now))
	return err
}

const upsertEvaluation = `INSERT INTO evaluations (tenant, patient_id, window_kind, window_start, window_end, window_index,
	rule_set, profile_id, policy, provisional, days, seconds, minutes, unbilled_minutes, interactive,
	progress_have, progress_need, progress_missing, progress_days_left, progress_reachable, progress_needs_interactive,
	day_counts, activities, findings, evaluated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, patient_id, window_kind, window_start) DO UPDATE SET window_end = excluded.window_end,
	window_index = excluded.window_index, rule_set = excluded.rule_set, profile_id = excluded.profile_id,
	policy = excluded.policy, provisional = excluded.provisional, days = excluded.days, seconds = excluded.seconds,
	minutes = excluded.minutes, unbilled_minutes = excluded.unbilled_minutes, interactive = excluded.interactive,
	progress_have = excluded.progress_have, progress_need = excluded.progress_need,
	progress_missing = excluded.progress_missing, progress_days_left = excluded.progress_days_left,
	progress_reachable = excluded.progress_reachable, progress_needs_interactive = excluded.progress_needs_interactive,
	day_counts = excluded.day_counts, activities = excluded.activities, findings = excluded.findings,
	evaluated_at = excluded.evaluated_at`

// upsertLine sets a line's state from the new evaluation, but only over the
// states this package manages: a state a later issue adds (exported) is that
// issue's to change. An approved line stays approved while the evaluation
// leaves it as it was (billable, same units and date of service); one it
// changes takes the new state, and putLines takes the approval back.
const upsertLine = `INSERT INTO code_lines (line_id, resource_id, tenant, patient_id, window_kind, window_start, window_end,
	rule_set, code, units, dos, state, created_at, updated_at, withdrawn_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
ON CONFLICT (line_id) DO UPDATE SET window_end = excluded.window_end, units = excluded.units, dos = excluded.dos,
	state = CASE WHEN code_lines.state IN ('planned', 'billable', 'withdrawn') THEN excluded.state
		WHEN code_lines.state = 'approved' AND (excluded.state <> 'billable' OR excluded.units <> code_lines.units
			OR excluded.dos <> code_lines.dos) THEN excluded.state
		ELSE code_lines.state END,
	withdrawn_at = CASE WHEN code_lines.state IN ('planned', 'billable', 'withdrawn') THEN NULL ELSE code_lines.withdrawn_at END,
	updated_at = excluded.updated_at`

const withdrawLine = `UPDATE code_lines SET state = 'withdrawn', withdrawn_at = ?, updated_at = ? WHERE line_id = ? AND state <> 'withdrawn'`

func (s *Store) putWindow(ctx context.Context, tx *sql.Tx, e *Evaluation, now time.Time) error {
	if e.Window.Kind == rules.Period30 {
		// Calendar months never overlap one another; periods do when the
		// anchor moved.
		if err := s.supersede(ctx, tx, e, now); err != nil {
			return err
		}
	}
	policy, err := json.Marshal(e.Policy)
	if err != nil {
		return err
	}
	days, err := daysJSON(e.DayCounts)
	if err != nil {
		return err
	}
	acts, err := activitiesJSON(e.Activities)
	if err != nil {
		return err
	}
	fs, err := findingsJSON(e.Findings)
	if err != nil {
		return err
	}
	var have, need, missing, left, reach, needsIC any
	if p := e.Progress; p != nil {
		have, need, missing, left, reach, needsIC = p.Have, p.Need, p.Missing, p.DaysLeft, p.Reachable, p.NeedsInteractive
	}
	if _, err := s.exec(ctx, tx, upsertEvaluation, e.Tenant, e.PatientID, kindName(e.Window.Kind), dateArg(e.Window.Start),
		dateArg(e.Window.End), e.Window.Index, string(e.RuleSet), e.ProfileID, string(policy), e.Provisional, e.Days,
		e.Seconds, e.Minutes, e.UnbilledMinutes, e.Interactive, have, need, missing, left, reach, needsIC,
		days, acts, fs, s.d.timeArg(now)); err != nil {
		return err
	}
	return s.putLines(ctx, tx, e, now)
}

// putLines upserts the window's lines and withdraws the window's other ones.
func (s *Store) putLines(ctx context.Context, tx *sql.Tx, e *Evaluation, now time.Time) error {
	rows, err := s.query(ctx, tx, selectWindowLines,
		e.Tenant, e.PatientID, kindName(e.Window.Kind), dateArg(e.Window.Start))
	if err != nil {
		return err
	}
	var old, approved []string
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return err
		}
		old = append(old, id)
		if State(st) == StateApproved {
			approved = append(approved, id)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	at := s.d.timeArg(now)
	keep := map[string]bool{}
	for _, l := range e.Lines {
		keep[l.LineID] = true
		if _, err := s.exec(ctx, tx, upsertLine, l.LineID, l.ResourceID, l.Tenant, l.PatientID, kindName(l.WindowKind),
			dateArg(l.WindowStart), dateArg(l.WindowEnd), string(l.RuleSet), l.Code, l.Units, dateArg(l.DOS), string(l.State), at, at); err != nil {
			return err
		}
	}
	for _, id := range old {
		if !keep[id] {
			if _, err := s.exec(ctx, tx, withdrawLine, at, at, id); err != nil {
				return err
			}
		}
	}
	// An approved line the evaluation changed (or withdrew) is approved no
	// more: its sign-off is taken back (signoff.go).
	for _, id := range approved {
		if _, err := s.exec(ctx, tx, revokeApproval, at, id, id); err != nil {
			return err
		}
	}
	return nil
}

// supersede withdraws the lines and removes the rows of the patient's
// windows of the same kind that overlap e but start on another date: the
// anchor moved (R-PER-2), and those periods no longer exist.
func (s *Store) supersede(ctx context.Context, tx *sql.Tx, e *Evaluation, now time.Time) error {
	args := []any{e.Tenant, e.PatientID, kindName(e.Window.Kind), dateArg(e.Window.Start), dateArg(e.Window.End), dateArg(e.Window.Start)}
	at := s.d.timeArg(now)
	if _, err := s.exec(ctx, tx, withdrawOverlapping, append([]any{at, at}, args...)...); err != nil {
		return err
	}
	_, err := s.exec(ctx, tx, deleteOverlapping, args...)
	return err
}

const upsertWritten = `INSERT INTO written_resources (tenant, resource_type, resource_id, patient_id, window_kind, window_start,
	identifier_system, identifier_value, written_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, resource_type, resource_id) DO UPDATE SET patient_id = excluded.patient_id,
	window_kind = excluded.window_kind, window_start = excluded.window_start,
	identifier_system = excluded.identifier_system, identifier_value = excluded.identifier_value, written_at = excluded.written_at`

func (s *Store) putWritten(ctx context.Context, tx *sql.Tx, tenant, pid string, w Written, now time.Time) error {
	if w.ResourceType == "" || w.ResourceID == "" {
		return errors.New("a written resource needs a type and an id")
	}
	at := w.WrittenAt
	if at.IsZero() {
		at = now
	}
	_, err := s.exec(ctx, tx, upsertWritten, tenant, w.ResourceType, w.ResourceID, pid, kindName(w.WindowKind),
		dateArg(w.WindowStart), w.IdentifierSystem, w.IdentifierValue, s.d.timeArg(at))
	return err
}

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
