package fhirmap

import (
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// ChargeItem is a ChargeItem reduced to what the conflict rules (R-PER-4,
// R-CON-1) and the write-back of the adapter's own items need.
type ChargeItem struct {
	ID        string `json:"id"`
	VersionID string `json:"versionId,omitempty"` // meta.versionId, for If-Match
	Patient   string `json:"patient"`
	Status    string `json:"status"`
	Code      string `json:"code"` // the CPT code
	// Start and End are the occurrence: occurrenceDateTime gives both,
	// occurrencePeriod its start and end (an open end is the start).
	Start When `json:"start"`
	End   When `json:"end"`
	// Organization is the billing organization, "Organization/<id>", "" if
	// unknown. It is performingOrganization ("the organization providing the
	// charged service", which is who bills under one-practitioner-per-period,
	// R-PER-4), else costCenter (the organization owning the revenue).
	// requestingOrganization is the referrer, never the biller, and is not
	// read.
	Organization string `json:"organization,omitempty"`
	// Own says meta.tag carries <canonical>/CodeSystem/rpm-adapter#generated:
	// the adapter wrote it.
	Own bool `json:"own"`
	// Identifier is the value of the first identifier whose system is under
	// <canonical>/identifier/, "" if none; IdentifierSystem is its system.
	IdentifierSystem string `json:"identifierSystem,omitempty"`
	Identifier       string `json:"identifier,omitempty"`
}

// ResourceType implements Resource.
func (*ChargeItem) ResourceType() string { return "ChargeItem" }

// ResourceID implements Resource.
func (c *ChargeItem) ResourceID() string { return c.ID }

// Charge turns the item into a rules.Charge, converting instants into the
// patient's zone loc (R-DAY-4). ok is false for an entered-in-error item (the
// rules never see those) and when an instant needs a zone and loc is nil.
// Own is as decoded; whether the item was written for the same organization
// is for the rules to compare (rules.Charge.Organization).
func (c *ChargeItem) Charge(loc *time.Location) (ch rules.Charge, ok bool) {
	if c.Status == "entered-in-error" {
		return rules.Charge{}, false
	}
	start, ok1 := c.Start.LocalDate(loc)
	end, ok2 := c.End.LocalDate(loc)
	if !ok1 || !ok2 {
		return rules.Charge{}, false
	}
	if end < start {
		end = start
	}
	return rules.Charge{
		Ref:          "ChargeItem/" + c.ID,
		Code:         c.Code,
		Start:        start,
		End:          end,
		Organization: c.Organization,
		Own:          c.Own,
	}, true
}

func chargeItemStatus(b []byte) bool {
	switch string(b) {
	case "planned", "billable", "not-billable", "aborted", "billed", "entered-in-error", "unknown":
		return true
	}
	return false
}

// chargeItem decodes the ChargeItem at the current position. An item without
// a CPT coding is not about codes the rules know and is skipped with an
// information issue.
func (d *decoder) chargeItem() Resource {
	const T = "ChargeItem"
	s := &d.s
	from := len(d.issues)
	c := &ChargeItem{Start: whenNone, End: whenNone}
	idSeen, statusSeen, subjectSeen := false, false, false
	occurrence := 0
	var performing, costCenter string
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			c.ID = d.id(T + ".id")
		case "meta":
			m := d.meta(metaPaths{T + ".meta", T + ".meta.versionId", T + ".meta.security", T + ".meta.tag"})
			c.VersionID, c.Own = string(m.versionID), m.generated
		case "identifier":
			d.array(T+".identifier", SeverityWarning, func(int) {
				var system []byte
				value := ""
				d.object(T+".identifier", SeverityWarning, func(k []byte) {
					switch string(k) {
					case "system":
						system, _ = d.str(T+".identifier.system", SeverityWarning)
					case "value":
						value = d.text(T + ".identifier.value")
					default:
						s.skip()
					}
				})
				if c.Identifier == "" && value != "" && strings.HasPrefix(string(system), d.r.identifier) {
					c.IdentifierSystem, c.Identifier = string(system), value
				}
			})
		case "status":
			statusSeen = true
			if v, ok := d.str(T+".status", SeverityError); ok {
				if !chargeItemStatus(v) {
					d.issue(T+".status", CodeUnknownStatus, SeverityError, "The status is not an R4 ChargeItem status code.")
				}
				c.Status = string(v)
			}
		case "code":
			d.codings(T+".code", SeverityWarning, func(system, code []byte) {
				if c.Code == "" && string(system) == SystemCPT && len(code) > 0 {
					c.Code = string(code)
				}
			})
		case "subject":
			subjectSeen = true
			c.Patient = d.patientRef(T+".subject", SeverityError)
		case "occurrenceDateTime":
			occurrence++
			w := d.dateTime(T+".occurrence", SeverityError)
			c.Start, c.End = w, w
		case "occurrencePeriod":
			occurrence++
			c.Start, c.End = d.period(periodPaths{T + ".occurrence", T + ".occurrence.start", T + ".occurrence.end"}, SeverityError)
			switch {
			case c.Start.Kind == WhenNone && c.End.Kind == WhenNone:
			case c.End.Kind == WhenNone:
				d.issue(T+".occurrence.end", CodeOpenPeriod, SeverityWarning, "The occurrence period has no end; its start date is used as the end.")
				c.End = c.Start
			case c.Start.Kind == WhenNone:
				d.issue(T+".occurrence.start", CodeOpenPeriod, SeverityWarning, "The occurrence period has no start; its end date is used as the start.")
				c.Start = c.End
			}
		case "occurrenceTiming":
			occurrence++
			s.skip()
			d.issue(T+".occurrence", CodeUnsupportedOccur, SeverityError, "occurrenceTiming cannot be turned into dates; it is not supported.")
		case "performingOrganization":
			performing = d.typedRef(T+".performingOrganization", "Organization", SeverityWarning)
		case "costCenter":
			costCenter = d.typedRef(T+".costCenter", "Organization", SeverityWarning)
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	c.Organization = performing
	if c.Organization == "" {
		c.Organization = costCenter
	}
	switch {
	case occurrence == 0:
		d.issue(T+".occurrence", CodeMissingOccurrence, SeverityError, "The ChargeItem has no occurrence, so it cannot be compared with a window.")
	case occurrence > 1:
		d.issue(T+".occurrence", CodeInvalidChoice, SeverityError, "The ChargeItem has more than one occurrence[x].")
	case c.Start.Kind == WhenNone && !d.skipped(from):
		d.issue(T+".occurrence", CodeMissingOccurrence, SeverityError, "The occurrence has no usable date.")
	}
	if !statusSeen {
		d.issue(T+".status", CodeMissingStatus, SeverityError, "The ChargeItem has no status.")
	}
	if !subjectSeen {
		d.issue(T+".subject", CodeMissingSubject, SeverityError, "The ChargeItem has no subject, so it cannot be attributed to a patient.")
	}
	if c.Code == "" && !d.skipped(from) {
		d.issue(T+".code", CodeNoCPTCode, SeverityInformation, "The ChargeItem has no CPT coding; the rules do not use it.")
		d.finish(from, T, c.ID, idSeen)
		return nil
	}
	if !d.finish(from, T, c.ID, idSeen) {
		return nil
	}
	return c
}
