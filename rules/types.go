package rules

import "time"

// ReadingStatus is the FHIR Observation.status reduced to what R-DAY-1 needs.
type ReadingStatus uint8

// Reading statuses. Only Final, Amended and Corrected qualify; Preliminary
// qualifies when Policy.CountPreliminary is on (R-DAY-1).
const (
	StatusOther ReadingStatus = iota // registered, cancelled, unknown …
	StatusFinal
	StatusAmended
	StatusCorrected
	StatusPreliminary
	StatusEnteredInError
)

// Reading is one device observation as the rules see it (R-DAY-1).
type Reading struct {
	// Ref is the evidence reference, e.g. "Observation/123" (R-DAY-6). Readings
	// with the same Ref are one measurement re-sent (R-DAY-5).
	Ref string
	// At is the reading's instant. Zero when only a local date is known.
	At time.Time
	// Date is the local date when the source gives a date without a time
	// (R-DAY-4: already local, used as is). NoDate when At is set.
	Date Date
	// Device is a key of the device that sent the reading ("" if unknown);
	// used for evidence only, devices are pooled (R-DAY-3).
	Device string
	// FromDevice says the reading was transmitted by a device: it references a
	// Device or carries the PHD category (R-DAY-1).
	FromDevice bool
	Status     ReadingStatus
	// HasValue is false when the reading has only a dataAbsentReason.
	HasValue bool
	// Test marks test data (meta.security HTEST).
	Test bool
}

// Medium is the class of a Communication's medium (R-IC-*).
type Medium uint8

// Medium classes.
const (
	MediumNone     Medium = iota // no medium given: not interactive (R-IC-3)
	MediumRemote                 // PHONE, VIDEOCONF: interactive (R-IC-1)
	MediumInPerson               // FACE: interactive unless policy says no (R-IC-2)
	MediumWritten                // written, asynchronous or dictated: never interactive (R-IC-3)
	MediumOther                  // any other code: not interactive
)

// Program names the care program an activity was recorded for (R-TIME-1,
// R-CON-2). The zero value is RPM.
type Program string

// Programs other than RPM whose time never counts for RPM.
const (
	ProgramRPM Program = ""
	ProgramCCM Program = "ccm"
	ProgramPCM Program = "pcm"
	ProgramRTM Program = "rtm"
	ProgramBHI Program = "bhi"
	ProgramTCM Program = "tcm"
)

// Interaction is one piece of treatment-management work (R-TIME-1).
type Interaction struct {
	// Ref is the evidence reference, e.g. "Communication/9".
	Ref string
	// Start is when the activity began. Required; an interaction without a
	// start cannot be placed in a month and is reported.
	Start time.Time
	// Duration of the activity (R-TIME-2). Zero means unknown: the
	// interaction counts zero minutes and yields a data-quality finding.
	Duration  time.Duration
	Medium    Medium
	Program   Program
	Completed bool // Communication.status = completed
}

// End is Start + Duration.
func (i Interaction) End() time.Time { return i.Start.Add(i.Duration) }

// Charge is an existing code line on the server (a ChargeItem), used for the
// conflicts R-PER-4 and R-CON-1. Entered-in-error items are not passed in.
type Charge struct {
	Ref  string
	Code string
	// Start and End are the local dates of its occurrence period (inclusive).
	Start, End Date
	// Organization is the billing organization reference, "" if unknown.
	Organization string
	// Own is true for items this adapter wrote for the same organization; they
	// are the adapter's own earlier write-back and never a conflict.
	Own bool
}

// WindowKind says whether a window is a 30-day period or a calendar month.
type WindowKind uint8

// Window kinds (R-PER-1).
const (
	Period30 WindowKind = iota + 1
	CalendarMonth
)

func (k WindowKind) String() string {
	switch k {
	case Period30:
		return "period"
	case CalendarMonth:
		return "month"
	}
	return "unknown"
}

// Window is a run of local dates, Start and End inclusive.
type Window struct {
	Kind       WindowKind
	Start, End Date
	// Index is k of period k counted from the anchor (R-PER-2); 0 for months.
	Index int
}

// Contains says whether d falls in the window.
func (w Window) Contains(d Date) bool { return d >= w.Start && d <= w.End }

// Len is the number of dates in the window.
func (w Window) Len() int { return int(w.End-w.Start) + 1 }

// Overlaps says whether two date ranges share a date.
func (w Window) Overlaps(start, end Date) bool { return start <= w.End && end >= w.Start }

// CodeLine is one CPT code the window supports.
type CodeLine struct {
	Code  string
	Units int
	// DOS is the date of service (R-DOS-1).
	DOS Date
	// Provisional lines come from an open window and are never billable
	// (R-PER-5).
	Provisional bool
}

// Finding is a result note: a stable machine code and a plain sentence with
// counts and dates only, never patient data.
type Finding struct {
	Code    string
	Message string
	// Rule is the rule-book ID behind the finding.
	Rule string
	// Ref names the input concerned, when there is one.
	Ref string
}

// DayEvidence lists the readings that made one day (R-DAY-6).
type DayEvidence struct {
	Date Date
	Refs []string
}

// MinuteEvidence is one merged interval of a month with the interactions
// that formed it (R-TIME-4).
type MinuteEvidence struct {
	Start, End time.Time
	Refs       []string
}

// Progress describes an open window (R-PER-5).
type Progress struct {
	Have, Need int // days or minutes met and the threshold aimed at
	Missing    int // Need - Have, at least 0
	// DaysLeft counts the dates after the as-of date up to the window's end.
	DaysLeft int
	// Reachable says whether the threshold can still be met.
	Reachable bool
	// NeedsInteractive is true when a month has no interactive communication yet.
	NeedsInteractive bool
}
