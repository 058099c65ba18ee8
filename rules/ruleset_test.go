package rules_test

import (
	"errors"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestRuleSetFor(t *testing.T) {
	tests := []struct {
		name    string
		dos     rules.Date
		want    rules.RuleSetID
		wantErr error
	}{
		{name: "R-DOS-3 a DOS of 2020-12-31 is before every rule set", dos: day(2020, 12, 31), wantErr: rules.ErrDOSBeforeRules},
		{name: "R-DOS-3 NoDate is before every rule set", dos: rules.NoDate, wantErr: rules.ErrDOSBeforeRules},
		{name: "R-DOS-3 2021-01-01 is cms-pfs-2021", dos: day(2021, 1, 1), want: rules.CMSPFS2021},
		{name: "R-DOS-3 2024-02-29 is cms-pfs-2021", dos: day(2024, 2, 29), want: rules.CMSPFS2021},
		{name: "R-DOS-3 2025-12-31 is cms-pfs-2021", dos: day(2025, 12, 31), want: rules.CMSPFS2021},
		{name: "R-DOS-3 2026-01-01 is cms-pfs-2026", dos: day(2026, 1, 1), want: rules.CMSPFS2026},
		{name: "R-DOS-3 2028-02-29 is cms-pfs-2026", dos: day(2028, 2, 29), want: rules.CMSPFS2026},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rules.RuleSetFor(tc.dos)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("RuleSetFor(%s) error = %v, want %v", tc.dos, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("RuleSetFor(%s) = %q, want %q", tc.dos, got, tc.want)
			}
		})
	}
}

func TestPeriodAcrossTheRuleSetBoundary(t *testing.T) {
	tests := []struct {
		name        string
		enrolled    rules.Date
		want        string
		wantFlagged bool
	}{
		{name: "R-DOS-3 a period crossing 2025-12-31 is judged by its 2026 DOS and flagged",
			enrolled: day(2025, 12, 15), want: "period #0 2025-12-15..2026-01-13 cms-pfs-2026: 15 days [99445]", wantFlagged: true},
		{name: "R-DOS-3 a period ending on 2025-12-31 is cms-pfs-2021 and not flagged",
			enrolled: day(2025, 12, 2), want: "period #0 2025-12-02..2025-12-31 cms-pfs-2021: 15 days []"},
		{name: "R-DOS-3 a period starting on 2026-01-01 is cms-pfs-2026 and not flagged",
			enrolled: day(2026, 1, 1), want: "period #0 2026-01-01..2026-01-30 cms-pfs-2026: 15 days [99445]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(newYork, day(2026, 3, 1))
			req.Enrollment = tc.enrolled
			req.Readings = daily("Observation/d", newYork, tc.enrolled, 15, 20, 0)
			p := evaluate(t, req, rules.DateScope(tc.enrolled)).Periods[0]
			if got := periodLine(p); got != tc.want {
				t.Errorf("period mismatch (-want +got):\n-%s\n+%s", tc.want, got)
			}
			if got := contains(findingCodes(p.Findings), "crosses-rule-set-boundary"); got != tc.wantFlagged {
				t.Errorf("crosses-rule-set-boundary = %t, want %t; findings %v", got, tc.wantFlagged, findingCodes(p.Findings))
			}
		})
	}
}
