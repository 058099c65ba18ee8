package rules

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoTimeZone is returned when the patient has no time zone: R-DAY-4 says
// nothing is guessed and UTC is never a silent fallback.
var ErrNoTimeZone = errors.New("rules: no time zone for the patient")

// Request is everything the engine needs for one patient. The engine never
// reads the clock: AsOf is the run date.
type Request struct {
	// Location is the patient's zone (R-DAY-4), chosen by the caller.
	Location *time.Location
	// AsOf is the run date in the patient's zone. Windows that end on or after
	// it are open (R-PER-5); inputs dated after it are ignored.
	AsOf Date
	// Enrollment and EpisodeStart anchor the periods (R-PER-2); NoDate when absent.
	Enrollment   Date
	EpisodeStart Date
	// Organization is the billing organization evaluated for (R-PER-4).
	Organization string
	// Policy is the default profile's policy: the caller merges the
	// deployment's policy flags into it (R-PAY-1).
	Policy Policy
	// DefaultProfile is the id of the deployment's default profile (R-PAY-2):
	// "" or MedicareFFS for the built-in one, else the id of one of Profiles.
	DefaultProfile string
	// Profiles are the loaded payer profiles a Coverage can select (R-PAY-2).
	Profiles     []Profile
	Readings     []Reading
	Interactions []Interaction
	Charges      []Charge
	// Coverages, Conditions and Consents of the patient (R-PAY-2, R-PAY-3,
	// R-ELIG-1); needed only when profiles or require_consent use them.
	Coverages  []Coverage
	Conditions []Condition
	Consents   []Consent
}

// Scope chooses the windows to evaluate. Set exactly one field.
type Scope struct {
	// Month (any date of it) selects the calendar month for time codes and
	// every 30-day period whose last day falls in the month for device codes.
	Month Date
	// Date selects the month and the 30-day period that contain it.
	Date Date
}

// MonthScope selects calendar month y-m.
func MonthScope(y int, m time.Month) Scope { return Scope{Month: DateOf(y, m, 1), Date: NoDate} }

// DateScope selects the windows containing d.
func DateScope(d Date) Scope { return Scope{Month: NoDate, Date: d} }

// Evaluate applies the rule book to one patient. It returns an error only for
// input that cannot be evaluated: no zone, no run date, an invalid policy or
// scope, or a date of service before 2021 (R-DOS-3).
func Evaluate(req Request, scope Scope) (*Result, error) {
	if req.Location == nil {
		return nil, ErrNoTimeZone
	}
	if req.AsOf == NoDate {
		return nil, errors.New("rules: the run date (AsOf) is required")
	}
	if err := req.Policy.Validate(); err != nil {
		return nil, err
	}
	def, err := defaultProfile(req)
	if err != nil {
		return nil, err
	}
	if (scope.Month == NoDate) == (scope.Date == NoDate) {
		return nil, errors.New("rules: scope needs exactly one of a month or a date")
	}

	ev := newEvaluation(req, def)
	res := &Result{
		Zone:     req.Location.String(),
		Policy:   req.Policy,
		AsOf:     req.AsOf,
		Anchor:   NoDate,
		Findings: ev.findings,
	}
	res.Anchor, res.AnchorSource = ev.anchor()

	var month Window
	var periods []Window
	if scope.Month != NoDate {
		month = monthWindow(scope.Month)
		periods = periodsEndingIn(res.Anchor, month)
	} else {
		month = monthWindow(scope.Date)
		if p, ok := periodContaining(res.Anchor, scope.Date); ok {
			periods = []Window{p}
		}
	}
	if _, err := RuleSetFor(month.End); err != nil {
		return nil, err
	}
	for _, p := range periods {
		if _, err := RuleSetFor(p.End); err != nil {
			return nil, err
		}
	}
	if len(periods) == 0 {
		res.Findings = append(res.Findings, noPeriodFinding(res.Anchor, month, scope))
	}
	for _, p := range periods {
		res.Periods = append(res.Periods, ev.period(p))
	}
	res.Months = []MonthResult{ev.month(month)}
	return res, nil
}

// defaultProfile finds the deployment's default profile (R-PAY-2) and
// checks that the loaded profiles can be told apart.
func defaultProfile(req Request) (Profile, error) {
	seen := make(map[string]bool, len(req.Profiles))
	var def *Profile
	for i, p := range req.Profiles {
		if err := p.Validate(); err != nil {
			return Profile{}, fmt.Errorf("rules: profile %q: %w", p.ID, err)
		}
		if seen[p.ID] {
			return Profile{}, fmt.Errorf("rules: profile id %q is loaded twice", p.ID)
		}
		seen[p.ID] = true
		if p.ID == req.DefaultProfile {
			def = &req.Profiles[i]
		}
	}
	switch {
	case def != nil:
		p := *def
		p.Policy = req.Policy
		return p, nil
	case req.DefaultProfile == "" || req.DefaultProfile == MedicareFFS:
		return DefaultProfile(req.Policy), nil
	}
	return Profile{}, fmt.Errorf("rules: the default profile %q is not loaded", req.DefaultProfile)
}

func noPeriodFinding(anchor Date, month Window, scope Scope) Finding {
	if anchor == NoDate {
		return Finding{Code: "no-episode", Rule: "R-PER-2",
			Message: "No 30-day period could be anchored: no enrollment date, no RPM episode and no qualifying reading."}
	}
	if scope.Month != NoDate {
		return Finding{Code: "no-period-in-scope", Rule: "R-PER-2",
			Message: fmt.Sprintf("No 30-day period of the episode starting %s ends in %s.", anchor, month.Start.Time().Format("2006-01"))}
	}
	return Finding{Code: "no-period-in-scope", Rule: "R-PER-2",
		Message: fmt.Sprintf("The date %s is before the episode's first period, which starts %s.", scope.Date, anchor)}
}
