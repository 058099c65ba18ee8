package fhirmap

import "github.com/rpm-adapter/rpm-adapter/rules"

// Consent is a Consent reduced to what the consent check needs (R-ELIG-1).
type Consent struct {
	ID      string `json:"id"`
	Patient string `json:"patient"`
	Status  string `json:"status"`
	// RPM says a category coding or the policyRule coding is
	// <canonical>/CodeSystem/program#rpm. Consent.policy holds only URIs,
	// no codings, and is not read.
	RPM bool `json:"rpm"`
	// ProvisionType is provision.type, "deny" or "permit", "" when absent.
	// Nested provisions (exceptions to the base rule, for particular data or
	// actors) are not read.
	ProvisionType string `json:"provisionType,omitempty"`
	// Start and End are provision.period; DateTime is Consent.dateTime.
	Start    When `json:"start"`
	End      When `json:"end"`
	DateTime When `json:"dateTime"`
}

// ResourceType implements Resource.
func (*Consent) ResourceType() string { return "Consent" }

// ResourceID implements Resource.
func (c *Consent) ResourceID() string { return c.ID }

// Rules turns the Consent into a rules.Consent (R-ELIG-1). The caller passes
// only the patient's Consents, matching Patient.
func (c *Consent) Rules() rules.Consent {
	return rules.Consent{
		Ref:      "Consent/" + c.ID,
		Active:   c.Status == "active",
		RPM:      c.RPM,
		Deny:     c.ProvisionType == "deny",
		Start:    c.Start.Moment(),
		End:      c.End.Moment(),
		DateTime: c.DateTime.Moment(),
	}
}

func consentStatus(b []byte) bool {
	switch string(b) {
	case "draft", "proposed", "active", "rejected", "inactive", "entered-in-error":
		return true
	}
	return false
}

// consent decodes the Consent at the current position. It reads status,
// patient, category, policyRule, provision.type, provision.period and
// dateTime; everything else is skipped unread.
//
// The dates and provision.type are read with error severity: a Consent
// whose period or kind cannot be read is skipped (and so does not count),
// never taken as covering dates it may not.
func (d *decoder) consent() Resource {
	const T = "Consent"
	s := &d.s
	from := len(d.issues)
	c := &Consent{Start: whenNone, End: whenNone, DateTime: whenNone}
	idSeen, statusSeen, patientSeen := false, false, false
	rpm := func(system, code []byte) {
		if string(system) == d.r.programSys && string(code) == ProgramRPMCode {
			c.RPM = true
		}
	}
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			c.ID = d.id(T + ".id")
		case "status":
			statusSeen = true
			if v, ok := d.str(T+".status", SeverityError); ok {
				if !consentStatus(v) {
					d.issue(T+".status", CodeUnknownStatus, SeverityError, "The status is not an R4 Consent status code.")
				}
				c.Status = string(v)
			}
		case "patient":
			patientSeen = true
			c.Patient = d.patientRef(T+".patient", SeverityError)
		case "category":
			d.concepts(T+".category", SeverityWarning, rpm)
		case "policyRule":
			d.codings(T+".policyRule", SeverityWarning, rpm)
		case "dateTime":
			c.DateTime = d.dateTime(T+".dateTime", SeverityError)
		case "provision":
			d.object(T+".provision", SeverityError, func(k []byte) {
				switch string(k) {
				case "type":
					if v, ok := d.str(T+".provision.type", SeverityError); ok {
						if string(v) != "deny" && string(v) != "permit" {
							d.issue(T+".provision.type", CodeUnknownCode, SeverityError, "provision.type is neither deny nor permit.")
							return
						}
						c.ProvisionType = string(v)
					}
				case "period":
					c.Start, c.End = d.period(periodPaths{T + ".provision.period", T + ".provision.period.start", T + ".provision.period.end"}, SeverityError)
				default:
					s.skip()
				}
			})
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	if whenAfter(c.Start, c.End) {
		d.issue(T+".provision.period", CodeInvalidPeriod, SeverityError, "The provision period ends before it starts, so it cannot say when the Consent applies.")
	}
	if !statusSeen {
		d.issue(T+".status", CodeMissingStatus, SeverityError, "The Consent has no status.")
	}
	if !patientSeen {
		d.issue(T+".patient", CodeMissingSubject, SeverityError, "The Consent has no patient, so it cannot be attributed to a patient.")
	}
	if c.RPM && c.Start.Kind == WhenNone && c.End.Kind == WhenNone && c.DateTime.Kind == WhenNone && !d.skipped(from) {
		d.issue(T+".provision.period", CodeMissingPeriodStart, SeverityWarning, "The RPM Consent has no provision.period and no dateTime, so it cannot cover a date of service.")
	}
	if !d.finish(from, T, c.ID, idSeen) {
		return nil
	}
	return c
}
