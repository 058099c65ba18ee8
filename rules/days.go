package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// datedRef is a qualifying reading placed on its local date.
type datedRef struct {
	date Date
	ref  string
}

// skipReason is why a reading does not count (R-DAY-1).
type skipReason uint8

const (
	qualifies skipReason = iota
	skipEnteredInError
	skipStatus
	skipNoDevice
	skipNoValue
	skipTestData
	skipNoDate
)

var skipText = [...]struct{ code, why string }{
	skipEnteredInError: {"reading-entered-in-error", "entered in error"},
	skipStatus:         {"reading-status", "not final, amended or corrected"},
	skipNoDevice:       {"reading-not-from-device", "not transmitted by a device (self-reported or manual)"},
	skipNoValue:        {"reading-no-value", "no value, only a data-absent reason"},
	skipTestData:       {"reading-test-data", "marked as test data"},
	skipNoDate:         {"reading-no-date", "no instant or local date"},
}

// qualify applies R-DAY-1 to one reading.
func qualify(r Reading, p Policy) skipReason {
	switch r.Status {
	case StatusFinal, StatusAmended, StatusCorrected:
	case StatusPreliminary:
		if !p.CountPreliminary {
			return skipStatus
		}
	case StatusEnteredInError:
		return skipEnteredInError
	default:
		return skipStatus
	}
	switch {
	case r.Test:
		return skipTestData
	case !r.FromDevice:
		return skipNoDevice
	case !r.HasValue:
		return skipNoValue
	case r.At.IsZero() && r.Date == NoDate:
		return skipNoDate
	}
	return qualifies
}

// skippedReading remembers a reading that did not count, for window findings.
type skippedReading struct {
	date   Date
	reason skipReason
}

// placeReadings turns readings into qualifying (date, ref) pairs sorted by
// date then ref, and the skipped ones by date. A reading re-sent under the
// same ref counts once, on its earliest qualifying date, so the result does
// not depend on input order (R-DAY-5, R-DAY-4 "never on two dates").
func placeReadings(req Request) (days []datedRef, skipped []skippedReading) {
	days = make([]datedRef, 0, len(req.Readings))
	// Ambiguity resolved for audit safety (R-DAY-1, R-DAY-5): a Ref is one
	// measurement, so once any copy of it is entered-in-error the measurement
	// was withdrawn and no other copy of it counts, whatever the input order.
	var withdrawn map[string]bool
	for _, r := range req.Readings {
		if r.Status == StatusEnteredInError && r.Ref != "" {
			if withdrawn == nil {
				withdrawn = make(map[string]bool)
			}
			withdrawn[r.Ref] = true
		}
	}
	for _, r := range req.Readings {
		d := r.Date
		if !r.At.IsZero() {
			d = LocalDate(r.At, req.Location) // R-DAY-4
		}
		if d == NoDate {
			skipped = append(skipped, skippedReading{date: NoDate, reason: skipNoDate})
			continue
		}
		if d > req.AsOf {
			continue // not yet happened as of the run date
		}
		why := qualify(r, req.Policy)
		if why == qualifies && withdrawn[r.Ref] {
			continue // its entered-in-error copy carries the finding
		}
		if why != qualifies {
			skipped = append(skipped, skippedReading{date: d, reason: why})
			continue
		}
		days = append(days, datedRef{date: d, ref: r.Ref})
	}
	// Sort by ref then date to keep each ref's earliest date, then by date.
	slices.SortFunc(days, func(a, b datedRef) int {
		return cmp.Or(strings.Compare(a.ref, b.ref), cmp.Compare(a.date, b.date))
	})
	days = slices.CompactFunc(days, func(a, b datedRef) bool { return a.ref != "" && a.ref == b.ref })
	slices.SortFunc(days, func(a, b datedRef) int {
		return cmp.Or(cmp.Compare(a.date, b.date), strings.Compare(a.ref, b.ref))
	})
	return days, skipped
}

// dayEvidence groups the qualifying readings of a window into days
// (R-DAY-2, R-DAY-3: all devices pooled, one day per distinct date).
func dayEvidence(days []datedRef, w Window) []DayEvidence {
	lo, _ := slices.BinarySearchFunc(days, w.Start, func(x datedRef, d Date) int { return cmp.Compare(x.date, d) })
	var out []DayEvidence
	for _, x := range days[lo:] {
		if x.date > w.End {
			break
		}
		if n := len(out); n > 0 && out[n-1].Date == x.date {
			if x.ref != "" {
				out[n-1].Refs = append(out[n-1].Refs, x.ref)
			}
			continue
		}
		de := DayEvidence{Date: x.date}
		if x.ref != "" {
			de.Refs = []string{x.ref}
		}
		out = append(out, de)
	}
	return out
}

// skippedFindings summarises, per reason, readings in w that did not count.
func skippedFindings(skipped []skippedReading, w Window) []Finding {
	var counts [len(skipText)]int
	for _, s := range skipped {
		if w.Contains(s.date) {
			counts[s.reason]++
		}
	}
	var out []Finding
	for reason, n := range counts {
		if n == 0 {
			continue
		}
		t := skipText[reason]
		out = append(out, Finding{Code: t.code, Rule: "R-DAY-1",
			Message: fmt.Sprintf("%s not counted: %s.", plural(n, "reading"), t.why)})
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Qualifies says whether a reading can make a day under the policy
// (R-DAY-1), for callers that must look for the first qualifying reading.
func Qualifies(r Reading, p Policy) bool { return qualify(r, p) == qualifies }
