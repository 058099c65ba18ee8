package fhirmap

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The fast encoder: the resources the adapter writes, encoded straight from
// the result as compact JSON with the keys in jsonformat's (sorted) order,
// without building google/fhir protos, validating and marshalling them. The
// proto path (write_measure.go, write_charge.go, write_task.go, finish)
// stays the reference: the byte-identity tests (write_fast_test.go) hold
// every kind of resource to jsonformat's output for the same input, and
// WriteOptions.Strict (--strict-write) runs the reference path instead.

// encOpts are the changes a conditional transaction makes to a freshly
// built resource (TransactionBundle): no id, and references to the other
// entries of the Bundle rewritten to their urn:uuid fullUrls.
type encOpts struct {
	omitID bool
	urns   map[string]string
}

// encoder re-encodes a resource with encOpts; nil opts is the plain resource.
type encoder func(b []byte, o *encOpts) []byte

// appendRef writes a Reference object {"reference":"…"}.
func (o *encOpts) appendRef(b []byte, ref string) []byte {
	if o != nil && o.urns != nil {
		if urn, ok := o.urns[ref]; ok {
			ref = urn
		}
	}
	b = append(b, `{"reference":`...)
	b = appendJSONString(b, ref)
	return append(b, '}')
}

func (o *encOpts) appendID(b []byte, id string) []byte {
	if o != nil && o.omitID {
		return b
	}
	b = append(b, `,"id":`...)
	return appendJSONString(b, id)
}

// jsonMeta is the meta of a freshly built resource of the writer's profile
// url: {"profile":[url],"tag":[generated]}.
func (w *Writer) jsonMeta(profile string) []byte {
	b := []byte(`{"profile":[`)
	b = appendJSONString(b, profile)
	b = append(b, `],"tag":[`...)
	b = appendCoding(b, w.tagSystem, GeneratedTagCode)
	return append(b, "]}"...)
}

func appendCoding(b []byte, system, code string) []byte {
	b = append(b, `{"code":`...)
	b = appendJSONString(b, code)
	b = append(b, `,"system":`...)
	b = appendJSONString(b, system)
	return append(b, '}')
}

// appendConcept writes a CodeableConcept of one coding.
func appendConcept(b []byte, system, code string) []byte {
	b = append(b, `{"coding":[`...)
	b = appendCoding(b, system, code)
	return append(b, "]}"...)
}

func appendIdentifier(b []byte, id Identifier) []byte {
	b = append(b, `[{"system":`...)
	b = appendJSONString(b, id.System)
	b = append(b, `,"value":`...)
	b = appendJSONString(b, id.Value)
	return append(b, "}]"...)
}

func appendPeriod(b []byte, start, end rules.Date) []byte {
	b = append(b, `{"end":`...)
	b = appendDateStr(b, end)
	b = append(b, `,"start":`...)
	b = appendDateStr(b, start)
	return append(b, '}')
}

// Extensions: {"url":…,"value[x]":…} or {"extension":[…],"url":…}.

func appendExtHead(b []byte, url, valueKey string) []byte {
	b = append(b, `{"url":`...)
	b = appendJSONString(b, url)
	b = append(b, ',', '"')
	b = append(b, valueKey...)
	return append(b, '"', ':')
}

func appendExtCode(b []byte, url, v string) []byte {
	b = appendJSONString(appendExtHead(b, url, "valueCode"), v)
	return append(b, '}')
}

func appendExtString(b []byte, url, v string) []byte {
	b = appendJSONString(appendExtHead(b, url, "valueString"), v)
	return append(b, '}')
}

func appendExtBool(b []byte, url string, v bool) []byte {
	b = appendExtHead(b, url, "valueBoolean")
	if v {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	return append(b, '}')
}

func appendExtInt(b []byte, url string, v int) []byte {
	b = appendInt32(appendExtHead(b, url, "valueInteger"), v)
	return append(b, '}')
}

func appendExtDate(b []byte, url string, d rules.Date) []byte {
	b = appendDateStr(appendExtHead(b, url, "valueDate"), d)
	return append(b, '}')
}

func (o *encOpts) appendExtRef(b []byte, url, ref string) []byte {
	b = o.appendRef(appendExtHead(b, url, "valueReference"), ref)
	return append(b, '}')
}

// appendComplexStart opens {"extension":[; close with appendComplexEnd.
func appendComplexStart(b []byte) []byte { return append(b, `{"extension":[`...) }

func appendComplexEnd(b []byte, url string) []byte {
	b = append(b, `],"url":`...)
	b = appendJSONString(b, url)
	return append(b, '}')
}

func (u *extURLs) appendPolicy(b []byte, p rules.Policy) []byte {
	b = appendComplexStart(b)
	b = appendExtBool(b, "in_person_interactive", p.InPersonInteractive)
	b = appendExtBool(append(b, ','), "count_preliminary", p.CountPreliminary)
	b = appendExtInt(append(b, ','), "setup_min_days_2026", p.SetupMinDays2026)
	b = appendExtInt(append(b, ','), "max_99458_units", p.Max99458Units)
	b = appendExtBool(append(b, ','), "tm_requires_data_in_month", p.TMRequiresDataInMonth)
	b = appendExtCode(append(b, ','), "device_dos", string(p.DeviceDOS))
	b = appendExtBool(append(b, ','), "require_consent", p.RequireConsent)
	return appendComplexEnd(b, u.policy)
}

func (u *extURLs) appendProfile(b []byte, o *encOpts, c rules.ProfileChoice) []byte {
	b = appendComplexStart(b)
	b = appendExtCode(b, "id", c.ID)
	b = appendExtCode(append(b, ','), "source", c.Source)
	if c.Coverage != "" {
		b = o.appendExtRef(append(b, ','), "coverage", c.Coverage)
	}
	return appendComplexEnd(b, u.profile)
}

func (u *extURLs) appendProgress(b []byte, asOf rules.Date, p *rules.Progress, month bool) []byte {
	b = appendComplexStart(b)
	b = appendExtDate(b, "asOf", asOf)
	b = appendExtInt(append(b, ','), "need", p.Need)
	b = appendExtInt(append(b, ','), "missing", p.Missing)
	b = appendExtInt(append(b, ','), "daysLeft", p.DaysLeft)
	b = appendExtBool(append(b, ','), "reachable", p.Reachable)
	if month {
		b = appendExtBool(append(b, ','), "needsInteractive", p.NeedsInteractive)
	}
	return appendComplexEnd(b, u.progress)
}

func (u *extURLs) appendFinding(b []byte, o *encOpts, f rules.Finding) []byte {
	b = appendComplexStart(b)
	b = appendExtCode(b, "code", f.Code)
	if f.Rule != "" {
		b = appendExtString(append(b, ','), "rule", f.Rule)
	}
	if f.Message != "" {
		b = appendExtString(append(b, ','), "message", f.Message)
	}
	if f.Ref != "" {
		b = o.appendExtRef(append(b, ','), "input", f.Ref)
	}
	return appendComplexEnd(b, u.finding)
}

// encMeasureReport is measureReport + finish, as JSON.
func (w *Writer) encMeasureReport(b []byte, o *encOpts, pid string, res *rules.Result, e *evalWindow, id writeIdent, now time.Time, refs []string) []byte {
	b = append(b, `{"date":`...)
	b = appendInstantStr(b, now)
	if len(refs) > 0 {
		b = append(b, `,"evaluatedResource":[`...)
		for i, r := range refs {
			if i > 0 {
				b = append(b, ',')
			}
			b = o.appendRef(b, r)
		}
		b = append(b, ']')
	}
	u := &w.ext
	b = append(b, `,"extension":[`...)
	b = appendExtCode(b, u.ruleSet, string(e.ruleSet))
	if e.profile.ID != "" {
		b = u.appendPolicy(append(b, ','), e.profile.Policy)
		b = u.appendProfile(append(b, ','), o, e.profile)
	} else {
		b = u.appendPolicy(append(b, ','), res.Policy)
	}
	if e.consent != "" {
		b = appendExtCode(append(b, ','), u.consent, e.consent)
	}
	if res.Zone != "" {
		b = appendExtCode(append(b, ','), u.timeZone, res.Zone)
	}
	if e.period != nil && res.Anchor != rules.NoDate {
		b = appendComplexStart(append(b, ','))
		b = appendExtDate(b, "anchor", res.Anchor)
		if res.AnchorSource != "" {
			b = appendExtCode(append(b, ','), "anchorSource", res.AnchorSource)
		}
		b = appendComplexEnd(b, u.episodePeriod)
	}
	if m := e.month; m != nil {
		b = appendExtBool(append(b, ','), u.interactive, m.Interactive)
		b = appendExtInt(append(b, ','), u.dataDays, m.DataDays)
		b = appendExtInt(append(b, ','), u.unbilled, m.UnbilledMinutes)
	}
	if e.provisional && e.progress != nil {
		b = u.appendProgress(append(b, ','), res.AsOf, e.progress, e.month != nil)
	}
	for _, f := range e.findings {
		b = u.appendFinding(append(b, ','), o, f)
	}
	for _, f := range res.Findings {
		b = u.appendFinding(append(b, ','), o, f)
	}
	b = append(b, `],"group":[{"measureScore":{"code":`...)
	measure := w.measureDevice
	if e.month != nil {
		measure = w.measureTime
		b = append(b, `"min","system":"`+SystemUCUM+`","unit":"min","value":`...)
	} else {
		b = append(b, `"{days}","system":"`+SystemUCUM+`","unit":"days","value":`...)
	}
	b = strconvAppendInt(b, e.score)
	b = append(b, "}}]"...)
	b = o.appendID(b, id.id)
	b = append(b, `,"identifier":`...)
	b = appendIdentifier(b, id.Identifier)
	b = append(b, `,"measure":`...)
	b = appendJSONString(b, measure)
	b = append(b, `,"meta":`...)
	b = append(b, w.metaMR...)
	b = append(b, `,"period":`...)
	b = appendPeriod(b, e.window.Start, e.window.End)
	if w.reporter != "" {
		b = o.appendRef(append(b, `,"reporter":`...), w.reporter)
	}
	b = append(b, `,"resourceType":"MeasureReport","status":`...)
	if e.provisional {
		b = append(b, `"pending"`...)
	} else {
		b = append(b, `"complete"`...)
	}
	b = o.appendRef(append(b, `,"subject":`...), "Patient/"+pid)
	return append(b, `,"type":"individual"}`...)
}

// encChargeItem is chargeItem + finish, as JSON.
func (w *Writer) encChargeItem(b []byte, o *encOpts, pid string, l rules.CodeLine, e *evalWindow, id writeIdent, mrRef string, now time.Time) []byte {
	b = append(b, `{"code":`...)
	b = appendConcept(b, SystemCPT, l.Code)
	b = append(b, `,"enteredDate":`...)
	b = appendInstantStr(b, now)
	if w.enterer != "" {
		b = o.appendRef(append(b, `,"enterer":`...), w.enterer)
	}
	b = append(b, `,"extension":[`...)
	b = appendExtCode(b, w.ext.ruleSet, string(e.ruleSet))
	b = appendExtDate(append(b, ','), w.ext.dos, l.DOS)
	b = append(b, ']')
	b = o.appendID(b, id.id)
	b = append(b, `,"identifier":`...)
	b = appendIdentifier(b, id.Identifier)
	b = append(b, `,"meta":`...)
	b = append(b, w.metaCI...)
	b = append(b, `,"occurrencePeriod":`...)
	b = appendPeriod(b, e.window.Start, e.window.End)
	if w.performer != "" {
		b = o.appendRef(append(b, `,"performer":[{"actor":`...), w.performer)
		b = append(b, "}]"...)
	}
	if w.billing != "" {
		b = o.appendRef(append(b, `,"performingOrganization":`...), w.billing)
	}
	b = append(b, `,"quantity":{"value":`...)
	b = strconvAppendInt(b, l.Units)
	b = append(b, `},"resourceType":"ChargeItem","status":`...)
	b = append(b, chargeStatus(l, e)...)
	b = o.appendRef(append(b, `,"subject":`...), "Patient/"+pid)
	b = append(b, `,"supportingInformation":[`...)
	b = o.appendRef(b, mrRef)
	return append(b, "]}"...)
}

// chargeStatus is the quoted status of a new ChargeItem: planned in an open
// window, billable otherwise (R-PER-5).
func chargeStatus(l rules.CodeLine, e *evalWindow) string {
	if l.Provisional || e.provisional {
		return `"planned"`
	}
	return `"billable"`
}

// encTask is task + finish, as JSON; call it only when needsTask(e).
func (w *Writer) encTask(b []byte, o *encOpts, pid string, asOf rules.Date, e *evalWindow, id writeIdent, mrRef string, now time.Time, desc string) []byte {
	p := e.progress
	start := max(asOf.AddDays(1), e.window.Start)
	if start > e.window.End {
		start = e.window.End
	}
	end := e.window.End
	b = append(b, `{"authoredOn":`...)
	b = appendInstantStr(b, now)
	b = append(b, `,"code":`...)
	b = appendConcept(b, w.taskSystem, taskCode(e))
	b = append(b, `,"description":`...)
	b = appendJSONString(b, desc)
	b = append(b, `,"extension":[`...)
	b = appendExtCode(b, w.ext.ruleSet, string(e.ruleSet))
	b = o.appendRef(append(b, `],"focus":`...), mrRef)
	b = o.appendRef(append(b, `,"for":`...), "Patient/"+pid)
	b = o.appendID(b, id.id)
	b = append(b, `,"identifier":`...)
	b = appendIdentifier(b, id.Identifier)
	b = append(b, `,"input":[`...)
	if e.month != nil {
		if p.Missing > 0 {
			b = w.appendTaskInt(b, TaskInputMissingMins, p.Missing)
			b = append(b, ',')
		}
		if p.NeedsInteractive {
			b = w.appendTaskInputHead(b, TaskInputInteractive, "valueBoolean")
			b = append(b, "true},"...)
		}
	} else {
		b = w.appendTaskInt(b, TaskInputMissingDays, p.Missing)
		b = append(b, ',')
	}
	b = w.appendTaskInt(b, TaskInputDaysLeft, p.DaysLeft)
	b = w.appendTaskInputHead(append(b, ','), TaskInputDueDate, "valueDate")
	b = appendDateStr(b, end)
	b = append(b, `}],"intent":"order","lastModified":`...)
	b = appendInstantStr(b, now)
	b = append(b, `,"meta":`...)
	b = append(b, w.metaTask...)
	if w.performer != "" {
		b = o.appendRef(append(b, `,"owner":`...), w.performer)
	}
	if w.reporter != "" && !strings.HasPrefix(w.reporter, "Location/") {
		b = o.appendRef(append(b, `,"requester":`...), w.reporter)
	}
	b = append(b, `,"resourceType":"Task","restriction":{"period":`...)
	b = appendPeriod(b, start, end)
	return append(b, `},"status":"requested"}`...)
}

func (w *Writer) appendTaskInputHead(b []byte, code, valueKey string) []byte {
	b = append(b, `{"type":`...)
	b = appendConcept(b, w.taskSystem, code)
	b = append(b, ',', '"')
	b = append(b, valueKey...)
	return append(b, '"', ':')
}

func (w *Writer) appendTaskInt(b []byte, code string, n int) []byte {
	b = appendInt32(w.appendTaskInputHead(b, code, "valueInteger"), n)
	return append(b, '}')
}

func strconvAppendInt(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

// encBufs recycles the scratch buffers resources are encoded into; each
// resource then gets one allocation of its exact size.
var encBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// encode runs enc into a scratch buffer and returns an exact-size copy.
func encode(enc encoder, o *encOpts) []byte {
	bp := encBufs.Get().(*[]byte)
	b := enc((*bp)[:0], o)
	out := make([]byte, len(b))
	copy(out, b)
	if cap(b) <= 1<<16 {
		*bp = b
		encBufs.Put(bp)
	}
	return out
}

// fastResource wraps an encoder as a WriteResource.
func fastResource(typ string, id writeIdent, enc encoder) *WriteResource {
	return &WriteResource{ResourceType: typ, ID: id.id, Identifier: id.Identifier, JSON: encode(enc, nil), enc: enc}
}

// buildWindowFast is buildWindow through the fast encoder.
func (w *Writer) buildWindowFast(pid string, res *rules.Result, e *evalWindow, now time.Time) (*WindowSet, error) {
	s := &WindowSet{Window: e.window, RuleSet: e.ruleSet, Provisional: e.provisional}
	mr, err := w.fastMeasureReport(pid, res, e, now)
	if err != nil {
		return nil, err
	}
	s.MeasureReport = mr
	mrRef := mr.Reference()
	if len(e.lines) > 0 {
		s.ChargeItems = make([]*WriteResource, 0, len(e.lines))
	}
	for _, l := range e.lines {
		ci, err := w.fastChargeItem(pid, l, e, mrRef, now)
		if err != nil {
			return nil, err
		}
		s.ChargeItems = append(s.ChargeItems, ci)
	}
	taskID := w.identity(TypeTask, pid, taskCode(e), e)
	s.TaskID = taskID.id
	s.Task = w.fastTask(pid, res.AsOf, e, taskID, mrRef, now)
	return s, nil
}

func (w *Writer) fastMeasureReport(pid string, res *rules.Result, e *evalWindow, now time.Time) (*WriteResource, error) {
	mrID := w.identity(TypeMeasureReport, pid, e.measureName(), e)
	refs := evidenceRefs(e)
	if err := checkMeasureReport(res, e, refs); err != nil {
		return nil, validationError(TypeMeasureReport, err)
	}
	return fastResource(TypeMeasureReport, mrID, func(b []byte, o *encOpts) []byte {
		return w.encMeasureReport(b, o, pid, res, e, mrID, now, refs)
	}), nil
}

func (w *Writer) fastChargeItem(pid string, l rules.CodeLine, e *evalWindow, mrRef string, now time.Time) (*WriteResource, error) {
	if err := checkChargeItem(l, e); err != nil {
		return nil, validationError(TypeChargeItem, err)
	}
	ciID := w.identity(TypeChargeItem, pid, l.Code, e)
	ci := fastResource(TypeChargeItem, ciID, func(b []byte, o *encOpts) []byte {
		return w.encChargeItem(b, o, pid, l, e, ciID, mrRef, now)
	})
	st := chargeStatus(l, e)
	ci.units, ci.status = strconv.Itoa(l.Units), st[1:len(st)-1]
	return ci, nil
}

// fastTask is the window's Task, or nil when it needs none.
func (w *Writer) fastTask(pid string, asOf rules.Date, e *evalWindow, taskID writeIdent, mrRef string, now time.Time) *WriteResource {
	if !needsTask(e) {
		return nil
	}
	desc := taskDescription(e, e.window.End)
	return fastResource(TypeTask, taskID, func(b []byte, o *encOpts) []byte {
		return w.encTask(b, o, pid, asOf, e, taskID, mrRef, now, desc)
	})
}
