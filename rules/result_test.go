package rules_test

import (
	"testing"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestBillable(t *testing.T) {
	dos := day(2025, 3, 30)
	final := rules.CodeLine{Code: rules.CodeDevice16, Units: 1, DOS: dos}
	provisional := rules.CodeLine{Code: rules.CodeSetup, Units: 1, DOS: dos, Provisional: true}
	tests := []struct {
		name  string
		lines []rules.CodeLine
		want  []rules.CodeLine
	}{
		{name: "R-PER-5 no lines bill nothing", lines: nil, want: nil},
		{name: "R-PER-5 provisional lines are never billable", lines: []rules.CodeLine{provisional}, want: nil},
		{name: "R-PER-5 final lines are billable", lines: []rules.CodeLine{final}, want: []rules.CodeLine{final}},
		{name: "R-PER-5 only the final lines of a mix are billable", lines: []rules.CodeLine{provisional, final}, want: []rules.CodeLine{final}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := diff(tc.want, rules.PeriodResult{Lines: tc.lines}.Billable()); d != "" {
				t.Errorf("PeriodResult.Billable mismatch (-want +got):\n%s", d)
			}
			if d := diff(tc.want, rules.MonthResult{Lines: tc.lines}.Billable()); d != "" {
				t.Errorf("MonthResult.Billable mismatch (-want +got):\n%s", d)
			}
		})
	}
}
