package rules

// Result is the evaluation of one patient for a scope. "Not eligible" is a
// result with findings, never an error.
type Result struct {
	// Zone is the IANA name of the zone every local date was computed in.
	Zone   string
	Policy Policy
	AsOf   Date
	// Anchor is the first date of the episode's period 0 (R-PER-2) and
	// AnchorSource says where it came from: "enrollment", "episode",
	// "first-reading", or "" when there is no anchor (no qualifying reading).
	Anchor       Date
	AnchorSource string
	Periods      []PeriodResult
	Months       []MonthResult
	// Findings about the patient's inputs that belong to no single window.
	Findings []Finding
}

// PeriodResult is a 30-day period's device-code evaluation (R-PER-*, R-DAY-*).
type PeriodResult struct {
	Window      Window
	RuleSet     RuleSetID
	Provisional bool
	// Profile is the payer profile that judged the period and its policy
	// values (R-PAY-1); DOS the date of service its lines carry (R-DOS-1,
	// moved by the profile's device_dos).
	Profile ProfileChoice
	DOS     Date
	// Consent is ConsentNotChecked, ConsentOnFile or ConsentMissing (R-ELIG-1).
	Consent  string
	Days     int
	Evidence []DayEvidence
	// Progress is set for an open (provisional) window (R-PER-5).
	Progress *Progress
	Lines    []CodeLine
	Findings []Finding
}

// MonthResult is a calendar month's treatment-management evaluation
// (R-TIME-*, R-IC-*, R-TM-*).
type MonthResult struct {
	Window      Window
	RuleSet     RuleSetID
	Provisional bool
	// Profile, DOS and Consent as for a period (R-PAY-1, R-DOS-1, R-ELIG-1).
	Profile ProfileChoice
	DOS     Date
	Consent string
	// Seconds is the merged RPM time in the month; Minutes its floor (R-TIME-5).
	Seconds int64
	Minutes int
	// Interactive says an interactive communication started in the month
	// (R-IC-1..4); InteractiveRefs cites them.
	Interactive     bool
	InteractiveRefs []string
	// DataDays counts dates of the month with a qualifying reading (R-TM-5).
	DataDays int
	// UnbilledMinutes are minutes beyond the 99458 cap (R-TM-4).
	UnbilledMinutes int
	Evidence        []MinuteEvidence
	Progress        *Progress
	Lines           []CodeLine
	Findings        []Finding
}

// Billable returns the code lines that can be billed now: none while the
// window is open (R-PER-5).
func (p PeriodResult) Billable() []CodeLine { return billable(p.Lines) }

// Billable returns the code lines that can be billed now.
func (m MonthResult) Billable() []CodeLine { return billable(m.Lines) }

func billable(lines []CodeLine) []CodeLine {
	var out []CodeLine
	for _, l := range lines {
		if !l.Provisional {
			out = append(out, l)
		}
	}
	return out
}
