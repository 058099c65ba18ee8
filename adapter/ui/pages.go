package ui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/fees"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// page is what every template gets.
type page struct {
	Title  string
	Viewer viewer
	// SignIn says whether sign-in exists (tokens are configured).
	SignIn bool
}

var funcs = template.FuncMap{
	"min16":      func(n int) int { return min(n, rules.DeviceDays) },
	"dollars":    fees.Dollars,
	"monthName":  func(d rules.Date) string { return d.Time().Format("January 2006") },
	"monthParam": func(d rules.Date) string { return d.Time().Format("2006-01") },
	"date":       func(d rules.Date) string { return d.String() },
	"day":        func(d rules.Date) string { return d.Time().Format("Mon 2") },
	"instant": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"path":    url.PathEscape,
	"hasDate": func(d rules.Date) bool { return d != rules.NoDate },
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("ui: rendering a page failed", "template", name, "error", err.Error())
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

type errorPage struct {
	page
	Status  int
	Message string
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, who *viewer, status int, msg string) {
	p := errorPage{page: page{Title: http.StatusText(status), SignIn: h.cfg.Tokens.Enabled()}, Status: status, Message: msg}
	if who != nil {
		p.Viewer = *who
	}
	h.render(w, r, status, "error.html", p)
}

// monthOf reads ?month=YYYY-MM; none is today's month in the service zone.
func (h *Handler) monthOf(r *http.Request) (rules.Date, bool, error) {
	m := r.URL.Query().Get("month")
	if m == "" {
		return rules.LocalDate(h.cfg.Now(), h.cfg.Location).MonthStart(), false, nil
	}
	t, err := time.Parse("2006-01", m)
	if err != nil || t.Year() < 2021 || t.Year() > 2100 {
		return 0, true, errors.New("the month must be YYYY-MM, 2021 or later")
	}
	return rules.DateOf(t.Year(), t.Month(), 1), true, nil
}

// row is a worklist row as shown.
type row struct {
	store.WorklistRow
	Status     string
	Reach      string
	DaysLeft   int
	Need       int
	Open       bool
	Minutes    int
	HasMonth   bool
	Interact   bool
	Codes      []lineView
	Tasks      []string
	Approvable []string // "patient:line" of the closed windows' billable lines
	// Low is the meter's "low" mark: 16 for a row behind pace or out of
	// reach (drawn as low), 1 otherwise; the status text says the same.
	Low int
}

type lineView struct {
	store.CodeLine
	Label string // "99454 ×1 billable"
}

var statusText = map[store.Rank]string{
	store.RankBehind:       "needs action: behind pace",
	store.RankOnPace:       "on pace",
	store.RankOutOfReach:   "out of reach",
	store.RankMet:          "met",
	store.RankNoPeriod:     "no period this month",
	store.RankNotEvaluated: "not evaluated",
}

func lineLabel(l store.CodeLine) string {
	st := string(l.State)
	if l.State == store.StatePlanned {
		st = "provisional"
	}
	return fmt.Sprintf("%s ×%d %s", l.Code, l.Units, st)
}

func viewRow(r store.WorklistRow) row {
	v := row{WorklistRow: r, Status: statusText[r.Rank], Low: 1}
	if r.Rank == store.RankBehind || r.Rank == store.RankOutOfReach {
		v.Low = rules.DeviceDays
	}
	if p := r.Period; p != nil {
		v.Need, v.Open = rules.DeviceDays, p.Provisional
		switch {
		case p.Days >= rules.DeviceDays:
			v.Reach = "16 days met"
		case p.Provisional && p.Progress != nil && p.Progress.Reachable && p.Progress.Need == rules.DeviceDays:
			v.Reach = "16 can still be reached"
		case p.Provisional && p.Progress != nil && p.Progress.Reachable:
			v.Reach = fmt.Sprintf("16 out of reach; %d (99445) can still be reached", p.Progress.Need)
		case p.RuleSet == rules.CMSPFS2026 && p.Days >= rules.ShortDeviceDays && p.Provisional:
			v.Reach = fmt.Sprintf("16 out of reach; the %d days of 99445 reached", rules.ShortDeviceDays)
		case p.RuleSet == rules.CMSPFS2026 && p.Days >= rules.ShortDeviceDays:
			v.Reach = fmt.Sprintf("16 out of reach; %d met (99445)", rules.ShortDeviceDays)
		default:
			v.Reach = "out of reach"
		}
		if p.Progress != nil {
			v.DaysLeft = p.Progress.DaysLeft
		}
		if s := fhirmap.TaskSentence(p.Window, p.Provisional, p.Progress); s != "" {
			v.Tasks = append(v.Tasks, s)
		}
	}
	if m := r.Month; m != nil {
		v.HasMonth, v.Minutes, v.Interact = true, m.Minutes, m.Interactive
		if s := fhirmap.TaskSentence(m.Window, m.Provisional, m.Progress); s != "" {
			v.Tasks = append(v.Tasks, s)
		}
	}
	for _, l := range r.Lines {
		v.Codes = append(v.Codes, lineView{CodeLine: l, Label: lineLabel(l)})
		if l.State == store.StateBillable {
			v.Approvable = append(v.Approvable, l.PatientID+":"+l.LineID)
		}
	}
	return v
}

type worklistPage struct {
	page
	Month, Prev, Next rules.Date
	Filter            string
	Filters           []filterOption
	Months            []rules.Date
	MonthGiven        bool
	Summary           store.WorklistSummary
	Estimate          int64
	Unpriced          []string
	FeeSource         string
	Rows              []row
	Approvable        []string
	PageNo            int
	PrevPage          string
	NextPage          string
	Here              string
	RequireApproval   bool
	Notice            string
}

type filterOption struct {
	Value, Label string
	Selected     bool
}

func (h *Handler) worklist(w http.ResponseWriter, r *http.Request) {
	who, ok := h.require(w, r)
	if !ok {
		return
	}
	month, given, err := h.monthOf(r)
	if err != nil {
		h.fail(w, r, &who, http.StatusBadRequest, err.Error())
		return
	}
	q := r.URL.Query()
	filter := store.WorklistFilter(q.Get("filter"))
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 1)
	ctx := r.Context()
	rows, sum, err := h.cfg.Store.WorklistPage(ctx, store.WorklistQuery{Tenant: h.cfg.Tenant, Month: month, Filter: filter,
		Offset: (pageNo - 1) * h.cfg.PageSize, Limit: h.cfg.PageSize + 1})
	if err != nil {
		if strings.Contains(err.Error(), "unknown worklist filter") {
			h.fail(w, r, &who, http.StatusBadRequest, "Unknown filter.")
			return
		}
		h.fail(w, r, &who, http.StatusInternalServerError, "The store could not be read.")
		return
	}
	months, err := h.cfg.Store.MonthsWithResults(ctx, h.cfg.Tenant)
	if err != nil {
		h.fail(w, r, &who, http.StatusInternalServerError, "The store could not be read.")
		return
	}
	p := worklistPage{page: page{Title: "Worklist " + month.Time().Format("January 2006"), Viewer: who, SignIn: h.cfg.Tokens.Enabled()},
		Month: month, Prev: month.AddDays(-1).MonthStart(), Next: month.MonthEnd().AddDays(1), Filter: string(filter),
		Months: months, MonthGiven: given, Summary: sum, FeeSource: h.cfg.Fees.Source, PageNo: pageNo,
		RequireApproval: h.cfg.RequireApproval, Here: r.URL.RequestURI(), Notice: q.Get("notice")}
	for _, f := range []filterOption{{"", "All patients", false}, {string(store.FilterNeedsAction), "Needs action", false},
		{string(store.FilterBillable), "Billable", false}, {string(store.FilterNotEvaluated), "Not evaluated", false}} {
		f.Selected = f.Value == string(filter)
		p.Filters = append(p.Filters, f)
	}
	codes := make([]string, 0, len(sum.Units))
	for c := range sum.Units {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		if cents, ok := h.cfg.Fees.Amount(c); ok {
			p.Estimate += cents * int64(sum.Units[c])
		} else {
			p.Unpriced = append(p.Unpriced, c)
		}
	}
	more := len(rows) > h.cfg.PageSize
	if more {
		rows = rows[:h.cfg.PageSize]
	}
	for _, wr := range rows {
		v := viewRow(wr)
		p.Rows = append(p.Rows, v)
		p.Approvable = append(p.Approvable, v.Approvable...)
	}
	link := func(n int) string {
		v := url.Values{"month": {month.Time().Format("2006-01")}, "page": {strconv.Itoa(n)}}
		if filter != "" {
			v.Set("filter", string(filter))
		}
		return "/ui/?" + v.Encode()
	}
	if pageNo > 1 {
		p.PrevPage = link(pageNo - 1)
	}
	if more {
		p.NextPage = link(pageNo + 1)
	}
	h.render(w, r, http.StatusOK, "worklist.html", p)
}

// patientID is a FHIR id.
var patientID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

type windowView struct {
	store.Evaluation
	Title string
	Cells []cell
	Lines []lineHistory
	Task  string
}

type cell struct {
	Date     rules.Date
	Readings int
	Future   bool
	LastDay  bool
}

type lineHistory struct {
	store.CodeLine
	Label     string
	SignOffs  []store.SignOff
	TakenBack bool // an approval a later evaluation took back, line not approved again
	Closed    bool
}

type patientPage struct {
	page
	store.Patient
	Month      rules.Date
	Windows    []windowView
	Others     []windowView // the patient's other windows, by kind and start
	Activities []activityView
	Findings   []rules.Finding
	Evidence   []string
	Written    []store.Written
	Approvable []string
	Here       string
	Notice     string
	Zone       string
}

type activityView struct {
	store.Activity
	Local   string
	Minutes string
}

func (h *Handler) patient(w http.ResponseWriter, r *http.Request) {
	who, ok := h.require(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !patientID.MatchString(id) || strings.Trim(id, ".") == "" {
		h.fail(w, r, &who, http.StatusBadRequest, "That is not a patient id.")
		return
	}
	month, _, err := h.monthOf(r)
	if err != nil {
		h.fail(w, r, &who, http.StatusBadRequest, err.Error())
		return
	}
	ctx := r.Context()
	pt, err := h.cfg.Store.Patient(ctx, h.cfg.Tenant, id)
	if errors.Is(err, store.ErrNotFound) {
		h.audit(ctx, who, "ui-read-patient", id, false, http.StatusNotFound)
		h.fail(w, r, &who, http.StatusNotFound, "The store holds no evaluation of this patient.")
		return
	}
	if err != nil {
		h.fail(w, r, &who, http.StatusInternalServerError, "The store could not be read.")
		return
	}
	evs, err := h.cfg.Store.Evaluations(ctx, h.cfg.Tenant, id)
	if err != nil {
		h.fail(w, r, &who, http.StatusInternalServerError, "The store could not be read.")
		return
	}
	sos, err := h.cfg.Store.SignOffs(ctx, h.cfg.Tenant, id)
	if err != nil {
		h.fail(w, r, &who, http.StatusInternalServerError, "The store could not be read.")
		return
	}
	written, err := h.cfg.Store.WrittenResources(ctx, h.cfg.Tenant, id)
	if err != nil {
		h.fail(w, r, &who, http.StatusInternalServerError, "The store could not be read.")
		return
	}
	h.audit(ctx, who, "ui-read-patient", id, false, http.StatusOK)
	bySignOff := map[string][]store.SignOff{}
	for _, so := range sos {
		bySignOff[so.LineID] = append(bySignOff[so.LineID], so)
	}
	loc, lerr := time.LoadLocation(pt.Zone)
	if lerr != nil || pt.Zone == "" {
		loc = time.UTC
	}
	p := patientPage{page: page{Title: "Patient " + id, Viewer: who, SignIn: h.cfg.Tokens.Enabled()}, Patient: *pt, Month: month,
		Written: written, Here: r.URL.RequestURI(), Notice: r.URL.Query().Get("notice"), Zone: loc.String()}
	first := month.MonthStart()
	// The period shown is the worklist's: open or ending in the month, the
	// latest; the month is the calendar month.
	period := store.PeriodOfMonth(evs, month, pt.AsOf)
	evidence := map[string]bool{}
	for i := range evs {
		e := &evs[i]
		v := windowView{Evaluation: *e, Task: fhirmap.TaskSentence(e.Window, e.Provisional, e.Progress)}
		if e.Window.Kind == rules.Period30 {
			v.Title = fmt.Sprintf("30-day period %s to %s", e.Window.Start, e.Window.End)
			counts := map[rules.Date]int{}
			for _, dc := range e.DayCounts {
				counts[dc.Date] = dc.Readings
			}
			asOf := pt.AsOf
			for d := e.Window.Start; d <= e.Window.End; d++ {
				v.Cells = append(v.Cells, cell{Date: d, Readings: counts[d], Future: e.Provisional && asOf != rules.NoDate && d > asOf,
					LastDay: d == e.Window.End})
			}
		} else {
			v.Title = "Calendar month " + e.Window.Start.Time().Format("January 2006")
		}
		for _, l := range e.Lines {
			lh := lineHistory{CodeLine: l, Label: lineLabel(l), SignOffs: bySignOff[l.LineID], Closed: !e.Provisional}
			for _, so := range lh.SignOffs {
				lh.TakenBack = so.RevokedBy == store.RevokedByEvaluation && l.State != store.StateApproved
			}
			v.Lines = append(v.Lines, lh)
		}
		inMonth := e == period || (e.Window.Kind == rules.CalendarMonth && e.Window.Start == first)
		if !inMonth {
			p.Others = append(p.Others, v)
			continue
		}
		p.Windows = append(p.Windows, v)
		for _, l := range e.Lines {
			if l.State == store.StateBillable && !e.Provisional {
				p.Approvable = append(p.Approvable, l.PatientID+":"+l.LineID)
			}
		}
		p.Findings = append(p.Findings, e.Findings...)
		if e.Window.Kind == rules.CalendarMonth {
			for _, a := range e.Activities {
				p.Activities = append(p.Activities, activityView{Activity: a, Local: a.Start.In(loc).Format("2006-01-02 15:04 MST"),
					Minutes: strconv.FormatFloat(a.Duration.Minutes(), 'f', 1, 64)})
				if a.Ref != "" {
					evidence[a.Ref] = true
				}
			}
		}
	}
	p.Findings = append(p.Findings, pt.Findings...)
	for _, f := range p.Findings {
		if f.Ref != "" {
			evidence[f.Ref] = true
		}
	}
	for ref := range evidence {
		p.Evidence = append(p.Evidence, ref)
	}
	slices.Sort(p.Evidence)
	h.render(w, r, http.StatusOK, "patient.html", p)
}

// back is where a form returns to: a page of /ui/, never another site.
func back(r *http.Request) string {
	b := r.PostForm.Get("back")
	if !strings.HasPrefix(b, "/ui/") || strings.HasPrefix(b, "//") || strings.ContainsAny(b, "\\\r\n") {
		return "/ui/"
	}
	return b
}

func withNotice(u, notice string) string {
	base, _, _ := strings.Cut(u, "#")
	pu, err := url.Parse(base)
	if err != nil {
		return "/ui/"
	}
	q := pu.Query()
	q.Set("notice", notice)
	pu.RawQuery = q.Encode()
	return pu.String()
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) {
	who, ok := h.requireForm(w, r)
	if !ok {
		return
	}
	if !who.Write {
		h.fail(w, r, &who, http.StatusForbidden, "Signing off needs a token with the write role.")
		return
	}
	byPatient := map[string][]string{}
	var order []string
	for _, v := range r.PostForm["line"] {
		pid, lid, ok := strings.Cut(v, ":")
		if !ok || !patientID.MatchString(pid) || lid == "" {
			h.fail(w, r, &who, http.StatusBadRequest, "A line to approve is malformed.")
			return
		}
		if _, seen := byPatient[pid]; !seen {
			order = append(order, pid)
		}
		byPatient[pid] = append(byPatient[pid], lid)
	}
	if len(order) == 0 {
		http.Redirect(w, r, withNotice(back(r), "Nothing to approve."), http.StatusSeeOther)
		return
	}
	n := 0
	for _, pid := range order {
		k, err := h.cfg.Store.Approve(r.Context(), h.cfg.Tenant, pid, byPatient[pid], who.Label)
		if errors.Is(err, store.ErrNotBillable) {
			h.audit(r.Context(), who, "ui-sign-off", pid, true, http.StatusConflict)
			h.fail(w, r, &who, http.StatusConflict, "A line is no longer billable (a later evaluation changed it); reload the page.")
			return
		}
		if err != nil {
			h.fail(w, r, &who, http.StatusInternalServerError, "The sign-off could not be stored.")
			return
		}
		h.audit(r.Context(), who, "ui-sign-off", pid, true, http.StatusOK)
		n += k
	}
	http.Redirect(w, r, withNotice(back(r), fmt.Sprintf("Approved %d code %s.", n, plural(n, "line", "lines"))), http.StatusSeeOther)
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request) {
	who, ok := h.requireForm(w, r)
	if !ok {
		return
	}
	if !who.Write {
		h.fail(w, r, &who, http.StatusForbidden, "Signing off needs a token with the write role.")
		return
	}
	pid, lid, ok := strings.Cut(r.PostForm.Get("line"), ":")
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if !ok || !patientID.MatchString(pid) || lid == "" {
		h.fail(w, r, &who, http.StatusBadRequest, "The line to reject is malformed.")
		return
	}
	if reason == "" || len(reason) > 500 {
		h.fail(w, r, &who, http.StatusBadRequest, "A rejection needs a reason (at most 500 characters).")
		return
	}
	err := h.cfg.Store.Reject(r.Context(), h.cfg.Tenant, pid, lid, who.Label, reason)
	if errors.Is(err, store.ErrNotBillable) {
		h.fail(w, r, &who, http.StatusConflict, "The line is no longer billable; reload the page.")
		return
	}
	if err != nil {
		h.fail(w, r, &who, http.StatusInternalServerError, "The rejection could not be stored.")
		return
	}
	h.audit(r.Context(), who, "ui-sign-off", pid, true, http.StatusOK)
	http.Redirect(w, r, withNotice(back(r), "Rejected the line."), http.StatusSeeOther)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
