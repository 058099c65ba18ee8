package rules_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// workedCase is one row of the rule book's §8 table.
type workedCase struct {
	name   string
	req    rules.Request
	scopes []rules.Scope
	// periods and months are the one-line summaries of every scope's
	// windows, in order; nil means not checked.
	periods, months []string
	// findings must each be part of some finding's "code: message".
	findings []string
	// check, when set, asserts more of each scope's result.
	check func(t *testing.T, res *rules.Result)
}

func (c workedCase) run(t *testing.T) {
	t.Helper()
	var periods, months, findings []string
	for _, s := range c.scopes {
		res := evaluate(t, c.req, s)
		if c.check != nil {
			c.check(t, res)
		}
		for _, p := range res.Periods {
			periods = append(periods, periodLine(p))
		}
		for _, m := range res.Months {
			months = append(months, monthLine(m))
		}
		findings = append(findings, allFindings(res)...)
	}
	if c.periods != nil {
		if d := diff(c.periods, periods); d != "" {
			t.Errorf("periods mismatch (-want +got):\n%s", d)
		}
	}
	if c.months != nil {
		if d := diff(c.months, months); d != "" {
			t.Errorf("months mismatch (-want +got):\n%s", d)
		}
	}
	for _, want := range c.findings {
		found := false
		for _, f := range findings {
			found = found || strings.Contains(f, want)
		}
		if !found {
			t.Errorf("no finding contains %q; findings:\n%s", want, strings.Join(findings, "\n"))
		}
	}
}

// withReq returns req after fn changed it.
func withReq(req rules.Request, fn func(*rules.Request)) rules.Request {
	fn(&req)
	return req
}

func TestWorkedCases(t *testing.T) {
	// Device cases: a New York patient enrolled on the 1st of March.
	dev2025 := withReq(newRequest(newYork, day(2025, 4, 15)), func(r *rules.Request) { r.Enrollment = day(2025, 3, 1) })
	dev2026 := withReq(newRequest(newYork, day(2026, 4, 15)), func(r *rules.Request) { r.Enrollment = day(2026, 3, 1) })
	march2025 := []rules.Scope{rules.DateScope(day(2025, 3, 10))}
	march2026 := []rules.Scope{rules.DateScope(day(2026, 3, 10))}

	// Time cases: one reading in the month (R-TM-5) and the month's calls.
	tm := func(year int, calls ...rules.Interaction) rules.Request {
		return withReq(newRequest(newYork, day(year, 5, 10)), func(r *rules.Request) {
			r.Readings = []rules.Reading{reading("Observation/r", at(day(year, 4, 2), 8, 0, newYork))}
			r.Interactions = calls
		})
	}
	april := func(year int) []rules.Scope { return []rules.Scope{rules.MonthScope(year, time.April)} }
	callAt := func(year int) time.Time { return at(day(year, 4, 10), 10, 0, newYork) }

	// C4: twelve readings on one date.
	var oneDate []rules.Reading
	for h := range 12 {
		oneDate = append(oneDate, reading(fmt.Sprintf("Observation/%d", h), at(day(2026, 3, 5), h, 15, newYork)))
	}
	// C5: a blood-pressure cuff on days 1–8, a scale on days 9–16.
	pooled := append(
		with(daily("Observation/bp", newYork, day(2025, 3, 1), 8, 9, 0), func(r *rules.Reading) { r.Device = "Device/bp" }),
		with(daily("Observation/wt", newYork, day(2025, 3, 9), 8, 7, 0), func(r *rules.Reading) { r.Device = "Device/scale" })...)
	// C6: 23:30 EDT on the period's last day is 03:30 UTC the next day.
	lastDay := append(daily("Observation/d", newYork, day(2025, 3, 1), 15, 9, 0),
		reading("Observation/late", at(day(2025, 3, 30), 23, 30, newYork)))
	// C7: three of the sixteen dates only have manual (non-device) readings.
	manual := append(daily("Observation/d", newYork, day(2025, 3, 1), 13, 9, 0),
		with(daily("Observation/m", newYork, day(2025, 3, 14), 3, 9, 0), func(r *rules.Reading) { r.FromDevice = false; r.Device = "" })...)
	// C15: the only reading of one of sixteen dates was entered in error.
	withdrawn := with(daily("Observation/d", newYork, day(2025, 3, 1), 16, 9, 0), func(r *rules.Reading) {
		if r.Ref == "Observation/d-7" {
			r.Status = rules.StatusEnteredInError
		}
	})
	// C14: a call from 23:50 on 31 January to 00:10 on 1 February.
	acrossMonths := withReq(newRequest(newYork, day(2026, 3, 10)), func(r *rules.Request) {
		r.Readings = []rules.Reading{
			reading("Observation/jan", at(day(2026, 1, 5), 8, 0, newYork)),
			reading("Observation/feb", at(day(2026, 2, 5), 8, 0, newYork)),
		}
		r.Interactions = []rules.Interaction{call("Communication/late", at(day(2026, 1, 31), 23, 50, newYork), 20*time.Minute)}
	})

	tests := []workedCase{
		{
			name:    "C1 2025: 16 local dates in period 1 give 99454 and 99453 (R-DEV-1, R-SET-2)",
			req:     withReq(dev2025, func(r *rules.Request) { r.Readings = daily("Observation/d", newYork, day(2025, 3, 1), 16, 9, 0) }),
			scopes:  march2025,
			periods: []string{"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 16 days [99453 99454]"},
		},
		{
			name:     "C2 2025: 15 dates give no device code and the finding 15 of 16 days (R-DEV-1)",
			req:      withReq(dev2025, func(r *rules.Request) { r.Readings = daily("Observation/d", newYork, day(2025, 3, 1), 15, 9, 0) }),
			scopes:   march2025,
			periods:  []string{"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 15 days []"},
			findings: []string{"days-below-threshold: 15 of 16 days"},
		},
		{
			name:     "C3 2026: 15 dates give 99445 and no 99453 (R-DEV-2, R-SET-3)",
			req:      withReq(dev2026, func(r *rules.Request) { r.Readings = daily("Observation/d", newYork, day(2026, 3, 1), 15, 9, 0) }),
			scopes:   march2026,
			periods:  []string{"period #0 2026-03-01..2026-03-30 cms-pfs-2026: 15 days [99445]"},
			findings: []string{"setup-2026-review: 99453 withheld", "days-below-16: 15 of 16 days"},
		},
		{
			name:     "C4 2026: 12 readings on one date give nothing (R-DEV-2, R-DAY-2)",
			req:      withReq(dev2026, func(r *rules.Request) { r.Readings = oneDate }),
			scopes:   march2026,
			periods:  []string{"period #0 2026-03-01..2026-03-30 cms-pfs-2026: 1 days []"},
			findings: []string{"1 of 2 days"},
		},
		{
			name:    "C5 BP days 1-8 and scale days 9-16 pool to 16 days and 99454 (R-DAY-3)",
			req:     withReq(dev2025, func(r *rules.Request) { r.Readings = pooled }),
			scopes:  march2025,
			periods: []string{"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 16 days [99453 99454]"},
		},
		{
			name:   "C6 23:30 local on the period's last day, next day in UTC, counts in this period (R-DAY-4)",
			req:    withReq(dev2025, func(r *rules.Request) { r.AsOf = day(2025, 5, 15); r.Readings = lastDay }),
			scopes: []rules.Scope{rules.DateScope(day(2025, 3, 30)), rules.DateScope(day(2025, 3, 31))},
			periods: []string{
				"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 16 days [99453 99454]",
				"period #1 2025-03-31..2025-04-29 cms-pfs-2021: 0 days []",
			},
		},
		{
			name:     "C7 16 dates of which 3 have only readings without a device are 13 days (R-DAY-1)",
			req:      withReq(dev2025, func(r *rules.Request) { r.Readings = manual }),
			scopes:   march2025,
			periods:  []string{"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 13 days []"},
			findings: []string{"reading-not-from-device: 3 readings not counted"},
		},
		{
			name:   "C8 39 min with one phone call give 99457 only (R-TM-1)",
			req:    tm(2025, call("Communication/1", callAt(2025), 39*time.Minute)),
			scopes: april(2025),
			months: []string{"month 2025-04 cms-pfs-2021: 39 min interactive [99457]"},
		},
		{
			name:   "C9 40 min with one phone call give 99457 and 99458 x1 (R-TM-1)",
			req:    tm(2025, call("Communication/1", callAt(2025), 40*time.Minute)),
			scopes: april(2025),
			months: []string{"month 2025-04 cms-pfs-2021: 40 min interactive [99457 99458]"},
		},
		{
			name:     "C10 100 min with one call give 99457 and 99458 x3 with 20 min unbilled (R-TM-4)",
			req:      tm(2025, call("Communication/1", callAt(2025), 100*time.Minute)),
			scopes:   april(2025),
			months:   []string{"month 2025-04 cms-pfs-2021: 100 min interactive [99457 99458x3] unbilled 20 min"},
			findings: []string{"minutes-beyond-cap: 20 minutes"},
		},
		{
			name:   "C11 2025: 19 min and a call give nothing (R-TM-1)",
			req:    tm(2025, call("Communication/1", callAt(2025), 19*time.Minute)),
			scopes: april(2025),
			months: []string{"month 2025-04 cms-pfs-2021: 19 min interactive []"},
		},
		{
			name:   "C11 2026: 19 min and a call give 99470 (R-TM-2)",
			req:    tm(2026, call("Communication/1", callAt(2026), 19*time.Minute)),
			scopes: april(2026),
			months: []string{"month 2026-04 cms-pfs-2026: 19 min interactive [99470]"},
		},
		{
			name:     "C11 2026: 9 min and a call give nothing (R-TM-2)",
			req:      tm(2026, call("Communication/1", callAt(2026), 9*time.Minute)),
			scopes:   april(2026),
			months:   []string{"month 2026-04 cms-pfs-2026: 9 min interactive []"},
			findings: []string{"9 of 10 minutes"},
		},
		{
			name: "C12 25 min of portal messages and e-mail give nothing without an interactive communication (R-IC-3)",
			req: tm(2025,
				work("Communication/portal", callAt(2025), 15*time.Minute, rules.MediumWritten),
				work("Communication/mail", callAt(2025).Add(time.Hour), 10*time.Minute, rules.MediumWritten)),
			scopes:   april(2025),
			months:   []string{"month 2025-04 cms-pfs-2021: 25 min not interactive []"},
			findings: []string{"no-interactive-communication"},
		},
		{
			name: "C13 two staff on the same 15-minute call are 15 minutes (R-TIME-4)",
			req: tm(2026,
				call("Communication/nurse", callAt(2026), 15*time.Minute),
				call("Communication/doctor", callAt(2026), 15*time.Minute)),
			scopes: april(2026),
			months: []string{"month 2026-04 cms-pfs-2026: 15 min interactive [99470]"},
		},
		{
			// The call is interactive for January, where it starts; February
			// only gets its minutes.
			name:   "C14 a call 23:50-00:10 across 31 January and 1 February gives 10 min to each month (R-TIME-3)",
			req:    acrossMonths,
			scopes: []rules.Scope{rules.MonthScope(2026, time.January), rules.MonthScope(2026, time.February)},
			months: []string{
				"month 2026-01 cms-pfs-2026: 10 min interactive [99470]",
				"month 2026-02 cms-pfs-2026: 10 min not interactive []",
			},
		},
		{
			name:     "C15 an entered-in-error reading on one of 16 dates leaves 15 days (R-DAY-1)",
			req:      withReq(dev2025, func(r *rules.Request) { r.Readings = withdrawn }),
			scopes:   march2025,
			periods:  []string{"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 15 days []"},
			findings: []string{"reading-entered-in-error: 1 reading not counted"},
		},
		{
			name: "C16 an episode from 15 January has period 1 on 15 Jan-13 Feb and period 2 from 14 Feb (R-PER-2)",
			req: withReq(newRequest(newYork, day(2026, 4, 1)), func(r *rules.Request) {
				r.EpisodeStart = day(2026, 1, 15)
			}),
			scopes: []rules.Scope{
				rules.DateScope(day(2026, 1, 15)), rules.DateScope(day(2026, 2, 13)), rules.DateScope(day(2026, 2, 14)),
			},
			periods: []string{
				"period #0 2026-01-15..2026-02-13 cms-pfs-2026: 0 days []",
				"period #0 2026-01-15..2026-02-13 cms-pfs-2026: 0 days []",
				"period #1 2026-02-14..2026-03-15 cms-pfs-2026: 0 days []",
			},
		},
		{
			name: "C17 New York spring: readings at 00:30 around the DST change are each on their own date (R-DAY-4)",
			req: withReq(newRequest(newYork, day(2026, 4, 30)), func(r *rules.Request) {
				r.Enrollment = day(2026, 2, 25)
				r.Readings = daily("Observation/d", newYork, day(2026, 3, 1), 16, 0, 30) // DST on 8 March
			}),
			scopes:  []rules.Scope{rules.DateScope(day(2026, 3, 8))},
			periods: []string{"period #0 2026-02-25..2026-03-26 cms-pfs-2026: 16 days [99453 99454]"},
		},
		{
			name: "C17 Berlin autumn: readings at 00:30 around the DST change are each on their own date (R-DAY-4)",
			req: withReq(newRequest(berlin, day(2026, 12, 1)), func(r *rules.Request) {
				r.Enrollment = day(2026, 10, 10)
				r.Readings = daily("Observation/d", berlin, day(2026, 10, 18), 16, 0, 30) // DST ends 25 October
			}),
			scopes:  []rules.Scope{rules.DateScope(day(2026, 10, 25))},
			periods: []string{"period #0 2026-10-10..2026-11-08 cms-pfs-2026: 16 days [99453 99454]"},
		},
		{
			name:     "C18 2026: a first period of 10 days gives 99445, no 99453 and a setup-2026-review finding (R-SET-3)",
			req:      withReq(dev2026, func(r *rules.Request) { r.Readings = daily("Observation/d", newYork, day(2026, 3, 1), 10, 9, 0) }),
			scopes:   march2026,
			periods:  []string{"period #0 2026-03-01..2026-03-30 cms-pfs-2026: 10 days [99445]"},
			findings: []string{"setup-2026-review: 99453 withheld: 2026 guidance on its day threshold is unsettled; 10 days in the first period."},
		},
		{
			name: "C19 device_dos last-reading: the last reading on day 27 makes 99454's DOS day 27 (R-DOS-1)",
			req: withReq(dev2025, func(r *rules.Request) {
				r.Policy.DeviceDOS = rules.DOSLastReading
				r.Readings = daily("Observation/d", newYork, day(2025, 3, 10), 18, 9, 0) // 10 March .. 27 March
			}),
			scopes:  march2025,
			periods: []string{"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 18 days [99453 99454]"},
			check: func(t *testing.T, res *rules.Result) {
				p := res.Periods[0]
				if p.DOS != day(2025, 3, 27) || p.Profile.Policy.DeviceDOS != rules.DOSLastReading {
					t.Errorf("R-DOS-1 DOS %s under %q, want 2025-03-27 under last-reading", p.DOS, p.Profile.Policy.DeviceDOS)
				}
				for _, l := range p.Lines {
					if l.DOS != day(2025, 3, 27) {
						t.Errorf("R-DOS-1 %s has DOS %s, want 2025-03-27", l.Code, l.DOS)
					}
				}
			},
		},
		{
			name: "C20 a 99091 charge in the month with 45 min and a call gives no time code (R-CON-3)",
			req: withReq(tm(2026, call("Communication/1", callAt(2026), 45*time.Minute)), func(r *rules.Request) {
				r.Charges = []rules.Charge{{Ref: "ChargeItem/91", Code: "99091", Start: day(2026, 4, 1), End: day(2026, 4, 30), Organization: "Organization/own"}}
			}),
			scopes:   april(2026),
			months:   []string{"month 2026-04 cms-pfs-2026: 45 min interactive []"},
			findings: []string{"clash-99091"},
		},
		{
			name: "C21 a profile with max_99458_units 2 and 80 min with a call gives 99457 + 99458x2, 20 min unbilled (R-PAY-1, R-TM-4)",
			req: withReq(tm(2026, call("Communication/1", callAt(2026), 80*time.Minute)), func(r *rules.Request) {
				p := rules.DefaultProfile(rules.DefaultPolicy())
				p.ID, p.Payors = "acme-commercial-2026", []rules.Payor{{Reference: "Organization/acme-health"}}
				p.Policy.Max99458Units = 2
				r.Profiles = []rules.Profile{p}
				r.Coverages = []rules.Coverage{{Ref: "Coverage/c21", Active: true, PayorRefs: []string{"Organization/acme-health"}}}
			}),
			scopes:   april(2026),
			months:   []string{"month 2026-04 cms-pfs-2026: 80 min interactive [99457 99458x2] unbilled 20 min"},
			findings: []string{"minutes-beyond-cap"},
			check: func(t *testing.T, res *rules.Result) {
				if pc := res.Months[0].Profile; pc.ID != "acme-commercial-2026" || pc.Source != "coverage" || pc.Coverage != "Coverage/c21" {
					t.Errorf("R-PAY-2 profile choice %+v, want acme-commercial-2026 through Coverage/c21", pc)
				}
			},
		},
		{
			name: "C22 require_consent on and the Consent ended before the DOS gives nothing (R-ELIG-1)",
			req: withReq(dev2025, func(r *rules.Request) {
				r.Policy.RequireConsent = true
				r.Readings = daily("Observation/d", newYork, day(2025, 3, 1), 16, 9, 0)
				r.Consents = []rules.Consent{{Ref: "Consent/c22", Active: true, RPM: true,
					Start: rules.MomentOn(day(2024, 3, 1)), End: rules.MomentOn(day(2025, 3, 29))}}
			}),
			scopes:   march2025,
			periods:  []string{"period #0 2025-03-01..2025-03-30 cms-pfs-2021: 16 days []"},
			findings: []string{"no-consent"},
			check: func(t *testing.T, res *rules.Result) {
				if c := res.Periods[0].Consent; c != rules.ConsentMissing {
					t.Errorf("R-ELIG-1 consent %q, want %q", c, rules.ConsentMissing)
				}
			},
		},
		{
			name: "C23 a profile with covered conditions and only E11.9 on file gives nothing (R-PAY-3)",
			req: withReq(dev2026, func(r *rules.Request) {
				r.Readings = daily("Observation/d", newYork, day(2026, 3, 1), 20, 9, 0)
				p := rules.DefaultProfile(rules.DefaultPolicy())
				p.ID, p.Payors = "acme-hf-2026", []rules.Payor{{System: "http://hl7.org/fhir/sid/us-npi", Value: "1234567893"}}
				p.Covered = []rules.ConditionSet{{System: icd10, Prefixes: []string{"I50", "O10", "O11", "O13", "O14", "O15", "O16"}}}
				r.Profiles = []rules.Profile{p}
				r.Coverages = []rules.Coverage{{Ref: "Coverage/c23", Active: true,
					PayorIDs: []rules.Identifier{{System: "http://hl7.org/fhir/sid/us-npi", Value: "1234567893"}}}}
				r.Conditions = []rules.Condition{{Ref: "Condition/dm", Active: true, Codes: []rules.Coding{{System: icd10, Code: "E11.9"}}}}
			}),
			scopes:   march2026,
			periods:  []string{"period #0 2026-03-01..2026-03-30 cms-pfs-2026: 20 days []"},
			findings: []string{"condition-not-covered: Profile acme-hf-2026"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}
