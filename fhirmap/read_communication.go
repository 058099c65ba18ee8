package fhirmap

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// ProgramOther is the program of a Communication tagged, in the product's
// program code system, with a code the adapter does not know. Its time is
// never RPM time: counting it could count a minute twice (R-CON-2).
const ProgramOther rules.Program = "other"

// Communication is a Communication reduced to what R-TIME-* and R-IC-* need.
// Resolve it into a rules.Interaction with Interaction.
type Communication struct {
	ID        string        `json:"id"`
	Patient   string        `json:"patient"`
	Status    string        `json:"status"`
	Completed bool          `json:"completed"` // status = completed (R-TIME-1)
	Sent      time.Time     `json:"sent"`      // zero when absent or without a time
	Medium    rules.Medium  `json:"medium"`
	Program   rules.Program `json:"program"`
	// Duration is the product's communication-duration extension (R-TIME-2);
	// HasDuration says it was present and usable.
	Duration    time.Duration `json:"duration"`
	HasDuration bool          `json:"hasDuration"`
	// Encounter is the id of the referenced Encounter, "" if none.
	Encounter string `json:"encounter,omitempty"`
}

// ResourceType implements Resource.
func (*Communication) ResourceType() string { return "Communication" }

// ResourceID implements Resource.
func (c *Communication) ResourceID() string { return c.ID }

// Ref is the evidence reference "Communication/<id>".
func (c *Communication) Ref() string { return "Communication/" + c.ID }

func communicationStatus(b []byte) bool {
	switch string(b) {
	case "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown":
		return true
	}
	return false
}

// mediumOf classes a v3-ParticipationMode code (R-IC-1 … R-IC-3).
func mediumOf(code []byte) rules.Medium {
	switch string(code) {
	case "PHONE", "VIDEOCONF":
		return rules.MediumRemote
	case "FACE":
		return rules.MediumInPerson
	case "WRITTEN", "EMAILWRIT", "ONLINEWRIT", "FAXWRIT", "MAILWRIT", "TYPEWRIT", "HANDWRIT", "DICTATE":
		return rules.MediumWritten
	}
	return rules.MediumOther
}

// mediumRank orders media when a Communication lists several: the most
// interactive one describes the exchange (a call with a written summary is a
// call).
func mediumRank(m rules.Medium) int {
	switch m {
	case rules.MediumRemote:
		return 4
	case rules.MediumInPerson:
		return 3
	case rules.MediumWritten:
		return 2
	case rules.MediumOther:
		return 1
	}
	return 0
}

// programOf maps a code of <canonical>/CodeSystem/program.
func programOf(code []byte) (rules.Program, bool) {
	switch string(code) {
	case ProgramRPMCode:
		return rules.ProgramRPM, true
	case "ccm":
		return rules.ProgramCCM, true
	case "pcm":
		return rules.ProgramPCM, true
	case "rtm":
		return rules.ProgramRTM, true
	case "bhi":
		return rules.ProgramBHI, true
	case "tcm":
		return rules.ProgramTCM, true
	}
	return ProgramOther, false
}

// communication decodes the Communication at the current position.
//
// Programs (R-TIME-1, R-CON-2) are read only from category codings in
// <canonical>/CodeSystem/program; category.text and codings of other systems
// are free text to the adapter and never name a program. When several
// programs are tagged, any program other than RPM wins, so time is never
// counted twice.
func (d *decoder) communication() Resource {
	const T = "Communication"
	s := &d.s
	from := len(d.issues)
	c := &Communication{}
	idSeen, statusSeen, subjectSeen, durSeen := false, false, false, false
	rpmTagged, otherTagged := false, 0
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			c.ID = d.id(T + ".id")
		case "status":
			statusSeen = true
			if v, ok := d.str(T+".status", SeverityError); ok {
				if !communicationStatus(v) {
					d.issue(T+".status", CodeUnknownStatus, SeverityError, "The status is not an R4 Communication status code.")
				}
				c.Status = string(v)
				c.Completed = c.Status == "completed"
			}
		case "subject":
			subjectSeen = true
			c.Patient = d.patientRef(T+".subject", SeverityError)
		case "sent":
			w := d.dateTime(T+".sent", SeverityWarning)
			switch w.Kind {
			case WhenInstant:
				c.Sent = w.At
			case WhenDate:
				d.issue(T+".sent", CodeImpreciseDate, SeverityWarning, "sent has no time of day, so it cannot start an interaction.")
			}
		case "medium":
			d.array(T+".medium", SeverityWarning, func(int) {
				// A medium given only as text is still a medium, but not one
				// the rules can class as interactive (R-IC-3).
				if c.Medium == rules.MediumNone {
					c.Medium = rules.MediumOther
				}
				d.codings(T+".medium", SeverityWarning, func(system, code []byte) {
					m := rules.MediumOther
					if string(system) == SystemParticipMode {
						m = mediumOf(code)
					}
					if mediumRank(m) > mediumRank(c.Medium) {
						c.Medium = m
					}
				})
			})
		case "category":
			d.concepts(T+".category", SeverityWarning, func(system, code []byte) {
				if string(system) != d.r.programSys {
					return
				}
				p, known := programOf(code)
				if !known {
					d.issue(T+".category", CodeUnknownProgram, SeverityWarning, "The program code is not one of rpm, ccm, pcm, rtm, bhi, tcm; the time is not counted as RPM time.")
				}
				if p == rules.ProgramRPM {
					rpmTagged = true
					return
				}
				if otherTagged == 0 {
					c.Program = p
				}
				otherTagged++
			})
		case "encounter":
			if ref := d.typedRef(T+".encounter", "Encounter", SeverityWarning); ref != "" {
				c.Encounter = ref[len("Encounter/"):]
			}
		case "extension":
			d.array(T+".extension", SeverityWarning, func(int) {
				url, at := d.extension(T+".extension", "valueDuration")
				if string(url) != d.r.durationExt || s.err != "" {
					return
				}
				if durSeen {
					d.issue(T+".extension", CodeInvalidDuration, SeverityWarning, "More than one duration extension; the first is used.")
					return
				}
				durSeen = true
				if at < 0 {
					d.issue(T+".extension", CodeInvalidDuration, SeverityWarning, "The duration extension has no valueDuration.")
					return
				}
				d.revisit(at, func() {
					c.Duration, c.HasDuration = d.duration(T+".extension.valueDuration", false)
				})
			})
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	if otherTagged > 1 || (otherTagged > 0 && rpmTagged) {
		d.issue(T+".category", CodeConflictingProgram, SeverityWarning, "The Communication is tagged with more than one program; it is not counted as RPM time.")
	}
	if !statusSeen {
		d.issue(T+".status", CodeMissingStatus, SeverityError, "The Communication has no status.")
	}
	if !subjectSeen {
		d.issue(T+".subject", CodeMissingSubject, SeverityError, "The Communication has no subject, so it cannot be attributed to a patient.")
	}
	if !d.finish(from, T, c.ID, idSeen) {
		return nil
	}
	return c
}
