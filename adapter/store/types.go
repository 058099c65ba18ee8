package store

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// State is a code line's state (fhir-mapping.md §7); migration 0007 adds
// approved and exported to code_line_states.
type State string

// Code line states.
const (
	// StatePlanned: the window is open; nothing in it is billable (R-PER-5).
	StatePlanned State = "planned"
	// StateBillable: the window is closed and the line met.
	StateBillable State = "billable"
	// StateWithdrawn: a later evaluation no longer supports the line. Lines
	// are never deleted.
	StateWithdrawn State = "withdrawn"
	// StateApproved: a provider signed the billable line off (worklist).
	StateApproved State = "approved"
	// StateExported: a billing batch carried the line.
	StateExported State = "exported"
)

// PatientInfo is the only patient data the store keeps beyond ids, dates
// and counts, for the worklist; dropped when Options.NoNames is set.
type PatientInfo struct {
	DisplayName string
	MRN         string
}

// Record is what a recording carries besides the rules result.
type Record struct {
	Patient PatientInfo
	// ProfileID names the payer profile the evaluation applied ("" none).
	ProfileID string
	// Activities are the patient's interactions as read; each is kept with
	// the month its local start date falls in.
	Activities []rules.Interaction
	// Written are the resources a write-back sink accepted.
	Written []Written
	// NotEvaluated says why the patient has no result (a sentence without
	// patient data); set when the result is nil.
	NotEvaluated string
}

// Written is a resource written back for one window.
type Written struct {
	WindowKind       rules.WindowKind
	WindowStart      rules.Date
	ResourceType     string
	ResourceID       string
	IdentifierSystem string
	IdentifierValue  string
	WrittenAt        time.Time
}

// Patient is a patient's header: the latest recording's time zone, as-of
// date, anchor and findings that belong to no window.
type Patient struct {
	Tenant, PatientID string
	PatientInfo
	Zone         string
	AsOf         rules.Date // rules.NoDate when not evaluated
	Anchor       rules.Date // rules.NoDate when there is no anchor
	AnchorSource string
	NotEvaluated string
	Findings     []rules.Finding
	EvaluatedAt  time.Time
}

// Evaluation is the latest evaluation of one patient's window.
type Evaluation struct {
	Tenant, PatientID string
	Window            rules.Window
	RuleSet           rules.RuleSetID
	ProfileID         string
	Policy            rules.Policy
	Provisional       bool
	// Days counts dates with data: a period's days (R-DAY-*), a month's
	// data days (R-TM-5).
	Days            int
	Seconds         int64
	Minutes         int
	UnbilledMinutes int
	Interactive     bool
	// Progress is set for an open window (R-PER-5).
	Progress    *rules.Progress
	EvaluatedAt time.Time

	// The details. Lines are filled by Evaluation and Evaluations, not by
	// ListEvaluations.
	DayCounts  []DayCount
	Activities []Activity
	Findings   []rules.Finding
	Lines      []CodeLine
}

// DayCount is a local date with data and the readings that made it.
type DayCount struct {
	Date     rules.Date
	Readings int
}

// Activity is an interaction that started in a month.
type Activity struct {
	Ref      string
	Start    time.Time
	Duration time.Duration
	// Medium is "none", "remote", "in-person", "written" or "other".
	Medium string
	// Interactive: the rules cited it as the month's interactive
	// communication (R-IC-1..4). Counted: it is part of the month's minutes
	// or interactive evidence; the findings say why one is not.
	Interactive bool
	Counted     bool
}

// CodeLine is one code line with the identifiers of its ChargeItem.
type CodeLine struct {
	// LineID is the ChargeItem's identifier value, ResourceID its id.
	LineID, ResourceID string
	Tenant, PatientID  string
	WindowKind         rules.WindowKind
	WindowStart        rules.Date
	WindowEnd          rules.Date
	RuleSet            rules.RuleSetID
	Code               string
	Units              int
	DOS                rules.Date
	State              State
	CreatedAt          time.Time
	UpdatedAt          time.Time
	WithdrawnAt        time.Time // zero unless withdrawn
}

var mediumNames = map[rules.Medium]string{
	rules.MediumNone:     "none",
	rules.MediumRemote:   "remote",
	rules.MediumInPerson: "in-person",
	rules.MediumWritten:  "written",
	rules.MediumOther:    "other",
}

func kindName(k rules.WindowKind) string { return k.String() }

func kindOf(s string) rules.WindowKind {
	switch s {
	case "period":
		return rules.Period30
	case "month":
		return rules.CalendarMonth
	}
	return 0
}
