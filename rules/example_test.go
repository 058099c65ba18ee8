package rules_test

import (
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
