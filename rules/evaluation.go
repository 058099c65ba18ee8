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
	req            Request
	defaultProfile Profile
	days           []datedRef       // qualifying readings by local date (R-DAY-*)
	skipped        []skippedReading // readings that did not qualify (R-DAY-1)
	acts           []activity       // RPM intervals (R-TIME-1, R-TIME-2)
	actSkips       []skippedAct     // interactions that add no minutes
	findings       []Finding        // patient-level findings
	// other holds the inputs placed again under a profile whose policy
	// qualifies readings or interactions differently (R-PAY-1).
	other map[placeKey]*evaluation
}

// placeKey is the part of a policy that placing inputs depends on.
type placeKey struct{ countPreliminary, inPersonInteractive bool }

func keyOf(p Policy) placeKey { return placeKey{p.CountPreliminary, p.InPersonInteractive} }

func newEvaluation(req Request, def Profile) *evaluation {
	// conflict reports the first blocking charge; sort a copy so which one is
	// cited does not depend on the server's order (R-PER-4, R-CON-1).
	req.Charges = slices.Clone(req.Charges)
	slices.SortFunc(req.Charges, func(a, b Charge) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End),
			strings.Compare(a.Code, b.Code), strings.Compare(a.Ref, b.Ref),
			strings.Compare(a.Organization, b.Organization), cmp.Compare(boolInt(a.Own), boolInt(b.Own)))
	})
	ev := &evaluation{req: req, defaultProfile: def}
	ev.place()
	return ev
}

// place places the readings and interactions under ev.req.Policy.
func (ev *evaluation) place() {
	ev.days, ev.skipped = placeReadings(ev.req)
	for _, s := range ev.skipped {
		if s.date == NoDate {
			ev.findings = append(ev.findings, Finding{Code: "reading-no-date", Rule: "R-DAY-4",
				Message: "A reading without an instant or a local date could not be placed on a day."})
			break
		}
	}
	var noStart []Finding
	ev.acts, ev.actSkips, noStart = placeInteractions(ev.req)
	ev.findings = append(ev.findings, noStart...)
}

// under returns the inputs as placed under policy p: ev itself when p
// places them as the default policy does.
func (ev *evaluation) under(p Policy) *evaluation {
	k := keyOf(p)
	if k == keyOf(ev.req.Policy) {
		return ev
	}
	if x, ok := ev.other[k]; ok {
		return x
	}
	req := ev.req
	req.Policy = p
	x := &evaluation{req: req, defaultProfile: ev.defaultProfile}
	x.place()
	if ev.other == nil {
		ev.other = make(map[placeKey]*evaluation)
	}
	ev.other[k] = x
	return x
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
	// R-PAY-2, R-PAY-4: the profile is chosen at the period's last day, its
	// DOS under the default device_dos; a DOS moved by last-reading does not
	// choose again (the period and its rule set stay as anchored, R-DOS-1).
	prof, choice, pfs, ambiguous := ev.chooseProfile(w.End)
	x := ev.under(choice.Policy)
	pr := PeriodResult{Window: w, RuleSet: rs, Provisional: ev.open(w), Profile: choice}
	pr.Evidence = dayEvidence(x.days, w)
	pr.Days = len(pr.Evidence)
	pr.Findings = skippedFindings(x.skipped, w)
	if w.Start < DateOf(secondRuleSetYear, 1, 1) && w.End >= DateOf(secondRuleSetYear, 1, 1) {
		pr.Findings = append(pr.Findings, Finding{Code: "crosses-rule-set-boundary", Rule: "R-DOS-3",
			Message: fmt.Sprintf("The period %s to %s crosses 2025-12-31; it is judged by %s (its date of service) and needs review.", w.Start, w.End, rs)})
	}
	pr.Findings = append(pr.Findings, pfs...)

	pr.DOS = w.End // R-DOS-1
	if choice.Policy.DeviceDOS == DOSLastReading && pr.Days > 0 {
		pr.DOS = pr.Evidence[pr.Days-1].Date
	}
	lines, why := deviceLines(rs, choice.Policy, w, pr.Days, pr.DOS)
	pr.Findings = append(pr.Findings, why...)
	if c, blocked := ev.conflict(w, deviceConflict); blocked {
		pr.Findings = append(pr.Findings, c)
		lines = nil
	}
	var withheld []Finding
	pr.Consent, withheld = ev.eligible(prof, choice.Policy, pr.DOS, ambiguous)
	pr.Findings = append(pr.Findings, withheld...)
	if ambiguous || len(withheld) > 0 {
		lines = nil
	}
	if pr.Provisional {
		for i := range lines {
			lines[i].Provisional = true
		}
		pr.Progress = x.deviceProgress(w, rs, pr.Days)
	}
	pr.Lines = lines
	return pr
}

// eligible applies the patient-level checks of a window's DOS: consent
// (R-ELIG-1) and covered conditions (R-PAY-3). Any finding it returns
// withholds every code of the window. An ambiguous profile is not checked
// further: which conditions would count is unknown.
func (ev *evaluation) eligible(prof Profile, pol Policy, dos Date, ambiguous bool) (string, []Finding) {
	if ambiguous {
		return ConsentNotChecked, nil
	}
	consent, fs := ev.consentState(pol, dos)
	if f, ok := ev.conditionCovered(prof, dos); !ok {
		fs = append(fs, f)
	}
	return consent, fs
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
	prof, choice, pfs, ambiguous := ev.chooseProfile(w.End) // R-PAY-2: DOS is the month's last day
	x := ev.under(choice.Policy)
	mr := MonthResult{Window: w, RuleSet: rs, Provisional: ev.open(w), Profile: choice, DOS: w.End}
	mr.DataDays = len(dayEvidence(x.days, w))
	mr.Evidence, mr.Seconds = monthMinutes(x.acts, w, ev.req.Location)
	mr.Minutes = int(mr.Seconds / 60) // R-TIME-5: floor, never round up
	mr.InteractiveRefs = interactiveRefs(x.acts, w, x.req)
	mr.Interactive = len(mr.InteractiveRefs) > 0
	mr.Findings = actFindings(x.actSkips, x.acts, w, ev.req.Location)
	mr.Findings = append(mr.Findings, pfs...)

	lines, unbilled, why := timeLines(rs, choice.Policy, w, mr.Minutes, mr.Interactive, mr.DataDays)
	mr.UnbilledMinutes = unbilled
	mr.Findings = append(mr.Findings, why...)
	if c, blocked := ev.conflict(w, nil); blocked {
		mr.Findings = append(mr.Findings, c)
		lines = nil
	}
	if c, clash := ev.clash99091(w); clash && len(lines) > 0 {
		mr.Findings = append(mr.Findings, c)
		lines = nil
	}
	var withheld []Finding
	mr.Consent, withheld = ev.eligible(prof, choice.Policy, mr.DOS, ambiguous)
	mr.Findings = append(mr.Findings, withheld...)
	if ambiguous || len(withheld) > 0 {
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
