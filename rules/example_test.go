package rules_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// A patient in Chicago with readings on 16 dates of the first period and one
// 40-minute phone call in a 2025 month (worked cases C1 and C9).
func ExampleEvaluate() {
	loc, _ := time.LoadLocation("America/Chicago")
	req := rules.Request{
		Location:   loc,
		AsOf:       rules.DateOf(2025, time.December, 1),
		Enrollment: rules.DateOf(2025, time.October, 1),
		Policy:     rules.DefaultPolicy(),
	}
	for d := 1; d <= 16; d++ {
		req.Readings = append(req.Readings, rules.Reading{
			Ref: fmt.Sprintf("Observation/bp-%d", d), At: time.Date(2025, time.October, d, 8, 0, 0, 0, loc),
			FromDevice: true, HasValue: true, Status: rules.StatusFinal,
		})
	}
	req.Interactions = []rules.Interaction{{
		Ref: "Communication/call-1", Start: time.Date(2025, time.October, 20, 10, 0, 0, 0, loc),
		Duration: 40 * time.Minute, Medium: rules.MediumRemote, Completed: true,
	}}
	res, err := rules.Evaluate(req, rules.MonthScope(2025, time.October))
	if err != nil {
		panic(err)
	}
	for _, p := range res.Periods {
		fmt.Println(p.Window.Start, p.Window.End, p.RuleSet, p.Days, "days", p.Lines)
	}
	for _, m := range res.Months {
		fmt.Println(m.Window.Start, m.Window.End, m.Minutes, "min", "interactive:", m.Interactive, m.Lines)
	}
	// Output:
	// 2025-10-01 2025-10-30 cms-pfs-2021 16 days [{99453 1 2025-10-30 false} {99454 1 2025-10-30 false}]
	// 2025-10-01 2025-10-31 40 min interactive: true [{99457 1 2025-10-31 false} {99458 1 2025-10-31 false}]
}

// An open 30-day period is evaluated provisionally (R-PER-5): it says what is
// met, what is missing and whether the threshold can still be reached, and
// nothing in it is billable yet.
func ExampleDateScope() {
	loc, _ := time.LoadLocation("America/New_York")
	req := rules.Request{
		Location:     loc,
		AsOf:         rules.DateOf(2025, time.March, 21),
		Enrollment:   rules.DateOf(2025, time.March, 1),
		EpisodeStart: rules.NoDate,
		Policy:       rules.DefaultPolicy(),
	}
	for d := 10; d <= 21; d++ {
		req.Readings = append(req.Readings, rules.Reading{
			Ref: fmt.Sprintf("Observation/%d", d), At: time.Date(2025, time.March, d, 7, 30, 0, 0, loc),
			FromDevice: true, HasValue: true, Status: rules.StatusFinal,
		})
	}
	res, err := rules.Evaluate(req, rules.DateScope(req.AsOf))
	if err != nil {
		panic(err)
	}
	p := res.Periods[0]
	g := p.Progress
	fmt.Printf("%s..%s provisional: %t\n", p.Window.Start, p.Window.End, p.Provisional)
	fmt.Printf("%d of %d days, %d needed, %d days left, reachable: %t\n", g.Have, g.Need, g.Missing, g.DaysLeft, g.Reachable)
	fmt.Println("billable now:", len(p.Billable()))
	// Output:
	// 2025-03-01..2025-03-30 provisional: true
	// 12 of 16 days, 4 needed, 9 days left, reachable: true
	// billable now: 0
}

// The rule set is chosen by the date of service (R-DOS-3); a date before
// 2021 is rejected, not guessed.
func ExampleRuleSetFor() {
	for _, dos := range []rules.Date{
		rules.DateOf(2025, time.December, 31),
		rules.DateOf(2026, time.January, 1),
		rules.DateOf(2020, time.December, 31),
	} {
		rs, err := rules.RuleSetFor(dos)
		fmt.Println(dos, rs, errors.Is(err, rules.ErrDOSBeforeRules))
	}
	// Output:
	// 2025-12-31 cms-pfs-2021 false
	// 2026-01-01 cms-pfs-2026 false
	// 2020-12-31  true
}

// A month scope lists every 30-day period whose date of service (its last
// day, R-DOS-1) falls in the month: a 31-day month can hold two.
func ExampleMonthScope() {
	loc, _ := time.LoadLocation("Europe/Berlin")
	req := rules.Request{
		Location:     loc,
		AsOf:         rules.DateOf(2025, time.March, 1),
		Enrollment:   rules.DateOf(2024, time.December, 3),
		EpisodeStart: rules.NoDate,
		Policy:       rules.DefaultPolicy(),
	}
	res, err := rules.Evaluate(req, rules.MonthScope(2025, time.January))
	if err != nil {
		panic(err)
	}
	for _, p := range res.Periods {
		fmt.Println(p.Window.Kind, p.Window.Index, p.Window.Start, p.Window.End)
	}
	// Output:
	// period 0 2024-12-03 2025-01-01
	// period 1 2025-01-02 2025-01-31
}

// Under cms-pfs-2026 fewer than 16 days can still earn the short device code
// 99445, and 10–19 minutes with an interactive call earn 99470 (R-DEV-2,
// R-TM-2).
func ExampleEvaluate_shortCodes2026() {
	loc, _ := time.LoadLocation("America/Chicago")
	req := rules.Request{
		Location:     loc,
		AsOf:         rules.DateOf(2026, time.May, 1),
		Enrollment:   rules.DateOf(2026, time.March, 2),
		EpisodeStart: rules.NoDate,
		Policy:       rules.DefaultPolicy(),
	}
	for d := 2; d <= 9; d++ {
		req.Readings = append(req.Readings, rules.Reading{
			Ref: fmt.Sprintf("Observation/%d", d), At: time.Date(2026, time.March, d, 9, 0, 0, 0, loc),
			FromDevice: true, HasValue: true, Status: rules.StatusFinal,
		})
	}
	req.Interactions = []rules.Interaction{{
		Ref: "Communication/call", Start: time.Date(2026, time.March, 12, 15, 0, 0, 0, loc),
		Duration: 12*time.Minute + 40*time.Second, Medium: rules.MediumRemote, Completed: true,
	}}
	res, err := rules.Evaluate(req, rules.DateScope(rules.DateOf(2026, time.March, 12)))
	if err != nil {
		panic(err)
	}
	p, m := res.Periods[0], res.Months[0]
	fmt.Println(p.RuleSet, p.Days, "days:", p.Billable())
	fmt.Println(m.RuleSet, m.Minutes, "min:", m.Billable())
	// Output:
	// cms-pfs-2026 8 days: [{99445 1 2026-03-31 false}]
	// cms-pfs-2026 12 min: [{99470 1 2026-03-31 false}]
}
