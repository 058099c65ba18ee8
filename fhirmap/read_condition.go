package fhirmap

import "github.com/rpm-adapter/rpm-adapter/rules"

// Condition is a Condition reduced to what the covered-conditions check
// needs (R-PAY-3).
type Condition struct {
	ID      string `json:"id"`
	Patient string `json:"patient"` // the subject's Patient id
	// ClinicalStatus and VerificationStatus are the codes of the codings in
	// SystemConditionClinical and SystemConditionVerStatus, "" when there is
	// none.
	ClinicalStatus     string `json:"clinicalStatus"`
	VerificationStatus string `json:"verificationStatus"`
	// Codes are Condition.code's codings that have both a system and a code.
	Codes []Coding `json:"codes"`
	// Onset is onsetDateTime or onsetPeriod.start. onsetAge, onsetRange and
	// onsetString cannot be placed on a date and are not read: the onset is
	// then absent, which R-PAY-3 takes as "on or before the DOS".
	Onset When `json:"onset"`
}

// ResourceType implements Resource.
func (*Condition) ResourceType() string { return "Condition" }

// ResourceID implements Resource.
func (c *Condition) ResourceID() string { return c.ID }

// Active says whether the clinical status is active. In the R4
// condition-clinical code system recurrence and relapse are specialisations
// of active (the condition is back after a remission or resolution): a
// patient whose heart failure has relapsed has it now. inactive, remission
// and resolved, and a missing clinical status, are not active.
func (c *Condition) Active() bool {
	switch c.ClinicalStatus {
	case "active", "recurrence", "relapse":
		return true
	}
	return false
}

// Refuted says whether the verification status rules the diagnosis out:
// refuted, or entered-in-error (it was never the patient's).
func (c *Condition) Refuted() bool {
	return c.VerificationStatus == "refuted" || c.VerificationStatus == "entered-in-error"
}

// Rules turns the Condition into a rules.Condition (R-PAY-3). The caller
// passes only the patient's Conditions, matching Patient.
func (c *Condition) Rules() rules.Condition {
	rc := rules.Condition{
		Ref:     "Condition/" + c.ID,
		Active:  c.Active(),
		Refuted: c.Refuted(),
		Onset:   c.Onset.Moment(),
	}
	for _, code := range c.Codes {
		rc.Codes = append(rc.Codes, rules.Coding{System: code.System, Code: code.Code})
	}
	return rc
}

func conditionClinical(b []byte) bool {
	switch string(b) {
	case "active", "recurrence", "relapse", "inactive", "remission", "resolved":
		return true
	}
	return false
}

func conditionVerification(b []byte) bool {
	switch string(b) {
	case "unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error":
		return true
	}
	return false
}

// condition decodes the Condition at the current position. It reads
// subject, clinicalStatus, verificationStatus, code and onset[x];
// everything else is skipped unread.
//
// The statuses and the onset are read with error severity: a Condition
// whose refutation or onset cannot be read is skipped, never taken as an
// unrefuted diagnosis that may cover a date it does not.
func (d *decoder) condition() Resource {
	const T = "Condition"
	s := &d.s
	from := len(d.issues)
	c := &Condition{Codes: []Coding{}, Onset: whenNone}
	idSeen, subjectSeen := false, false
	onset := 0
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			c.ID = d.id(T + ".id")
		case "subject":
			subjectSeen = true
			c.Patient = d.patientRef(T+".subject", SeverityError)
		case "clinicalStatus":
			d.codings(T+".clinicalStatus", SeverityError, func(system, code []byte) {
				if string(system) != SystemConditionClinical || c.ClinicalStatus != "" {
					return
				}
				if !conditionClinical(code) {
					d.issue(T+".clinicalStatus", CodeUnknownStatus, SeverityError, "The clinicalStatus is not an R4 condition-clinical code.")
					return
				}
				c.ClinicalStatus = string(code)
			})
		case "verificationStatus":
			d.codings(T+".verificationStatus", SeverityError, func(system, code []byte) {
				if string(system) != SystemConditionVerStatus || c.VerificationStatus != "" {
					return
				}
				if !conditionVerification(code) {
					d.issue(T+".verificationStatus", CodeUnknownStatus, SeverityError, "The verificationStatus is not an R4 condition-ver-status code.")
					return
				}
				c.VerificationStatus = string(code)
			})
		case "code":
			d.codings(T+".code", SeverityWarning, func(system, code []byte) {
				if len(system) > 0 && len(code) > 0 {
					c.Codes = append(c.Codes, Coding{System: string(system), Code: string(code)})
				}
			})
		case "onsetDateTime":
			onset++
			c.Onset = d.onsetDateTime(T + ".onset")
		case "onsetPeriod":
			onset++
			d.object(T+".onset", SeverityError, func(k []byte) {
				if string(k) == "start" {
					c.Onset = d.onsetDateTime(T + ".onset.start")
					return
				}
				s.skip()
			})
		case "onsetAge", "onsetRange", "onsetString":
			onset++
			s.skip()
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	if onset > 1 {
		d.issue(T+".onset", CodeInvalidChoice, SeverityError, "The Condition has more than one onset[x].")
	}
	if !subjectSeen {
		d.issue(T+".subject", CodeMissingSubject, SeverityError, "The Condition has no subject, so it cannot be attributed to a patient.")
	}
	// R4 con-5: an entered-in-error Condition has no clinical status.
	if c.ClinicalStatus == "" && c.VerificationStatus != "entered-in-error" && !d.skipped(from) {
		d.issue(T+".clinicalStatus", CodeMissingStatus, SeverityWarning, "The Condition has no condition-clinical clinicalStatus, so it is not taken as active.")
	}
	if !d.finish(from, T, c.ID, idSeen) {
		return nil
	}
	return c
}

// onsetDateTime reads a Condition onset dateTime. A year or a year and month
// ("2019", "2019-04"), common for onsets, becomes the last day it can mean,
// with a warning: an onset on or before the DOS (R-PAY-3) is then never
// claimed earlier than the input allows. Anything else invalid is an error.
func (d *decoder) onsetDateTime(path string) When {
	v, ok := d.str(path, SeverityError)
	if !ok {
		return whenNone
	}
	w, code := parseDateTime(v)
	switch code {
	case "":
		return w
	case CodeImpreciseDate:
		if last, ok := lastDayOfImprecise(v); ok {
			d.issue(path, CodeImpreciseDate, SeverityWarning, "The onset gives only a year or a month; its last day is used as the onset date.")
			return When{Kind: WhenDate, Date: last}
		}
	}
	d.issue(path, code, SeverityError, dateTimeMessage(code))
	return whenNone
}
