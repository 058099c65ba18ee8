package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// activity is an RPM interaction that counts (R-TIME-1), as an interval.
type activity struct {
	ref         string
	start, end  time.Time
	interactive bool
	noDuration  bool
}

// interactive applies R-IC-1..3 to a medium class.
func interactive(m Medium, p Policy) bool {
	switch m {
	case MediumRemote:
		return true // R-IC-1
	case MediumInPerson:
		return p.InPersonInteractive // R-IC-2
	}
	return false // R-IC-3: written, dictated, none, other
}

// placeInteractions keeps completed RPM interactions that started on or
// before the run date, and notes the others by reason.
func placeInteractions(req Request) (acts []activity, skipped []skippedAct, noStart []Finding) {
	for _, in := range req.Interactions {
		if in.Start.IsZero() {
			noStart = append(noStart, Finding{Code: "interaction-no-start", Rule: "R-TIME-3", Ref: in.Ref,
				Message: "An interaction without a start time cannot be placed in a month; it counts no minutes."})
			continue
		}
		day := LocalDate(in.Start, req.Location)
		switch {
		case day > req.AsOf:
			continue
		case !in.Completed:
			skipped = append(skipped, skippedAct{day, Finding{Code: "interaction-not-completed", Rule: "R-TIME-1", Ref: in.Ref,
				Message: "An interaction that is not completed counts no minutes."}})
			continue
		case in.Program != ProgramRPM:
			skipped = append(skipped, skippedAct{day, Finding{Code: "other-program", Rule: "R-CON-2", Ref: in.Ref,
				Message: fmt.Sprintf("Time recorded for the %s program does not count as RPM time.", strings.ToUpper(string(in.Program)))}})
			continue
		}
		d := max(in.Duration, 0)
		acts = append(acts, activity{
			ref: in.Ref, start: in.Start, end: in.Start.Add(d),
			interactive: interactive(in.Medium, req.Policy),
			noDuration:  d == 0,
		})
	}
	slices.SortFunc(acts, func(a, b activity) int {
		return cmp.Or(a.start.Compare(b.start), a.end.Compare(b.end), strings.Compare(a.ref, b.ref))
	})
	slices.SortFunc(skipped, func(a, b skippedAct) int {
		// The message breaks ties (one record tagged to two programs), so the
		// findings never depend on input order.
		return cmp.Or(cmp.Compare(a.date, b.date), strings.Compare(a.f.Ref, b.f.Ref), strings.Compare(a.f.Code, b.f.Code),
			strings.Compare(a.f.Message, b.f.Message))
	})
	// The result must not depend on the order the server returned the
	// interactions in, so an audit re-run gives the same findings.
	slices.SortFunc(noStart, func(a, b Finding) int { return strings.Compare(a.Ref, b.Ref) })
	return acts, skipped, noStart
}

// skippedAct is an interaction that adds no RPM minutes, on its local start date.
type skippedAct struct {
	date Date
	f    Finding
}

// monthMinutes merges overlapping intervals (R-TIME-4), clips them to the
// month's local bounds so a call across a month-end midnight is split there
// (R-TIME-3), and sums whole seconds (R-TIME-5 floors later).
func monthMinutes(acts []activity, w Window, loc *time.Location) ([]MinuteEvidence, int64) {
	lo, hi := w.Start.Start(loc), w.End.AddDays(1).Start(loc)
	var merged []MinuteEvidence
	for _, a := range acts {
		s, e := maxTime(a.start, lo), minTime(a.end, hi)
		if !e.After(s) {
			continue
		}
		if n := len(merged); n > 0 && !s.After(merged[n-1].End) {
			last := &merged[n-1]
			last.End = maxTime(last.End, e)
			last.Refs = appendUnique(last.Refs, a.ref)
			continue
		}
		merged = append(merged, MinuteEvidence{Start: s, End: e, Refs: appendUnique(nil, a.ref)})
	}
	var total time.Duration
	for _, m := range merged {
		total += m.End.Sub(m.Start)
	}
	return merged, int64(total / time.Second)
}

// interactiveRefs lists interactive communications that started in the
// month (R-IC-4: one supports every unit of the month).
func interactiveRefs(acts []activity, w Window, req Request) []string {
	var refs []string
	for _, a := range acts {
		if a.interactive && w.Contains(LocalDate(a.start, req.Location)) {
			refs = appendUnique(refs, a.ref)
		}
	}
	slices.Sort(refs)
	return refs
}

// actFindings reports interactions of the month that add no minutes.
func actFindings(skipped []skippedAct, acts []activity, w Window, loc *time.Location) []Finding {
	var out []Finding
	for _, a := range acts {
		if a.noDuration && w.Contains(LocalDate(a.start, loc)) {
			out = append(out, Finding{Code: "interaction-no-duration", Rule: "R-TIME-2", Ref: a.ref,
				Message: "An interaction has no duration; it counts zero minutes."})
		}
	}
	for _, s := range skipped {
		if w.Contains(s.date) {
			out = append(out, s.f)
		}
	}
	return out
}

func appendUnique(refs []string, ref string) []string {
	if ref == "" || slices.Contains(refs, ref) {
		return refs
	}
	return append(refs, ref)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
