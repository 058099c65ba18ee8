package fhirmap

import "github.com/rpm-adapter/rpm-adapter/rules"

// Interaction resolves a Communication and the Encounter it references (nil
// when it references none, or the Encounter could not be read) into a
// rules.Interaction, applying R-TIME-2:
//
//   - duration: the communication-duration extension, else Encounter.length,
//     else the Encounter's period end − start; sent and received are never a
//     duration. No duration → Duration 0 and a no-duration warning (the
//     rules count zero minutes and report it);
//   - start: the Encounter's period start when present, else sent. No start
//     → a missing-start error (the rules cannot place it in a month).
//
// An Encounter that is not the one referenced, is about another patient, or
// is cancelled or entered-in-error is not used (reported).
func Interaction(c *Communication, enc *Encounter) (rules.Interaction, []Issue) {
	const T = "Communication"
	var issues []Issue
	add := func(path, code string, sev Severity, msg string) {
		issues = append(issues, Issue{ResourceType: T, ID: c.ID, Path: path, Code: code, Severity: sev, Message: msg})
	}
	in := rules.Interaction{
		Ref:       c.Ref(),
		Medium:    c.Medium,
		Program:   c.Program,
		Completed: c.Completed,
	}
	if enc != nil {
		switch {
		case c.Encounter == "" || enc.ID != c.Encounter:
			add(T+".encounter", CodeEncounterMismatch, SeverityWarning, "The Encounter given is not the one the Communication references; it is not used.")
			enc = nil
		case enc.Patient != "" && enc.Patient != c.Patient:
			add(T+".encounter", CodeEncounterMismatch, SeverityWarning, "The referenced Encounter is about another patient; it is not used.")
			enc = nil
		case enc.Status == "cancelled" || enc.Status == "entered-in-error":
			add(T+".encounter", CodeEncounterUnusable, SeverityWarning, "The referenced Encounter is cancelled or entered in error; it is not used.")
			enc = nil
		}
	}

	switch {
	case c.HasDuration:
		in.Duration = c.Duration
	case enc != nil && enc.HasLength:
		in.Duration = enc.Length
	case enc != nil && !enc.Start.IsZero() && !enc.End.IsZero():
		in.Duration = enc.End.Sub(enc.Start)
	default:
		msg := "The Communication has no duration extension and no usable Encounter length or period; it counts zero minutes."
		if c.Encounter != "" && enc == nil {
			add(T+".encounter", CodeEncounterNotFound, SeverityWarning, "The referenced Encounter was not available.")
		}
		add(T+".extension", CodeNoDuration, SeverityWarning, msg)
	}

	switch {
	case enc != nil && !enc.Start.IsZero():
		in.Start = enc.Start
	case !c.Sent.IsZero():
		in.Start = c.Sent
	default:
		add(T+".sent", CodeMissingStart, SeverityError, "Neither the Encounter period nor sent gives a start, so the activity cannot be placed in a month.")
	}
	return in, issues
}
