package fhirmap

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/fhir/go/jsonformat/fhirvalidate"
	"github.com/rpm-adapter/rpm-adapter/rules"
	"google.golang.org/protobuf/proto"
)

// Resource types the adapter writes.
const (
	TypeMeasureReport = "MeasureReport"
	TypeChargeItem    = "ChargeItem"
	TypeTask          = "Task"
)

// WriteResource is one validated resource ready to send.
type WriteResource struct {
	ResourceType string
	ID           string
	Identifier   Identifier
	// Version is meta.versionId of a resource that was read back from the
	// server (EnteredInError, CloseTask); "" for a freshly built one. A
	// transaction entry sends it as If-Match.
	Version string
	// JSON is the compact FHIR JSON, byte-identical for the same input.
	JSON []byte
	// Proto is the R4 resource proto (*MeasureReport, *ChargeItem or *Task),
	// kept for TransactionBundle. Treat it as read-only: JSON was marshalled
	// from it (which left its references in plain "Type/id" form).
	//
	// Proto is nil for a resource of the fast encoder (the default); then enc
	// re-encodes it for a conditional transaction.
	Proto proto.Message

	enc encoder
	// units and status of a new ChargeItem, for Reconcile.
	units, status string
}

// Reference returns "Type/id".
func (r *WriteResource) Reference() string { return r.ResourceType + "/" + r.ID }

// WindowSet is what one evaluated window writes: all of it goes in one
// transaction (fhir-mapping.md §3).
type WindowSet struct {
	Window      rules.Window
	RuleSet     rules.RuleSetID
	Provisional bool
	// MeasureReport is always present: the evidence, also for "not eligible".
	MeasureReport *WriteResource
	// ChargeItems has one item per code line, in the order of the lines.
	ChargeItems []*WriteResource
	// Task is set only for an open window whose threshold is still reachable
	// but not yet met.
	Task *WriteResource
	// TaskID is the id the window's Task has or would have, so the adapter
	// can read an earlier Task and close it (CloseTask) once the window ends.
	TaskID string
}

// Resources lists the window's resources in write order: the MeasureReport
// first, as the others point to it.
func (s *WindowSet) Resources() []*WriteResource {
	out := make([]*WriteResource, 0, 2+len(s.ChargeItems))
	out = append(out, s.MeasureReport)
	out = append(out, s.ChargeItems...)
	if s.Task != nil {
		out = append(out, s.Task)
	}
	return out
}

// Entries returns the window's resources as transaction entries.
func (s *WindowSet) Entries() []BundleEntry {
	rs := s.Resources()
	out := make([]BundleEntry, len(rs))
	for i, r := range rs {
		out[i] = BundleEntry{Resource: r}
	}
	return out
}

// WriteSet is the write-back of one patient's result: the 30-day periods
// first, then the months, in the result's order.
type WriteSet struct {
	Windows []*WindowSet
}

// Resources lists every resource of every window.
func (ws *WriteSet) Resources() []*WriteResource {
	var out []*WriteResource
	for _, s := range ws.Windows {
		out = append(out, s.Resources()...)
	}
	return out
}

// evalWindow is a PeriodResult or MonthResult seen the same way.
type evalWindow struct {
	window      rules.Window
	ruleSet     rules.RuleSetID
	provisional bool
	score       int // days or minutes
	progress    *rules.Progress
	lines       []rules.CodeLine
	findings    []rules.Finding
	month       *rules.MonthResult // nil for a 30-day period
	period      *rules.PeriodResult
	profile     rules.ProfileChoice // R-PAY-1; zero in results made before profiles
	consent     string              // R-ELIG-1
}

func (e *evalWindow) measureName() string {
	if e.month != nil {
		return measureTimeName
	}
	return measureDeviceName
}

// Build makes the write-back of one patient's result. now is the run time
// (MeasureReport.date, ChargeItem.enteredDate, Task.authoredOn); the same
// patient, result and now give byte-identical JSON. patientID is the
// Patient's logical id; it appears only in subject / for references.
func (w *Writer) Build(patientID string, res *rules.Result, now time.Time) (*WriteSet, error) {
	if res == nil {
		return nil, errors.New("fhirmap: no result to write")
	}
	if !idPattern.MatchString(patientID) {
		return nil, errors.New("fhirmap: patient id is not a valid FHIR id")
	}
	now = now.UTC().Truncate(time.Second)
	wins := evalWindows(res)
	ws := &WriteSet{Windows: make([]*WindowSet, 0, len(wins))}
	for i := range wins {
		build := w.buildWindowFast
		if w.opts.Strict {
			build = w.buildWindow
		}
		s, err := build(patientID, res, &wins[i], now)
		if err != nil {
			return nil, err
		}
		ws.Windows = append(ws.Windows, s)
	}
	return ws, nil
}

// evalWindows lists the result's periods, then its months.
func evalWindows(res *rules.Result) []evalWindow {
	out := make([]evalWindow, 0, len(res.Periods)+len(res.Months))
	for i := range res.Periods {
		p := &res.Periods[i]
		out = append(out, evalWindow{
			window: p.Window, ruleSet: p.RuleSet, provisional: p.Provisional, score: p.Days,
			progress: p.Progress, lines: p.Lines, findings: p.Findings, period: p,
			profile: p.Profile, consent: p.Consent,
		})
	}
	for i := range res.Months {
		m := &res.Months[i]
		out = append(out, evalWindow{
			window: m.Window, ruleSet: m.RuleSet, provisional: m.Provisional, score: m.Minutes,
			progress: m.Progress, lines: m.Lines, findings: m.Findings, month: m,
			profile: m.Profile, consent: m.Consent,
		})
	}
	return out
}

func (w *Writer) buildWindow(pid string, res *rules.Result, e *evalWindow, now time.Time) (*WindowSet, error) {
	s := &WindowSet{Window: e.window, RuleSet: e.ruleSet, Provisional: e.provisional}
	mrID := w.identity(TypeMeasureReport, pid, e.measureName(), e)
	mr, err := w.finish(TypeMeasureReport, mrID, w.measureReport(pid, res, e, mrID, now))
	if err != nil {
		return nil, err
	}
	s.MeasureReport = mr
	for _, l := range e.lines {
		ciID := w.identity(TypeChargeItem, pid, l.Code, e)
		ci, err := w.finish(TypeChargeItem, ciID, w.chargeItem(pid, l, e, ciID, mr.Reference(), now))
		if err != nil {
			return nil, err
		}
		ci.units, ci.status = strconv.Itoa(l.Units), chargeStatus(l, e)[1:len(chargeStatus(l, e))-1]
		s.ChargeItems = append(s.ChargeItems, ci)
	}
	taskID := w.identity(TypeTask, pid, taskCode(e), e)
	s.TaskID = taskID.id
	if t := w.task(pid, res.AsOf, e, taskID, mr.Reference(), now); t != nil {
		if s.Task, err = w.finish(TypeTask, taskID, t); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// writeIdent is a written resource's identifier and the id derived from it.
type writeIdent struct {
	Identifier
	id string
}

// identity is the identifier of one written resource (fhir-mapping.md §2)
// and its id (§3).
func (w *Writer) identity(resourceType, pid, codeOrMeasure string, e *evalWindow) writeIdent {
	var sys, prefix string
	switch resourceType {
	case TypeMeasureReport:
		sys, prefix = w.idSysMR, PrefixMeasureReport
	case TypeChargeItem:
		sys, prefix = w.idSysCI, PrefixChargeItem
	default:
		sys, prefix = w.idSysTask, PrefixTask
	}
	v := IdentifierValue(w.opts.Tenant, pid, codeOrMeasure, e.window.Start, e.ruleSet)
	return writeIdent{Identifier{System: sys, Value: v}, ResourceID(prefix, v)}
}

// finish validates and marshals a resource. Validation errors name the
// element and rule only, never a value.
func (w *Writer) finish(typ string, id writeIdent, msg proto.Message) (*WriteResource, error) {
	if err := fhirvalidate.Validate(msg); err != nil {
		return nil, fmt.Errorf("fhirmap: %s failed FHIR validation: %w", typ, err)
	}
	b, err := w.marshal.MarshalResource(msg)
	if err != nil {
		return nil, fmt.Errorf("fhirmap: marshal %s: %w", typ, err)
	}
	return &WriteResource{ResourceType: typ, ID: id.id, Identifier: id.Identifier, JSON: b, Proto: msg}, nil
}

// sortedUnique sorts refs and drops repeats (R-DAY-5: evidence lists must
// not repeat).
func sortedUnique(refs []string) []string {
	slices.Sort(refs)
	return slices.Compact(refs)
}
