package fhirmap

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// EpisodeOfCare is an EpisodeOfCare reduced to the RPM anchor (R-PER-2).
type EpisodeOfCare struct {
	ID      string `json:"id"`
	Patient string `json:"patient"`
	Status  string `json:"status"`
	// RPM says a type coding marks the episode as RPM:
	// <canonical>/CodeSystem/program#rpm or one of Options.RPMEpisodeCodings.
	RPM bool `json:"rpm"`
	// Start is period.start, a date or an instant.
	Start When `json:"start"`
}

// ResourceType implements Resource.
func (*EpisodeOfCare) ResourceType() string { return "EpisodeOfCare" }

// ResourceID implements Resource.
func (e *EpisodeOfCare) ResourceID() string { return e.ID }

// Anchoring says whether the episode can anchor periods (R-PER-2): an RPM
// episode that is active or finished.
func (e *EpisodeOfCare) Anchoring() bool {
	return e.RPM && (e.Status == "active" || e.Status == "finished")
}

// StartDate returns the local date the episode started, converting an
// instant into loc (R-DAY-4). ok is false without a start, or for an instant
// when loc is nil.
func (e *EpisodeOfCare) StartDate(loc *time.Location) (rules.Date, bool) {
	return e.Start.LocalDate(loc)
}

func episodeStatus(b []byte) bool {
	switch string(b) {
	case "planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error":
		return true
	}
	return false
}

// episodeOfCare decodes the EpisodeOfCare at the current position.
func (d *decoder) episodeOfCare() Resource {
	const T = "EpisodeOfCare"
	s := &d.s
	from := len(d.issues)
	e := &EpisodeOfCare{Start: whenNone}
	idSeen, statusSeen, patientSeen := false, false, false
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			e.ID = d.id(T + ".id")
		case "status":
			statusSeen = true
			if v, ok := d.str(T+".status", SeverityError); ok {
				if !episodeStatus(v) {
					d.issue(T+".status", CodeUnknownStatus, SeverityError, "The status is not an R4 EpisodeOfCare status code.")
				}
				e.Status = string(v)
			}
		case "patient":
			patientSeen = true
			e.Patient = d.patientRef(T+".patient", SeverityError)
		case "type":
			d.concepts(T+".type", SeverityWarning, func(system, code []byte) {
				for _, c := range d.r.rpmCodings {
					if string(system) == c.System && string(code) == c.Code {
						e.RPM = true
					}
				}
			})
		case "period":
			e.Start, _ = d.period(periodPaths{T + ".period", T + ".period.start", T + ".period.end"}, SeverityWarning)
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	if !statusSeen {
		d.issue(T+".status", CodeMissingStatus, SeverityError, "The EpisodeOfCare has no status.")
	}
	if !patientSeen {
		d.issue(T+".patient", CodeMissingSubject, SeverityError, "The EpisodeOfCare has no patient.")
	}
	if e.RPM && e.Start.Kind == WhenNone && !d.skipped(from) {
		d.issue(T+".period.start", CodeMissingPeriodStart, SeverityWarning, "The RPM episode has no usable period start, so it cannot anchor periods.")
	}
	if !d.finish(from, T, e.ID, idSeen) {
		return nil
	}
	return e
}
