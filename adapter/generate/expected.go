package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Expected is the test oracle of the named edge patients (expected.json):
// what the rule book says the adapter must find for each of them. It is
// written by hand from docs/rpm-rules.md (the worked-case table of §8 and
// the rules it cites), never computed by the engine, so a test that compares
// the adapter's evaluation with it tests the engine too.
type Expected struct {
	Source string `json:"source"`
	Note   string `json:"note"`
	// Policy is the policy the expectations assume ("default": the rule
	// book's defaults).
	Policy string `json:"policy"`
	// Profiles are the payer profile files (relative to the repository
	// root) the expectations assume loaded, with medicare-ffs the default
	// (R-PAY-1, R-PAY-2).
	Profiles []string       `json:"payer_profiles"`
	Cases    []ExpectedCase `json:"cases"`
}

// ExpectedCase is one edge patient.
type ExpectedCase struct {
	Patient string `json:"patient"`
	// Case is the worked case ("C1" … "C17") or the rule the patient covers.
	Case  string   `json:"case"`
	Rules []string `json:"rules"`
	// Expectation is the rule book's expectation in words.
	Expectation string `json:"expectation"`
	// Zone is the IANA zone the adapter must find on the Patient; "" when
	// the patient has none (R-DAY-4).
	Zone        string               `json:"zone"`
	Evaluations []ExpectedEvaluation `json:"evaluations"`
}

// ExpectedEvaluation is one run: "evaluate --month Month" as of AsOf, the
// day after the month, when every window in scope is closed.
type ExpectedEvaluation struct {
	Month string `json:"month"` // YYYY-MM
	AsOf  string `json:"as_of"` // YYYY-MM-DD
	// NotEvaluated gives the reason the patient is not evaluated; the
	// windows are then empty.
	NotEvaluated string `json:"not_evaluated,omitempty"`
	// Periods are the 30-day periods whose last day falls in the month.
	Periods []ExpectedPeriod `json:"periods"`
	// Months is the calendar month (treatment management).
	Months []ExpectedMonth `json:"months"`
}

// ExpectedPeriod is a 30-day period's device-code result.
type ExpectedPeriod struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Index   int    `json:"index"` // k of period k from the anchor (R-PER-2)
	RuleSet string `json:"rule_set"`
	Days    int    `json:"days"`
	// Lines are every code line, billable since the period is closed.
	Lines    []ExpectedLine    `json:"lines"`
	Findings []ExpectedFinding `json:"findings,omitempty"`
}

// ExpectedMonth is a calendar month's treatment-management result.
type ExpectedMonth struct {
	Start           string            `json:"start"`
	End             string            `json:"end"`
	RuleSet         string            `json:"rule_set"`
	Minutes         int               `json:"minutes"`
	Interactive     bool              `json:"interactive"`
	UnbilledMinutes int               `json:"unbilled_minutes"`
	Lines           []ExpectedLine    `json:"lines"`
	Findings        []ExpectedFinding `json:"findings,omitempty"`
}

// ExpectedLine is a code line.
type ExpectedLine struct {
	Code  string `json:"code"`
	Units int    `json:"units"`
	DOS   string `json:"dos"`
}

// ExpectedFinding is a finding the window must carry: its rule, and when
// given its code or a piece of its message. Other findings may be present.
type ExpectedFinding struct {
	Rule string `json:"rule,omitempty"`
	Code string `json:"code,omitempty"`
	Text string `json:"text,omitempty"`
}

// Oracle returns the expectations of every named edge patient, in the order
// the patients are written.
func Oracle() Expected {
	e := Expected{
		Source: "docs/rpm-rules.md, section 8 (worked cases) and the rules each case cites",
		Note: "Written by hand from the rule book, not computed by the engine. Each evaluation is " +
			"'rpm-adapter evaluate --month <month>' with the run date as_of, the day after the month, " +
			"so every window listed is closed; periods lists every 30-day period whose last day falls in " +
			"the month, months the calendar month. Findings list what must be present, not all there is.",
		Policy:   "default",
		Profiles: payerProfileFiles,
	}
	for _, c := range workedCases() {
		ec := c.expect
		ec.Patient = c.id
		ec.Zone = c.zone
		if c.place == zoneNowhere {
			ec.Zone = ""
		}
		for i := range ec.Evaluations {
			ev := &ec.Evaluations[i]
			ev.Periods = nonNil(ev.Periods)
			ev.Months = nonNil(ev.Months)
			for j := range ev.Periods {
				ev.Periods[j].Lines = nonNil(ev.Periods[j].Lines)
			}
			for j := range ev.Months {
				ev.Months[j].Lines = nonNil(ev.Months[j].Lines)
			}
		}
		e.Cases = append(e.Cases, ec)
	}
	return e
}

// JSON is the indented, newline-terminated form written to expected.json.
func (e Expected) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "->" and "<month>" stay readable in the diff
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("generate: encode %s: %w", ExpectedFile, err)
	}
	return buf.Bytes(), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
