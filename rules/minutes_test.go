package rules_test

import (
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// aprilPatient is a New York patient with one qualifying reading in April of
// year (R-TM-5) and the given treatment-management work; April has closed.
func aprilPatient(year int, work ...rules.Interaction) rules.Request {
	req := newRequest(newYork, day(year, 5, 10))
	req.Readings = []rules.Reading{reading("Observation/r", at(day(year, 4, 2), 8, 0, newYork))}
	req.Interactions = work
	return req
}

// april evaluates April of year and returns its month result.
func april(t *testing.T, req rules.Request, year int) rules.MonthResult {
	t.Helper()
	res := evaluate(t, req, rules.MonthScope(year, time.April))
	return res.Months[0]
}

func aprilAt(year, d, hh, mm int) time.Time { return at(day(year, 4, d), hh, mm, newYork) }

func TestWhatCounts(t *testing.T) {
	notCompleted := call("Communication/1", aprilAt(2025, 10, 10, 0), 25*time.Minute)
	notCompleted.Completed = false
	program := func(p rules.Program) rules.Interaction {
		in := work("Communication/1", aprilAt(2025, 10, 10, 0), 25*time.Minute, rules.MediumRemote)
		in.Program = p
		return in
	}
	tests := []struct {
		name        string
		work        rules.Interaction
		wantMinutes int
		wantFinding string
	}{
		{name: "R-TIME-1 a completed phone call counts", work: call("Communication/1", aprilAt(2025, 10, 10, 0), 25*time.Minute), wantMinutes: 25},
		{name: "R-TIME-1 non-interactive data review counts as minutes",
			work: work("Communication/1", aprilAt(2025, 10, 10, 0), 25*time.Minute, rules.MediumNone), wantMinutes: 25, wantFinding: "no-interactive-communication"},
		{name: "R-TIME-1 an interaction that is not completed counts nothing", work: notCompleted, wantFinding: "interaction-not-completed"},
		{name: "R-TIME-1 R-CON-2 CCM time is not RPM time", work: program(rules.ProgramCCM), wantFinding: "other-program"},
		{name: "R-TIME-1 R-CON-2 PCM time is not RPM time", work: program(rules.ProgramPCM), wantFinding: "other-program"},
		{name: "R-TIME-1 R-CON-2 RTM time is not RPM time", work: program(rules.ProgramRTM), wantFinding: "other-program"},
		{name: "R-TIME-1 R-CON-2 BHI time is not RPM time", work: program(rules.ProgramBHI), wantFinding: "other-program"},
		{name: "R-TIME-1 R-CON-2 TCM time is not RPM time", work: program(rules.ProgramTCM), wantFinding: "other-program"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := april(t, aprilPatient(2025, tc.work), 2025)
			if m.Minutes != tc.wantMinutes {
				t.Errorf("Minutes = %d, want %d", m.Minutes, tc.wantMinutes)
			}
			if tc.wantFinding != "" && !contains(findingCodes(m.Findings), tc.wantFinding) {
				t.Errorf("findings %v lack %q", findingCodes(m.Findings), tc.wantFinding)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	t.Run("R-TIME-2 a call without a duration is interactive, adds 0 minutes and is reported", func(t *testing.T) {
		req := aprilPatient(2025,
			call("Communication/call", aprilAt(2025, 10, 10, 0), 0),
			work("Communication/review", aprilAt(2025, 11, 10, 0), 20*time.Minute, rules.MediumNone))
		m := april(t, req, 2025)
		if got := monthLine(m); got != "month 2025-04 cms-pfs-2021: 20 min interactive [99457]" {
			t.Errorf("month = %q", got)
		}
		if !contains(findingCodes(m.Findings), "interaction-no-duration") {
			t.Errorf("findings %v lack interaction-no-duration", findingCodes(m.Findings))
		}
	})
	t.Run("R-TIME-2 a negative duration counts zero minutes", func(t *testing.T) {
		m := april(t, aprilPatient(2025, call("Communication/call", aprilAt(2025, 10, 10, 0), -time.Hour)), 2025)
		if m.Minutes != 0 || m.Seconds != 0 {
			t.Errorf("Minutes, Seconds = %d, %d; want 0, 0", m.Minutes, m.Seconds)
		}
	})
}

func TestMonthOfActivity(t *testing.T) {
	tests := []struct {
		name   string
		work   []rules.Interaction
		scopes []rules.Scope
		want   []string
	}{
		{
			name:   "R-TIME-3 a call crossing midnight inside a month stays whole in it",
			work:   []rules.Interaction{call("Communication/1", aprilAt(2025, 10, 23, 50), 20*time.Minute)},
			scopes: []rules.Scope{rules.MonthScope(2025, time.April)},
			want:   []string{"month 2025-04 cms-pfs-2021: 20 min interactive [99457]"},
		},
		{
			name: "R-TIME-3 a call crossing the month end at local midnight is split there",
			work: []rules.Interaction{call("Communication/1", aprilAt(2025, 30, 23, 30), 50*time.Minute)},
			scopes: []rules.Scope{
				rules.MonthScope(2025, time.April), rules.MonthScope(2025, time.May),
			},
			want: []string{
				"month 2025-04 cms-pfs-2021: 30 min interactive [99457]",
				"month 2025-05 cms-pfs-2021: 20 min not interactive []",
			},
		},
		{
			name:   "R-TIME-3 a call starting at 00:00 on the 1st belongs wholly to the new month",
			work:   []rules.Interaction{call("Communication/1", at(day(2025, 5, 1), 0, 0, newYork), 20*time.Minute)},
			scopes: []rules.Scope{rules.MonthScope(2025, time.April), rules.MonthScope(2025, time.May)},
			want: []string{
				"month 2025-04 cms-pfs-2021: 0 min not interactive []",
				"month 2025-05 cms-pfs-2021: 20 min interactive [99457]",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := aprilPatient(2025, tc.work...)
			req.AsOf = day(2025, 6, 10)
			req.Readings = append(req.Readings, reading("Observation/may", at(day(2025, 5, 2), 8, 0, newYork)))
			var got []string
			for _, s := range tc.scopes {
				got = append(got, monthLine(evaluate(t, req, s).Months[0]))
			}
			if d := diff(tc.want, got); d != "" {
				t.Errorf("months mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestOverlapsCountOnce(t *testing.T) {
	ten := aprilAt(2025, 10, 10, 0)
	tests := []struct {
		name         string
		work         []rules.Interaction
		wantMinutes  int
		wantEvidence int // merged intervals
	}{
		{name: "R-TIME-4 two staff on the same call count once",
			work:        []rules.Interaction{call("Communication/a", ten, 30*time.Minute), call("Communication/b", ten, 30*time.Minute)},
			wantMinutes: 30, wantEvidence: 1},
		{name: "R-TIME-4 partly overlapping work is merged",
			work: []rules.Interaction{
				call("Communication/a", ten, 20*time.Minute),
				work("Communication/b", ten.Add(10*time.Minute), 20*time.Minute, rules.MediumNone),
			},
			wantMinutes: 30, wantEvidence: 1},
		{name: "R-TIME-4 work nested inside a call adds nothing",
			work: []rules.Interaction{
				call("Communication/a", ten, 40*time.Minute),
				work("Communication/b", ten.Add(5*time.Minute), 5*time.Minute, rules.MediumNone),
			},
			wantMinutes: 40, wantEvidence: 1},
		{name: "R-TIME-4 the same record sent twice counts once",
			work:        []rules.Interaction{call("Communication/a", ten, 25*time.Minute), call("Communication/a", ten, 25*time.Minute)},
			wantMinutes: 25, wantEvidence: 1},
		{name: "R-TIME-4 separate work adds up",
			work: []rules.Interaction{
				call("Communication/a", ten, 15*time.Minute),
				work("Communication/b", ten.Add(time.Hour), 15*time.Minute, rules.MediumNone),
			},
			wantMinutes: 30, wantEvidence: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := april(t, aprilPatient(2025, tc.work...), 2025)
			if m.Minutes != tc.wantMinutes || len(m.Evidence) != tc.wantEvidence {
				t.Errorf("Minutes, intervals = %d, %d; want %d, %d", m.Minutes, len(m.Evidence), tc.wantMinutes, tc.wantEvidence)
			}
			for _, e := range m.Evidence {
				if len(e.Refs) != len(uniq(e.Refs)) {
					t.Errorf("evidence refs repeat: %v", e.Refs)
				}
			}
		})
	}
}

func TestWholeMinutes(t *testing.T) {
	ten := aprilAt(2026, 10, 10, 0)
	tests := []struct {
		name string
		year int
		work []rules.Interaction
		want string
	}{
		{name: "R-TIME-5 19 min 59 s is 19 minutes and no 99457 (2025)", year: 2025,
			work: []rules.Interaction{call("Communication/1", aprilAt(2025, 10, 10, 0), 19*time.Minute+59*time.Second)},
			want: "month 2025-04 cms-pfs-2021: 19 min interactive []"},
		{name: "R-TIME-5 19 min 59 s is 19 minutes and 99470 (2026)", year: 2026,
			work: []rules.Interaction{call("Communication/1", ten, 19*time.Minute+59*time.Second)},
			want: "month 2026-04 cms-pfs-2026: 19 min interactive [99470]"},
		{name: "R-TIME-5 9 min 59 s is 9 minutes and nothing (2026)", year: 2026,
			work: []rules.Interaction{call("Communication/1", ten, 9*time.Minute+59*time.Second)},
			want: "month 2026-04 cms-pfs-2026: 9 min interactive []"},
		{name: "R-TIME-5 seconds are summed before the floor: two pieces of 10 min 30 s are 21 minutes", year: 2026,
			work: []rules.Interaction{
				call("Communication/1", ten, 10*time.Minute+30*time.Second),
				work("Communication/2", ten.Add(time.Hour), 10*time.Minute+30*time.Second, rules.MediumNone),
			},
			want: "month 2026-04 cms-pfs-2026: 21 min interactive [99457]"},
		{name: "R-TIME-5 39 min 59 s give no 99458", year: 2026,
			work: []rules.Interaction{call("Communication/1", ten, 39*time.Minute+59*time.Second)},
			want: "month 2026-04 cms-pfs-2026: 39 min interactive [99457]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := monthLine(april(t, aprilPatient(tc.year, tc.work...), tc.year)); got != tc.want {
				t.Errorf("month mismatch (-want +got):\n-%s\n+%s", tc.want, got)
			}
		})
	}
}

func TestInteractiveCommunication(t *testing.T) {
	strict := rules.DefaultPolicy()
	strict.InPersonInteractive = false
	tests := []struct {
		name   string
		medium rules.Medium
		policy rules.Policy
		want   bool
	}{
		{name: "R-IC-1 a phone or video call is interactive", medium: rules.MediumRemote, want: true},
		{name: "R-IC-2 an in-person conversation is interactive by default", medium: rules.MediumInPerson, want: true},
		{name: "R-IC-2 an in-person conversation is not interactive when in_person_interactive is off", medium: rules.MediumInPerson, policy: strict},
		{name: "R-IC-3 written and asynchronous messages are never interactive", medium: rules.MediumWritten},
		{name: "R-IC-3 a communication with no medium is not interactive", medium: rules.MediumNone},
		{name: "R-IC-3 an unknown medium is not interactive", medium: rules.MediumOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := aprilPatient(2025, work("Communication/1", aprilAt(2025, 10, 10, 0), 25*time.Minute, tc.medium))
			if tc.policy != (rules.Policy{}) {
				req.Policy = tc.policy
			}
			m := april(t, req, 2025)
			if m.Interactive != tc.want {
				t.Errorf("Interactive = %t, want %t", m.Interactive, tc.want)
			}
			wantLines := ""
			if tc.want {
				wantLines = "99457"
			}
			if got := codes(m.Lines); got != wantLines {
				t.Errorf("codes = %q, want %q (the 25 minutes count either way: %d)", got, wantLines, m.Minutes)
			}
			if m.Minutes != 25 {
				t.Errorf("Minutes = %d, want 25", m.Minutes)
			}
		})
	}
}

func TestOneInteractiveSupportsEveryUnit(t *testing.T) {
	tests := []struct {
		name string
		work []rules.Interaction
		want string
	}{
		{name: "R-IC-4 one 5-minute call supports 99457 and every 99458 unit",
			work: []rules.Interaction{
				call("Communication/call", aprilAt(2025, 3, 10, 0), 5*time.Minute),
				work("Communication/review", aprilAt(2025, 20, 10, 0), 75*time.Minute, rules.MediumNone),
			},
			want: "month 2025-04 cms-pfs-2021: 80 min interactive [99457 99458x3]"},
		{name: "R-IC-4 the call's minutes are part of the 20, not extra",
			work: []rules.Interaction{
				call("Communication/call", aprilAt(2025, 3, 10, 0), 5*time.Minute),
				work("Communication/review", aprilAt(2025, 20, 10, 0), 15*time.Minute, rules.MediumNone),
			},
			want: "month 2025-04 cms-pfs-2021: 20 min interactive [99457]"},
		{name: "R-IC-4 a call after the minutes in the same month still supports them",
			work: []rules.Interaction{
				work("Communication/review", aprilAt(2025, 2, 10, 0), 40*time.Minute, rules.MediumWritten),
				call("Communication/call", aprilAt(2025, 29, 10, 0), time.Minute),
			},
			want: "month 2025-04 cms-pfs-2021: 41 min interactive [99457 99458]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := monthLine(april(t, aprilPatient(2025, tc.work...), 2025)); got != tc.want {
				t.Errorf("month mismatch (-want +got):\n-%s\n+%s", tc.want, got)
			}
		})
	}
}

func TestInteractionFindingsDoNotDependOnOrder(t *testing.T) {
	t.Run("R-CON-2 R-TIME-3 findings of the same record in two programs or without a start keep one order", func(t *testing.T) {
		ccm := call("Communication/1", aprilAt(2025, 10, 9, 0), 10*time.Minute)
		ccm.Program = rules.ProgramCCM
		rtm := ccm
		rtm.Program = rules.ProgramRTM
		noStartB := call("Communication/b", time.Time{}, time.Minute)
		noStartA := call("Communication/a", time.Time{}, time.Minute)
		want := evaluate(t, aprilPatient(2025, ccm, rtm, noStartB, noStartA), rules.MonthScope(2025, time.April))
		got := evaluate(t, aprilPatient(2025, noStartA, rtm, noStartB, ccm), rules.MonthScope(2025, time.April))
		if d := diff(want, got); d != "" {
			t.Errorf("result depends on input order (-want +got):\n%s", d)
		}
	})
}
