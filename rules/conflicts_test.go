package rules_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// conflictPatient has, in its closed period #0 (1–30 April 2025), 16 days
// of data and in April a 25-minute call: 99453, 99454 and 99457 unless a
// charge on the server forbids them.
func conflictPatient(charges ...rules.Charge) rules.Request {
	req := aprilPatient(2025, call("Communication/1", aprilAt(2025, 10, 9, 0), 25*time.Minute))
	req.Enrollment = day(2025, 4, 1)
	req.Readings = daily("Observation/d", newYork, day(2025, 4, 1), 16, 8, 0)
	req.Charges = charges
	return req
}

func TestOnePractitionerPerPeriod(t *testing.T) {
	other := func(code string, start, end rules.Date) rules.Charge {
		return rules.Charge{Ref: "ChargeItem/x", Code: code, Start: start, End: end, Organization: "Organization/other"}
	}
	overlapping := other(rules.CodeDevice16, day(2025, 4, 20), day(2025, 5, 19))
	tests := []struct {
		name        string
		charge      rules.Charge
		wantPeriod  string
		wantMonth   string
		wantFinding string
	}{
		{name: "R-PER-4 another organization's 99454 for an overlapping period leaves no device code",
			charge: overlapping, wantPeriod: "", wantMonth: "99457", wantFinding: "other-practitioner"},
		{name: "R-PER-4 another organization's 99445 for an overlapping period leaves no device code",
			charge: other(rules.CodeDeviceShort, day(2025, 3, 10), day(2025, 4, 8)), wantPeriod: "", wantMonth: "99457", wantFinding: "other-practitioner"},
		{name: "R-PER-4 another organization's 99453 for an overlapping period leaves no device code",
			charge: other(rules.CodeSetup, day(2025, 4, 30), day(2025, 4, 30)), wantPeriod: "", wantMonth: "99457", wantFinding: "other-practitioner"},
		{name: "R-PER-4 a charge of unknown organization is treated as another practitioner's",
			charge: func() rules.Charge { c := overlapping; c.Organization = ""; return c }(), wantPeriod: "", wantMonth: "99457", wantFinding: "other-practitioner"},
		{name: "R-PER-4 another organization's 99454 for a period that ended the day before does not conflict",
			charge: other(rules.CodeDevice16, day(2025, 3, 2), day(2025, 3, 31)), wantPeriod: "99453 99454", wantMonth: "99457"},
		{name: "R-PER-4 another organization's time code does not block device codes",
			charge: other(rules.CodeTM20, day(2025, 4, 1), day(2025, 4, 30)), wantPeriod: "99453 99454", wantMonth: "99457"},
		{name: "R-PER-4 the adapter's own earlier write-back is ignored",
			charge:     rules.Charge{Ref: "ChargeItem/own", Code: rules.CodeDevice16, Start: day(2025, 4, 1), End: day(2025, 4, 30), Organization: "Organization/own", Own: true},
			wantPeriod: "99453 99454", wantMonth: "99457"},
		{name: "R-PER-3 a charge of the same organization not written by the adapter blocks a second device code",
			charge:     rules.Charge{Ref: "ChargeItem/manual", Code: rules.CodeDevice16, Start: day(2025, 4, 1), End: day(2025, 4, 30), Organization: "Organization/own"},
			wantPeriod: "", wantMonth: "99457", wantFinding: "already-charged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := evaluate(t, conflictPatient(tc.charge), rules.DateScope(day(2025, 4, 10)))
			p, m := res.Periods[0], res.Months[0]
			if got := codes(p.Lines); got != tc.wantPeriod {
				t.Errorf("period codes mismatch (-want +got):\n-%s\n+%s", tc.wantPeriod, got)
			}
			if got := codes(m.Lines); got != tc.wantMonth {
				t.Errorf("month codes mismatch (-want +got):\n-%s\n+%s", tc.wantMonth, got)
			}
			if tc.wantFinding != "" && !contains(findingCodes(p.Findings), tc.wantFinding) {
				t.Errorf("period findings %v lack %q", findingCodes(p.Findings), tc.wantFinding)
			}
			if p.Days != 16 {
				t.Errorf("Days = %d, want 16: a conflict must not hide the evidence", p.Days)
			}
		})
	}
}

func TestRTMOverlap(t *testing.T) {
	rtm := func(code string, start, end rules.Date) rules.Charge {
		return rules.Charge{Ref: "ChargeItem/rtm", Code: code, Start: start, End: end, Organization: "Organization/own"}
	}
	tests := []struct {
		name       string
		enrolled   rules.Date // zero: 1 April 2025
		charge     rules.Charge
		wantPeriod string
		wantMonth  string
	}{
		{name: "R-CON-1 an overlapping RTM charge leaves no RPM code in the period or the month",
			charge: rtm("98977", day(2025, 4, 15), day(2025, 5, 14)), wantPeriod: "", wantMonth: ""},
		{name: "R-CON-1 an RTM treatment-management charge in the month blocks RPM time codes",
			charge: rtm("98980", day(2025, 4, 30), day(2025, 4, 30)), wantPeriod: "", wantMonth: ""},
		{name: "R-CON-1 an RTM charge overlapping only the month blocks only the month",
			enrolled: day(2025, 3, 20), // period #0 is 20 March - 18 April
			charge:   rtm("98986", day(2025, 4, 25), day(2025, 4, 30)), wantPeriod: "99453 99454", wantMonth: ""},
		{name: "R-CON-1 an RTM charge overlapping only the period blocks only the period",
			enrolled: day(2025, 3, 20),
			charge:   rtm("98986", day(2025, 3, 20), day(2025, 3, 31)), wantPeriod: "", wantMonth: "99457"},
		{name: "R-CON-1 the adapter's own RTM item still blocks RPM",
			charge: func() rules.Charge { c := rtm("98975", day(2025, 4, 1), day(2025, 4, 1)); c.Own = true; return c }(), wantPeriod: "", wantMonth: ""},
		{name: "R-CON-1 an RTM charge before the month and period does not conflict",
			charge: rtm("98977", day(2025, 2, 1), day(2025, 2, 28)), wantPeriod: "99453 99454", wantMonth: "99457"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := conflictPatient(tc.charge)
			if tc.enrolled != 0 {
				req.Enrollment = tc.enrolled
			}
			res := evaluate(t, req, rules.DateScope(day(2025, 4, 10)))
			p, m := res.Periods[0], res.Months[0]
			if got := codes(p.Lines); got != tc.wantPeriod {
				t.Errorf("period codes mismatch (-want +got):\n-%s\n+%s", tc.wantPeriod, got)
			}
			if got := codes(m.Lines); got != tc.wantMonth {
				t.Errorf("month codes mismatch (-want +got):\n-%s\n+%s", tc.wantMonth, got)
			}
			if tc.wantMonth == "" && !contains(findingCodes(m.Findings), "rtm-overlap") {
				t.Errorf("month findings %v lack rtm-overlap", findingCodes(m.Findings))
			}
			if tc.wantPeriod == "" && !contains(findingCodes(p.Findings), "rtm-overlap") {
				t.Errorf("period findings %v lack rtm-overlap", findingCodes(p.Findings))
			}
		})
	}
}

func TestIsRTMCode(t *testing.T) {
	for code, want := range map[string]bool{
		"98975": true, "98976": true, "98977": true, "98978": true, "98979": true, "98980": true, "98981": true,
		"98984": true, "98985": true, "98986": true,
		"98982": false, "98983": false, "98974": false, "98987": false, "99454": false, "99457": false, "": false,
	} {
		t.Run("R-CON-1 "+code, func(t *testing.T) {
			if got := rules.IsRTMCode(code); got != want {
				t.Errorf("IsRTMCode(%q) = %t, want %t", code, got, want)
			}
		})
	}
}

func TestOtherProgramTimeIsExcluded(t *testing.T) {
	t.Run("R-CON-2 CCM time next to RPM time counts only the RPM minutes", func(t *testing.T) {
		ccm := call("Communication/ccm", aprilAt(2026, 10, 9, 0), 30*time.Minute)
		ccm.Program = rules.ProgramCCM
		req := aprilPatient(2026, ccm, call("Communication/rpm", aprilAt(2026, 12, 9, 0), 15*time.Minute))
		m := april(t, req, 2026)
		if got, want := monthLine(m), "month 2026-04 cms-pfs-2026: 15 min interactive [99470]"; got != want {
			t.Errorf("month mismatch (-want +got):\n-%s\n+%s", want, got)
		}
		if !contains(findingCodes(m.Findings), "other-program") {
			t.Errorf("findings %v lack other-program", findingCodes(m.Findings))
		}
	})
	t.Run("R-CON-2 a CCM call does not make the RPM month interactive", func(t *testing.T) {
		ccm := call("Communication/ccm", aprilAt(2026, 10, 9, 0), 5*time.Minute)
		ccm.Program = rules.ProgramCCM
		req := aprilPatient(2026, ccm, work("Communication/review", aprilAt(2026, 12, 9, 0), 25*time.Minute, rules.MediumNone))
		if m := april(t, req, 2026); m.Interactive || len(m.Lines) != 0 {
			t.Errorf("Interactive, codes = %t, %q; want false, none", m.Interactive, codes(m.Lines))
		}
	})
}

func TestConflictFindingDoesNotDependOnChargeOrder(t *testing.T) {
	t.Run("R-PER-4 R-CON-1 the cited charge is the same in any order", func(t *testing.T) {
		charges := []rules.Charge{
			{Ref: "ChargeItem/b", Code: rules.CodeDevice16, Start: day(2025, 4, 5), End: day(2025, 5, 4), Organization: "Organization/b"},
			{Ref: "ChargeItem/a", Code: rules.CodeDevice16, Start: day(2025, 4, 5), End: day(2025, 5, 4), Organization: "Organization/a"},
			{Ref: "ChargeItem/c", Code: rules.CodeSetup, Start: day(2025, 4, 2), End: day(2025, 4, 2), Organization: "Organization/c"},
			{Ref: "ChargeItem/r2", Code: "98977", Start: day(2025, 4, 20), End: day(2025, 4, 20)},
			{Ref: "ChargeItem/r1", Code: "98976", Start: day(2025, 4, 20), End: day(2025, 4, 20)},
		}
		want := evaluate(t, conflictPatient(charges...), rules.DateScope(day(2025, 4, 10)))
		rng := rand.New(rand.NewPCG(4, 2))
		for range 20 {
			shuffled := append([]rules.Charge(nil), charges...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got := evaluate(t, conflictPatient(shuffled...), rules.DateScope(day(2025, 4, 10)))
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("result depends on charge order (-want +got):\n%s", diff(want, got))
			}
		}
	})
}
