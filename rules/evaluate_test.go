package rules_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestEvaluateRejectsInputItCannotEvaluate(t *testing.T) {
	valid := aprilPatient(2025)
	tests := []struct {
		name    string
		req     rules.Request
		scope   rules.Scope
		wantErr error // nil: any error
	}{
		{name: "R-DAY-4 no time zone is an error, never UTC",
			req: withReq(valid, func(r *rules.Request) { r.Location = nil }), scope: rules.MonthScope(2025, time.April), wantErr: rules.ErrNoTimeZone},
		{name: "R-PER-5 no run date is an error",
			req: withReq(valid, func(r *rules.Request) { r.AsOf = rules.NoDate }), scope: rules.MonthScope(2025, time.April)},
		{name: "an invalid policy is an error",
			req: withReq(valid, func(r *rules.Request) { r.Policy = rules.Policy{} }), scope: rules.MonthScope(2025, time.April)},
		{name: "a scope with neither a month nor a date is an error",
			req: valid, scope: rules.Scope{Month: rules.NoDate, Date: rules.NoDate}},
		{name: "a scope with both a month and a date is an error",
			req: valid, scope: rules.Scope{Month: day(2025, 4, 1), Date: day(2025, 4, 1)}},
		{name: "R-DOS-3 a month before 2021 is an error wrapping ErrDOSBeforeRules",
			req: valid, scope: rules.MonthScope(2020, time.December), wantErr: rules.ErrDOSBeforeRules},
		{name: "R-DOS-3 a date before 2021 is an error wrapping ErrDOSBeforeRules",
			req: withReq(valid, func(r *rules.Request) { r.Enrollment = day(2020, 11, 1) }), scope: rules.DateScope(day(2020, 12, 31)), wantErr: rules.ErrDOSBeforeRules},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := rules.Evaluate(tc.req, tc.scope)
			if err == nil {
				t.Fatalf("Evaluate() = %+v, want an error", res)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Evaluate() error = %v, want it to wrap %v", err, tc.wantErr)
			}
		})
	}
}

func TestNotEligibleIsAResultNotAnError(t *testing.T) {
	t.Run("R-PER-2 a patient with no data and no episode gets a finding", func(t *testing.T) {
		res := evaluate(t, newRequest(newYork, day(2025, 6, 1)), rules.MonthScope(2025, time.April))
		if len(res.Periods) != 0 || res.AnchorSource != "" || res.Anchor != rules.NoDate {
			t.Errorf("periods, anchor = %d, %s %q; want none", len(res.Periods), res.Anchor, res.AnchorSource)
		}
		if !contains(findingCodes(res.Findings), "no-episode") {
			t.Errorf("findings %v lack no-episode", findingCodes(res.Findings))
		}
	})
	t.Run("R-PER-2 a date before the episode's first period gets a finding", func(t *testing.T) {
		req := withReq(newRequest(newYork, day(2025, 6, 1)), func(r *rules.Request) { r.Enrollment = day(2025, 4, 20) })
		res := evaluate(t, req, rules.DateScope(day(2025, 4, 19)))
		if len(res.Periods) != 0 || !contains(findingCodes(res.Findings), "no-period-in-scope") {
			t.Errorf("periods, findings = %d, %v; want 0, no-period-in-scope", len(res.Periods), findingCodes(res.Findings))
		}
	})
}

func TestInputsAfterTheRunDateAreIgnored(t *testing.T) {
	t.Run("R-PER-5 readings and calls dated after AsOf do not count", func(t *testing.T) {
		req := newRequest(newYork, day(2025, 4, 15))
		req.Enrollment = day(2025, 4, 1)
		req.Readings = daily("Observation/d", newYork, day(2025, 4, 1), 20, 8, 0) // 15 up to and including AsOf
		req.Interactions = []rules.Interaction{
			call("Communication/today", at(day(2025, 4, 15), 23, 0, newYork), 10*time.Minute),
			call("Communication/tomorrow", at(day(2025, 4, 16), 0, 0, newYork), 30*time.Minute),
		}
		res := evaluate(t, req, rules.DateScope(day(2025, 4, 1)))
		got := []string{periodLine(res.Periods[0]), monthLine(res.Months[0])}
		want := []string{
			"period #0 2025-04-01..2025-04-30 cms-pfs-2021: 15 days []",
			"month 2025-04 cms-pfs-2021: 10 min interactive []",
		}
		if d := diff(want, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("R-PER-2 a first reading after AsOf does not anchor the episode", func(t *testing.T) {
		req := newRequest(newYork, day(2025, 4, 15))
		req.Readings = []rules.Reading{reading("Observation/later", at(day(2025, 4, 16), 8, 0, newYork))}
		if res := evaluate(t, req, rules.MonthScope(2025, time.April)); res.Anchor != rules.NoDate {
			t.Errorf("Anchor = %s, want none", res.Anchor)
		}
	})
}
