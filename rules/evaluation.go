package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// evaluation holds one request's inputs, placed once and reused by every
// window it evaluates.
type evaluation struct {
	req      Request
	days     []datedRef       // qualifying readings by local date (R-DAY-*)
	skipped  []skippedReading // readings that did not qualify (R-DAY-1)
	acts     []activity       // RPM intervals (R-TIME-1, R-TIME-2)
	actSkips []skippedAct     // interactions that add no minutes
	findings []Finding        // patient-level findings
}

func newEvaluation(req Request) *evaluation {
	// conflict reports the first blocking charge; sort a copy so which one is
	// cited does not depend on the server's order (R-PER-4, R-CON-1).
	req.Charges = slices.Clone(req.Charges)
	slices.SortFunc(req.Charges, func(a, b Charge) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End),
			strings.Compare(a.Code, b.Code), strings.Compare(a.Ref, b.Ref),
			strings.Compare(a.Organization, b.Organization), cmp.Compare(boolInt(a.Own), boolInt(b.Own)))
	})
	ev := &evaluation{req: req}
	ev.days, ev.skipped = placeReadings(req)
	for _, s := range ev.skipped {
		if s.date == NoDate {
			ev.findings = append(ev.findings, Finding{Code: "reading-no-date", Rule: "R-DAY-4",
				Message: "A reading without an instant or a local date could not be placed on a day."})
			break
		}
	}
	var noStart []Finding
	ev.acts, ev.actSkips, noStart = placeInteractions(req)
	ev.findings = append(ev.findings, noStart...)
	return ev
}

// anchor picks the start of period 0 (R-PER-2): the enrollment date, else
// the RPM episode's start, else the first qualifying reading.
func (ev *evaluation) anchor() (Date, string) {
	switch {
	case ev.req.Enrollment != NoDate:
		return ev.req.Enrollment, "enrollment"
	case ev.req.EpisodeStart != NoDate:
		return ev.req.EpisodeStart, "episode"
	case len(ev.days) > 0:
		return ev.days[0].date, "first-reading"
	}
	return NoDate, ""
}

// open says whether a window has not ended on the run date (R-PER-5).
func (ev *evaluation) open(w Window) bool { return ev.req.AsOf <= w.End }

// daysLeft counts the dates after the run date up to the window's end.
func (ev *evaluation) daysLeft(w Window) int {
	if !ev.open(w) {
		return 0
	}
	start := max(ev.req.AsOf, w.Start.AddDays(-1))
	return int(w.End - start)
}

// hasDay says whether a qualifying reading falls on date d.
func (ev *evaluation) hasDay(d Date) bool {
	for _, x := range dayEvidence(ev.days, Window{Start: d, End: d}) {
		if x.Date == d {
			return true
		}
	}
	return false
}

// period evaluates the device codes of one 30-day period.
func (ev *evaluation) period(w Window) PeriodResult {
	rs, _ := RuleSetFor(w.End) // checked by Evaluate
	pr := PeriodResult{Window: w, RuleSet: rs, Provisional: ev.open(w)}
	pr.Evidence = dayEvidence(ev.days, w)
	pr.Days = len(pr.Evidence)
	pr.Findings = skippedFindings(ev.skipped, w)
	if w.Start < DateOf(secondRuleSetYear, 1, 1) && w.End >= DateOf(secondRuleSetYear, 1, 1) {
		pr.Findings = append(pr.Findings, Finding{Code: "crosses-rule-set-boundary", Rule: "R-DOS-3",
			Message: fmt.Sprintf("The period %s to %s crosses 2025-12-31; it is judged by %s (its date of service) and needs review.", w.Start, w.End, rs)})
	}

	lines, why := deviceLines(rs, ev.req.Policy, w, pr.Days)
	pr.Findings = append(pr.Findings, why...)
	if c, blocked := ev.conflict(w, deviceConflict); blocked {
		pr.Findings = append(pr.Findings, c)
		lines = nil
	}
	if pr.Provisional {
		for i := range lines {
			lines[i].Provisional = true
		}
		pr.Progress = ev.deviceProgress(w, rs, pr.Days)
	}
	pr.Lines = lines
	return pr
}

// deviceProgress reports what an open period still needs (R-PER-5): the
// 16 days of 99454, or under cms-pfs-2026 the 2 days of 99445 when 16 can
// no longer be reached.
func (ev *evaluation) deviceProgress(w Window, rs RuleSetID, days int) *Progress {
	left := ev.daysLeft(w)
	// The run date itself can still bring a reading if it has none yet.
	slack := left
	if w.Contains(ev.req.AsOf) && !ev.hasDay(ev.req.AsOf) {
		slack++
	}
	need := DeviceDays
	if rs.has2026Codes() && DeviceDays-days > slack && days < ShortDeviceDays {
		need = ShortDeviceDays
	}
	missing := max(need-days, 0)
	return &Progress{Have: days, Need: need, Missing: missing, DaysLeft: left, Reachable: missing <= slack}
}

// month evaluates the treatment-management codes of one calendar month.
func (ev *evaluation) month(w Window) MonthResult {
	rs, _ := RuleSetFor(w.End)
	mr := MonthResult{Window: w, RuleSet: rs, Provisional: ev.open(w)}
	mr.DataDays = len(dayEvidence(ev.days, w))
	mr.Evidence, mr.Seconds = monthMinutes(ev.acts, w, ev.req.Location)
	mr.Minutes = int(mr.Seconds / 60) // R-TIME-5: floor, never round up
	mr.InteractiveRefs = interactiveRefs(ev.acts, w, ev.req)
	mr.Interactive = len(mr.InteractiveRefs) > 0
	mr.Findings = actFindings(ev.actSkips, ev.acts, w, ev.req.Location)

	lines, unbilled, why := timeLines(rs, ev.req.Policy, w, mr.Minutes, mr.Interactive, mr.DataDays)
	mr.UnbilledMinutes = unbilled
	mr.Findings = append(mr.Findings, why...)
	if c, blocked := ev.conflict(w, nil); blocked {
		mr.Findings = append(mr.Findings, c)
		lines = nil
	}
	if mr.Provisional {
		for i := range lines {
			lines[i].Provisional = true
		}
		p := &Progress{Have: mr.Minutes, Need: TMMinutes, DaysLeft: ev.daysLeft(w), NeedsInteractive: !mr.Interactive}
		p.Missing = max(TMMinutes-mr.Minutes, 0)
		// Staff time can be added on any remaining day, the run date included.
		p.Reachable = (p.Missing == 0 && !p.NeedsInteractive) || ev.open(w)
		mr.Progress = p
	}
	mr.Lines = lines
	return mr
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
