package fhirmap

import "github.com/rpm-adapter/rpm-adapter/rules"

// Coverage is a Coverage reduced to what the payer-profile choice needs
// (R-PAY-2).
type Coverage struct {
	ID      string `json:"id"`
	Patient string `json:"patient"` // the beneficiary's Patient id
	Status  string `json:"status"`
	// Start and End are period.start and period.end; an absent side is open.
	Start When `json:"start"`
	End   When `json:"end"`
	// Payors are the usable payor references, in input order.
	Payors []Payor `json:"payors"`
}

// Payor is one Coverage.payor: a literal reference, an identifier, or both.
type Payor struct {
	// Reference is "Type/id" (base URL and version dropped), "" when the
	// payor has no literal reference.
	Reference string `json:"reference,omitempty"`
	// IdentifierSystem and Identifier are Reference.identifier's system and
	// value; Identifier is "" when the payor has no identifier value.
	IdentifierSystem string `json:"identifierSystem,omitempty"`
	Identifier       string `json:"identifier,omitempty"`
}

// ResourceType implements Resource.
func (*Coverage) ResourceType() string { return "Coverage" }

// ResourceID implements Resource.
func (c *Coverage) ResourceID() string { return c.ID }

// Rules turns the Coverage into a rules.Coverage (R-PAY-2). The caller
// passes only the patient's Coverages, matching Patient.
func (c *Coverage) Rules() rules.Coverage {
	rc := rules.Coverage{
		Ref:    "Coverage/" + c.ID,
		Active: c.Status == "active",
		Start:  c.Start.Moment(),
		End:    c.End.Moment(),
	}
	for _, p := range c.Payors {
		if p.Reference != "" {
			rc.PayorRefs = append(rc.PayorRefs, p.Reference)
		}
		if p.Identifier != "" {
			rc.PayorIDs = append(rc.PayorIDs, rules.Identifier{System: p.IdentifierSystem, Value: p.Identifier})
		}
	}
	return rc
}

func coverageStatus(b []byte) bool {
	switch string(b) {
	case "active", "cancelled", "draft", "entered-in-error":
		return true
	}
	return false
}

// coverage decodes the Coverage at the current position. It reads status,
// beneficiary, period and payor; everything else is skipped unread.
//
// A bad period date skips the Coverage: read as absent, it would open the
// period and let the Coverage choose a profile on dates it does not cover.
func (d *decoder) coverage() Resource {
	const T = "Coverage"
	s := &d.s
	from := len(d.issues)
	c := &Coverage{Start: whenNone, End: whenNone, Payors: []Payor{}}
	idSeen, statusSeen, beneficiarySeen := false, false, false
	payors := 0 // elements of payor; -1 when payor is not an array
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			c.ID = d.id(T + ".id")
		case "status":
			statusSeen = true
			if v, ok := d.str(T+".status", SeverityError); ok {
				if !coverageStatus(v) {
					d.issue(T+".status", CodeUnknownStatus, SeverityError, "The status is not an R4 Coverage status code.")
				}
				c.Status = string(v)
			}
		case "beneficiary":
			beneficiarySeen = true
			c.Patient = d.patientRef(T+".beneficiary", SeverityError)
		case "period":
			c.Start, c.End = d.period(periodPaths{T + ".period", T + ".period.start", T + ".period.end"}, SeverityError)
		case "payor":
			if !d.array(T+".payor", SeverityWarning, func(int) {
				payors++
				if p, ok := d.payor(T + ".payor"); ok {
					c.Payors = append(c.Payors, p)
				}
			}) {
				payors = -1 // reported as the wrong type already
			}
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	if whenAfter(c.Start, c.End) {
		d.issue(T+".period", CodeInvalidPeriod, SeverityError, "The period ends before it starts, so it cannot say when the Coverage applies.")
	}
	if !statusSeen {
		d.issue(T+".status", CodeMissingStatus, SeverityError, "The Coverage has no status.")
	}
	if !beneficiarySeen {
		d.issue(T+".beneficiary", CodeMissingSubject, SeverityError, "The Coverage has no beneficiary, so it cannot be attributed to a patient.")
	}
	if payors == 0 {
		d.issue(T+".payor", CodeMissingPayor, SeverityWarning, "The Coverage has no payor, so it cannot choose a payer profile.")
	}
	if !d.finish(from, T, c.ID, idSeen) {
		return nil
	}
	return c
}

// payor reads one Coverage.payor Reference. Its literal reference (to an
// Organization, Patient or RelatedPerson, as R4 allows) and its identifier
// are both kept: a payer profile may name either (R-PAY-2). ok is false,
// with a warning at path, when the payor gives neither.
func (d *decoder) payor(path string) (p Payor, ok bool) {
	s := &d.s
	from := len(d.issues)
	var raw []byte
	hasRaw, rawBad := false, false
	isObj := d.object(path, SeverityWarning, func(k []byte) {
		switch string(k) {
		case "reference":
			hasRaw = true
			v, isStr := s.strValue()
			if s.err != "" {
				return
			}
			if !isStr {
				rawBad = true
				d.issue(path+".reference", CodeInvalidType, SeverityWarning, "The element is not a JSON string.")
				return
			}
			raw = v
		case "identifier":
			var system []byte
			d.object(path+".identifier", SeverityWarning, func(k []byte) {
				switch string(k) {
				case "system":
					system, _ = d.str(path+".identifier.system", SeverityWarning)
				case "value":
					p.Identifier = d.text(path + ".identifier.value")
				default:
					s.skip()
				}
			})
			if p.Identifier != "" {
				p.IdentifierSystem = string(system)
			}
		default:
			s.skip()
		}
	})
	if s.err != "" || !isObj {
		return Payor{}, false
	}
	if hasRaw && !rawBad {
		typ, id, kind := parseRef(raw)
		switch {
		case kind == refLiteral && (string(typ) == "Organization" || string(typ) == "Patient" || string(typ) == "RelatedPerson"):
			p.Reference = string(typ) + "/" + string(id)
		case kind == refLiteral:
			d.issue(path, CodeBadReference, SeverityWarning, "The payor reference names a resource type other than Organization, Patient or RelatedPerson.")
		case kind == refContained || kind == refURN:
			if p.Identifier == "" {
				d.issue(path, CodeUnresolvable, SeverityWarning, "The payor reference is not a literal reference to a resource on the server.")
			}
		default:
			d.issue(path, CodeBadReference, SeverityWarning, "The payor reference is not of the form Type/[id] or [base]/Type/[id].")
		}
	}
	if p.Reference == "" && p.Identifier == "" {
		if len(d.issues) == from {
			d.issue(path, CodeUnresolvable, SeverityWarning, "The payor has neither a literal reference nor an identifier value, so it cannot match a payer profile.")
		}
		return Payor{}, false
	}
	return p, true
}
