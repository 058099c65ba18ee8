package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Moment is a FHIR dateTime as the rules need it: an instant, or a local
// date when the source gives only a date. The zero Moment is absent.
type Moment struct {
	At time.Time
	// Date is used when At is zero. The zero Moment (zero At, Date 0) is
	// absent like NoDate: 1970-01-01 is never an RPM date of service.
	Date Date
}

// MomentAt is the instant t.
func MomentAt(t time.Time) Moment { return Moment{At: t, Date: NoDate} }

// MomentOn is the local date d.
func MomentOn(d Date) Moment { return Moment{Date: d} }

// NoMoment is an absent Moment.
var NoMoment = Moment{Date: NoDate}

// local returns the moment's local date in loc (R-DAY-4), NoDate if absent.
func (m Moment) local(loc *time.Location) Date {
	switch {
	case !m.At.IsZero():
		return LocalDate(m.At, loc)
	case m.Date == 0:
		return NoDate
	}
	return m.Date
}

// Identifier is a FHIR identifier reduced to system and value.
type Identifier struct{ System, Value string }

// Coverage is a patient's insurance as R-PAY-2 needs it. The caller passes
// only Coverages whose beneficiary is the patient.
type Coverage struct {
	Ref    string
	Active bool // status active
	// Start and End are Coverage.period; absent sides are open.
	Start, End Moment
	// PayorRefs and PayorIDs are the references and identifiers of
	// Coverage.payor.
	PayorRefs []string
	PayorIDs  []Identifier
}

// Coding is a code in a system.
type Coding struct{ System, Code string }

// Condition is a diagnosis as R-PAY-3 needs it; the caller passes only the
// patient's Conditions.
type Condition struct {
	Ref    string
	Active bool // clinicalStatus active
	// Refuted is true for verificationStatus refuted or entered-in-error.
	Refuted bool
	// Onset is onsetDateTime or onsetPeriod.start; absent counts as "on or
	// before the DOS".
	Onset Moment
	Codes []Coding
}

// Consent is a patient's consent as R-ELIG-1 needs it; the caller passes
// only Consents whose patient is the patient.
type Consent struct {
	Ref    string
	Active bool // status active
	// RPM says a category or policy coding is <canonical>/CodeSystem/program#rpm.
	RPM bool
	// Deny is provision.type deny, which never counts.
	Deny bool
	// Start and End are provision.period; DateTime is Consent.dateTime, used
	// (from that date on) when there is no period.
	Start, End Moment
	DateTime   Moment
}

// ProfileChoice records which payer profile judged a window and why
// (R-PAY-1, R-PAY-2, R-PAY-4).
type ProfileChoice struct {
	ID     string
	Policy Policy
	// Source is "default" or "coverage"; Coverage cites the Coverage that
	// chose the profile.
	Source   string
	Coverage string
}

// Consent states of a window (R-ELIG-1).
const (
	ConsentNotChecked = "not-checked"
	ConsentOnFile     = "on-file"
	ConsentMissing    = "missing"
)

// covers says whether the inclusive local-date range start..end holds d;
// an absent side is open.
func covers(start, end, d Date) bool {
	return (start == NoDate || d >= start) && (end == NoDate || d <= end)
}

// chooseProfile applies R-PAY-2 and R-PAY-4 for a date of service: a
// matching active Coverage selects an effective profile, otherwise the
// default applies. blocked is true for two matching profiles, an input
// error that is reported, never guessed.
func (ev *evaluation) chooseProfile(dos Date) (prof Profile, choice ProfileChoice, fs []Finding, blocked bool) {
	def := ev.defaultProfile
	choice = ProfileChoice{ID: def.ID, Policy: def.Policy, Source: "default"}
	type match struct {
		prof     Profile
		coverage string
	}
	var matches []match
	var notEffective []string
	for _, c := range ev.req.Coverages {
		if !c.Active || !covers(c.Start.local(ev.req.Location), c.End.local(ev.req.Location), dos) {
			continue
		}
		for _, p := range ev.req.Profiles {
			if !payorMatches(p, c) {
				continue
			}
			if !p.Effective(dos) {
				notEffective = append(notEffective, p.ID)
				continue
			}
			// Two Coverages choosing one profile cite the first by Ref, so
			// the result does not depend on the server's order.
			i := slices.IndexFunc(matches, func(m match) bool { return m.prof.ID == p.ID })
			switch {
			case i < 0:
				matches = append(matches, match{p, c.Ref})
			case c.Ref < matches[i].coverage:
				matches[i].coverage = c.Ref
			}
		}
	}
	switch len(matches) {
	case 0:
		if len(notEffective) > 0 {
			slices.Sort(notEffective)
			fs = append(fs, Finding{Code: "payer-profile-not-effective", Rule: "R-PAY-4",
				Message: fmt.Sprintf("The patient's coverage matches profile %s, not in effect on %s; the default profile %s applies.",
					strings.Join(slices.Compact(notEffective), ", "), dos, def.ID)})
		}
		return def, choice, fs, false
	case 1:
		m := matches[0]
		pol := m.prof.Policy
		if m.prof.ID == def.ID {
			pol = def.Policy // the default's values come from the deployment's flags
		}
		return m.prof, ProfileChoice{ID: m.prof.ID, Policy: pol, Source: "coverage", Coverage: m.coverage}, nil, false
	}
	ids := make([]string, 0, len(matches))
	for _, m := range matches {
		ids = append(ids, m.prof.ID)
	}
	slices.Sort(ids)
	fs = append(fs, Finding{Code: "payer-profile-ambiguous", Rule: "R-PAY-2",
		Message: fmt.Sprintf("The patient's coverage on %s matches %d payer profiles (%s); no code is emitted until the profiles or the coverage are corrected.",
			dos, len(ids), strings.Join(ids, ", "))})
	return def, choice, fs, true
}

func payorMatches(p Profile, c Coverage) bool {
	for _, y := range p.Payors {
		if y.Reference != "" && slices.Contains(c.PayorRefs, y.Reference) {
			return true
		}
		if y.Reference == "" && slices.Contains(c.PayorIDs, Identifier{System: y.System, Value: y.Value}) {
			return true
		}
	}
	return false
}

// conditionCovered applies R-PAY-3: with covered conditions listed, an
// active, not refuted Condition with onset on or before the DOS and a code
// under a listed prefix is needed.
func (ev *evaluation) conditionCovered(p Profile, dos Date) (Finding, bool) {
	if len(p.Covered) == 0 {
		return Finding{}, true
	}
	for _, c := range ev.req.Conditions {
		if !c.Active || c.Refuted {
			continue
		}
		if on := c.Onset.local(ev.req.Location); on != NoDate && on > dos {
			continue
		}
		for _, code := range c.Codes {
			for _, set := range p.Covered {
				if code.System != set.System {
					continue
				}
				for _, prefix := range set.Prefixes {
					if strings.HasPrefix(code.Code, prefix) {
						return Finding{}, true
					}
				}
			}
		}
	}
	var names []string
	for _, set := range p.Covered {
		names = append(names, set.Prefixes...)
	}
	return Finding{Code: "condition-not-covered", Rule: "R-PAY-3",
		Message: fmt.Sprintf("Profile %s covers RPM only for %s; the patient has no active, unrefuted condition with such a code on %s.",
			p.ID, strings.Join(names, ", "), dos)}, false
}

// consentState applies R-ELIG-1 to a window's date of service.
func (ev *evaluation) consentState(pol Policy, dos Date) (string, []Finding) {
	if !pol.RequireConsent {
		return ConsentNotChecked, nil
	}
	loc := ev.req.Location
	for _, c := range ev.req.Consents {
		if !c.Active || !c.RPM || c.Deny {
			continue
		}
		start, end := c.Start.local(loc), c.End.local(loc)
		if start == NoDate && end == NoDate {
			// No provision.period: Consent.dateTime, from that date on.
			start = c.DateTime.local(loc)
			if start == NoDate {
				continue
			}
		}
		if covers(start, end, dos) {
			return ConsentOnFile, nil
		}
	}
	return ConsentMissing, []Finding{{Code: "no-consent", Rule: "R-ELIG-1",
		Message: fmt.Sprintf("No active RPM consent on file covers the date of service %s (policy require_consent); no code is emitted.", dos)}}
}
