package rules_test

import (
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestDefaultPolicyIsTheRuleBooks(t *testing.T) {
	want := rules.Policy{
		InPersonInteractive:   true,               // R-IC-2
		CountPreliminary:      false,              // R-DAY-1
		SetupMinDays2026:      16,                 // R-SET-2
		Max99458Units:         3,                  // R-TM-4
		TMRequiresDataInMonth: true,               // R-TM-5
		DeviceDOS:             rules.DOSPeriodEnd, // R-DOS-1
		RequireConsent:        false,              // R-ELIG-1
	}
	if d := diff(want, rules.DefaultPolicy()); d != "" {
		t.Errorf("DefaultPolicy mismatch (-want +got):\n%s", d)
	}
	if err := rules.DefaultPolicy().Validate(); err != nil {
		t.Errorf("DefaultPolicy().Validate() = %v, want nil", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*rules.Policy)
		wantErr bool
	}{
		{name: "R-SET-2 setup_min_days_2026 of 1 is rejected: 99445 itself needs 2 days", change: func(p *rules.Policy) { p.SetupMinDays2026 = 1 }, wantErr: true},
		{name: "R-SET-2 setup_min_days_2026 of 2 is accepted", change: func(p *rules.Policy) { p.SetupMinDays2026 = 2 }},
		{name: "R-SET-2 setup_min_days_2026 of 16 is accepted", change: func(p *rules.Policy) { p.SetupMinDays2026 = 16 }},
		{name: "R-SET-2 setup_min_days_2026 of 17 is rejected: the policy only lowers it", change: func(p *rules.Policy) { p.SetupMinDays2026 = 17 }, wantErr: true},
		{name: "R-SET-2 the zero policy is rejected rather than read as defaults", change: func(p *rules.Policy) { *p = rules.Policy{} }, wantErr: true},
		{name: "R-TM-4 max_99458_units of -1 is rejected", change: func(p *rules.Policy) { p.Max99458Units = -1 }, wantErr: true},
		{name: "R-TM-4 max_99458_units of 0 is accepted", change: func(p *rules.Policy) { p.Max99458Units = 0 }},
		{name: "R-TM-4 max_99458_units of 3 is accepted", change: func(p *rules.Policy) { p.Max99458Units = 3 }},
		{name: "R-TM-4 max_99458_units of 4 is rejected: above the Medicare unit limit", change: func(p *rules.Policy) { p.Max99458Units = 4 }, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := rules.DefaultPolicy()
			tc.change(&p)
			err := p.Validate()
			if (err != nil) != tc.wantErr {
				t.Errorf("Validate() = %v, want error: %t", err, tc.wantErr)
			}
			_, evalErr := rules.Evaluate(withReq(aprilPatient(2025), func(r *rules.Request) { r.Policy = p }), rules.MonthScope(2025, time.April))
			if (evalErr != nil) != tc.wantErr {
				t.Errorf("Evaluate error = %v, want error: %t", evalErr, tc.wantErr)
			}
		})
	}
}

func TestPolicyToggles(t *testing.T) {
	// One request exercising every setting: a first period of 2026 with 15
	// days of which one is preliminary only, and a 100-minute in-person
	// conversation in a month whose only readings are in another month.
	base := func() rules.Request {
		req := newRequest(chicago, day(2026, 6, 1))
		req.Enrollment = day(2026, 3, 1)
		req.Readings = append(daily("Observation/d", chicago, day(2026, 3, 1), 14, 8, 0),
			with(daily("Observation/p", chicago, day(2026, 3, 20), 1, 8, 0), func(r *rules.Reading) { r.Status = rules.StatusPreliminary })...)
		req.Interactions = []rules.Interaction{
			work("Communication/visit", at(day(2026, 4, 10), 9, 0, chicago), 100*time.Minute, rules.MediumInPerson),
		}
		return req
	}
	tests := []struct {
		name       string
		change     func(*rules.Policy)
		wantPeriod string
		wantMonth  string
	}{
		{name: "the default policy",
			change:     func(*rules.Policy) {},
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 14 days [99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min interactive []"},
		{name: "R-IC-2 in_person_interactive off: a visit is not interactive",
			change:     func(p *rules.Policy) { p.InPersonInteractive = false; p.TMRequiresDataInMonth = false },
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 14 days [99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min not interactive []"},
		{name: "R-DAY-1 count_preliminary on: the preliminary date counts",
			change:     func(p *rules.Policy) { p.CountPreliminary = true },
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 15 days [99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min interactive []"},
		{name: "R-SET-2 setup_min_days_2026 of 14 gives 99453 beside 99445",
			change:     func(p *rules.Policy) { p.SetupMinDays2026 = 14 },
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 14 days [99453 99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min interactive []"},
		{name: "R-SET-2 setup_min_days_2026 of 15 is one day short",
			change:     func(p *rules.Policy) { p.SetupMinDays2026 = 15 },
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 14 days [99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min interactive []"},
		{name: "R-TM-5 tm_requires_data_in_month off: time codes without data in the month",
			change:     func(p *rules.Policy) { p.TMRequiresDataInMonth = false },
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 14 days [99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min interactive [99457 99458x3] unbilled 20 min"},
		{name: "R-TM-4 max_99458_units of 1 bills one unit and reports 60 minutes",
			change:     func(p *rules.Policy) { p.TMRequiresDataInMonth = false; p.Max99458Units = 1 },
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 14 days [99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min interactive [99457 99458] unbilled 60 min"},
		{name: "R-TM-4 max_99458_units of 0 bills 99457 only and reports 80 minutes",
			change:     func(p *rules.Policy) { p.TMRequiresDataInMonth = false; p.Max99458Units = 0 },
			wantPeriod: "period #0 2026-03-01..2026-03-30 cms-pfs-2026: 14 days [99445]",
			wantMonth:  "month 2026-04 cms-pfs-2026: 100 min interactive [99457] unbilled 80 min"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := base()
			tc.change(&req.Policy)
			p := evaluate(t, req, rules.DateScope(day(2026, 3, 1))).Periods[0]
			m := evaluate(t, req, rules.MonthScope(2026, time.April)).Months[0]
			if d := diff([]string{tc.wantPeriod, tc.wantMonth}, []string{periodLine(p), monthLine(m)}); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
	t.Run("R-SET-2 setup_min_days_2026 does not change cms-pfs-2021", func(t *testing.T) {
		req := newRequest(chicago, day(2025, 6, 1))
		req.Enrollment = day(2025, 3, 1)
		req.Readings = daily("Observation/d", chicago, day(2025, 3, 1), 15, 8, 0)
		req.Policy.SetupMinDays2026 = 2
		p := evaluate(t, req, rules.DateScope(day(2025, 3, 1))).Periods[0]
		if got := codes(p.Lines); got != "" {
			t.Errorf("codes = %q, want none", got)
		}
	})
	t.Run("the result records the policy it was computed with", func(t *testing.T) {
		req := base()
		req.Policy.Max99458Units = 2
		if got := evaluate(t, req, rules.MonthScope(2026, time.April)).Policy; got != req.Policy {
			t.Errorf("Result.Policy = %+v, want %+v", got, req.Policy)
		}
	})
}
