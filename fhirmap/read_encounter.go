package fhirmap

import "time"

// Encounter is an Encounter reduced to what R-TIME-2 needs: the length and
// period of the activity a Communication references.
type Encounter struct {
	ID      string `json:"id"`
	Patient string `json:"patient,omitempty"` // "" when subject is absent
	Status  string `json:"status"`
	// Start and End are the period's instants; zero when absent or given
	// without a time of day.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Length is Encounter.length; HasLength says it was present and usable.
	Length    time.Duration `json:"length"`
	HasLength bool          `json:"hasLength"`
}

// ResourceType implements Resource.
func (*Encounter) ResourceType() string { return "Encounter" }

// ResourceID implements Resource.
func (e *Encounter) ResourceID() string { return e.ID }

func encounterStatus(b []byte) bool {
	switch string(b) {
	case "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown":
		return true
	}
	return false
}

// encounter decodes the Encounter at the current position.
func (d *decoder) encounter() Resource {
	const T = "Encounter"
	s := &d.s
	from := len(d.issues)
	e := &Encounter{}
	idSeen, statusSeen := false, false
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			e.ID = d.id(T + ".id")
		case "status":
			statusSeen = true
			if v, ok := d.str(T+".status", SeverityError); ok {
				if !encounterStatus(v) {
					d.issue(T+".status", CodeUnknownStatus, SeverityError, "The status is not an R4 Encounter status code.")
				}
				e.Status = string(v)
			}
		case "subject":
			// Encounter.subject is optional in R4; a bad one only loses the
			// cross-check against the Communication's patient.
			e.Patient = d.patientRef(T+".subject", SeverityWarning)
		case "period":
			start, end := d.period(periodPaths{T + ".period", T + ".period.start", T + ".period.end"}, SeverityWarning)
			if start.Kind == WhenDate || end.Kind == WhenDate {
				d.issue(T+".period", CodeImpreciseDate, SeverityWarning, "The period has no time of day, so it gives no start or length.")
			}
			if start.Kind == WhenInstant {
				e.Start = start.At
			}
			if end.Kind == WhenInstant {
				e.End = end.At
			}
		case "length":
			e.Length, e.HasLength = d.duration(T+".length", true)
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	if !e.Start.IsZero() && !e.End.IsZero() && e.End.Before(e.Start) {
		d.issue(T+".period", CodeInvalidPeriod, SeverityWarning, "The period ends before it starts; it is not used.")
		e.Start, e.End = time.Time{}, time.Time{}
	}
	if !statusSeen {
		d.issue(T+".status", CodeMissingStatus, SeverityError, "The Encounter has no status.")
	}
	if !d.finish(from, T, e.ID, idSeen) {
		return nil
	}
	return e
}
