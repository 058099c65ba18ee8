package generate

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Edge patients beyond the worked cases: conflicts (R-PER-4, R-CON-1), the
// time zone (R-DAY-4), other programs' time (R-CON-2), durations (R-TIME-2,
// R-TIME-5), in-person interaction (R-IC-2) and readings that do not count
// (R-DAY-1). All in October 2026, enrolled 2026-09-01 (period 1).

func edgeCases() []workedCase {
	oct31 := date(2026, time.October, 31)
	on := func(p *patient, d, h, m int) time.Time { return p.local(date(2026, time.October, d), h, m) }
	return []workedCase{
		{
			id: "edge-other-practitioner", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26, oct26dl, 20))
				p.call(on(p, 13, 10, 0), "PHONE", 22*60)
				p.charges = append(p.charges, charge{code: "99454", org: orgOther,
					start: date(2026, time.September, 20), end: date(2026, time.October, 19),
					entered: time.Date(2026, time.October, 20, 14, 0, 0, 0, time.UTC)})
			},
			expect: ExpectedCase{Case: "R-PER-4", Rules: []string{"R-PER-4", "R-TM-5"},
				Expectation: "20 days, but another organization holds 99454 for an overlapping period (Sep 20-Oct 19): " +
					"no device code, finding other-practitioner. Time codes are not affected: 22 min + call -> 99457.",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 22, true, line("99457", 1, oct31)),
					withFindings(period(sep26, 1, 20), ExpectedFinding{Rule: "R-PER-4", Code: "other-practitioner"}))}},
		},
		{
			id: "edge-rtm-overlap", zone: "America/Chicago", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26, oct26dl, 20))
				p.call(on(p, 14, 10, 0), "PHONE", 25*60)
				p.charges = append(p.charges, charge{code: "98977", org: orgClinic,
					start: date(2026, time.October, 5), end: date(2026, time.November, 3),
					entered: time.Date(2026, time.November, 4, 15, 0, 0, 0, time.UTC)})
			},
			expect: ExpectedCase{Case: "R-CON-1", Rules: []string{"R-CON-1"},
				Expectation: "An RTM ChargeItem (98977, Oct 5-Nov 3) overlaps: no RPM code at all, finding rtm-overlap " +
					"(20 days and 25 min + call would otherwise give 99454 and 99457).",
				Evaluations: []ExpectedEvaluation{eval(
					monthFindings(month(oct26, 25, true), ExpectedFinding{Rule: "R-CON-1", Code: "rtm-overlap"}),
					withFindings(period(sep26, 1, 20), ExpectedFinding{Rule: "R-CON-1", Code: "rtm-overlap"}))}},
		},
		{
			id: "edge-no-timezone", zone: "America/New_York", place: zoneNowhere, enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26, oct26dl, 20))
				p.call(on(p, 15, 10, 0), "PHONE", 20*60)
			},
			expect: ExpectedCase{Case: "R-DAY-4", Rules: []string{"R-DAY-4"},
				Expectation: "No time zone on the Patient or its address and none in the request: not evaluated, " +
					"\"no time zone\"; nothing is guessed and UTC is never a fallback (unless the deployment configures a default zone).",
				Evaluations: []ExpectedEvaluation{{Month: "2026-10", AsOf: "2026-11-01", NotEvaluated: "no time zone"}}},
		},
		{
			id: "edge-address-timezone", zone: "America/Denver", place: zoneOnAddress, enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				// 22:30 MDT is 04:30Z the next day; written in UTC.
				for _, d := range run(date(2026, time.October, 15), 16) {
					p.read(bpCuff, p.local(d, 22, 30)).utc = true
				}
			},
			expect: ExpectedCase{Case: "R-DAY-4", Rules: []string{"R-DAY-4", "R-DEV-2"},
				Expectation: "Time zone only on the home address: readings at 22:30 local on Oct 15-30 are 16 days of " +
					"period 1 (in UTC they would fall on Oct 16-31) -> 99454.",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false), period(sep26, 1, 16, line("99454", 1, oct26dl)))}},
		},
		{
			id: "edge-ccm-time", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(28), 18))
				p.call(on(p, 5, 10, 0), "PHONE", 30*60).program = "ccm"
				p.call(on(p, 19, 11, 0), "PHONE", 12*60)
			},
			expect: ExpectedCase{Case: "R-CON-2", Rules: []string{"R-CON-2", "R-TIME-1", "R-TM-2"},
				Expectation: "30 min tagged CCM and 12 min of RPM with a call: only the 12 RPM minutes count -> 99470.",
				Evaluations: octMonth(2026, monthFindings(month(oct26, 12, true, line("99470", 1, oct31)),
					ExpectedFinding{Rule: "R-CON-2"}))},
		},
		{
			id: "edge-no-duration", zone: "America/Los_Angeles", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(28), 18))
				p.call(on(p, 6, 10, 0), "PHONE", 14*60)
				p.call(on(p, 15, 13, 0), "WRITTEN", 8*60)
				p.call(on(p, 22, 10, 0), "PHONE", 0).dur = durNone
			},
			expect: ExpectedCase{Case: "R-TIME-2", Rules: []string{"R-TIME-2", "R-TM-1"},
				Expectation: "A call with no duration (no extension, no Encounter) counts zero minutes and is reported; " +
					"14 + 8 min with a call -> 22 min -> 99457.",
				Evaluations: octMonth(2026, monthFindings(month(oct26, 22, true, line("99457", 1, oct31)),
					ExpectedFinding{Rule: "R-TIME-2"}))},
		},
		{
			id: "edge-encounter-duration", zone: "America/Denver", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(28), 18))
				p.call(on(p, 8, 10, 0), "VIDEOCONF", 14*60).dur = durEncPeriod
				p.call(on(p, 16, 15, 0), "WRITTEN", 9*60).dur = durEncLength
			},
			expect: ExpectedCase{Case: "R-TIME-2", Rules: []string{"R-TIME-2", "R-IC-1", "R-TM-1"},
				Expectation: "Durations from the referenced Encounters: a video call with period 10:00-10:14 and a review " +
					"with length 9 min -> 23 min with an interactive call -> 99457.",
				Evaluations: octMonth(2026, month(oct26, 23, true, line("99457", 1, oct31)))},
		},
		{
			id: "edge-seconds", zone: "America/Chicago", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(28), 18))
				p.call(on(p, 9, 10, 0), "PHONE", 19*60+59).dur = durExtSec
			},
			expect: ExpectedCase{Case: "R-TIME-5", Rules: []string{"R-TIME-5", "R-TIME-2", "R-TM-2"},
				Expectation: "A call of 1199 s (19 min 59 s, UCUM s): 19 minutes, never rounded up -> 99470.",
				Evaluations: octMonth(2026, month(oct26, 19, true, line("99470", 1, oct31)))},
		},
		{
			id: "edge-in-person", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(28), 18))
				p.call(on(p, 12, 14, 0), "FACE", 21*60)
			},
			expect: ExpectedCase{Case: "R-IC-2", Rules: []string{"R-IC-2", "R-TM-1"},
				Expectation: "21 min in person (FACE): interactive under the default policy in_person_interactive -> 99457.",
				Evaluations: octMonth(2026, month(oct26, 21, true, line("99457", 1, oct31)))},
		},
		{
			id: "edge-data-quality", zone: "Europe/Berlin", enrollment: sep26, devices: []kind{bpCuff, oximeter},
			build: func(p *patient) {
				dataQuality(p)
			},
			expect: ExpectedCase{Case: "R-DAY-1", Rules: []string{"R-DAY-1", "R-DAY-5", "R-TIME-1", "R-TM-2"},
				Expectation: "15 qualifying dates (final, amended, corrected, PHD category without a Device reference, " +
					"a re-sent duplicate) and one date each with only a preliminary, a test (HTEST), a data-absent, " +
					"a self-reported and an entered-in-error reading: 15 days -> 99445. An in-progress 25-min call " +
					"does not count; 10 min + call -> 99470.",
				Evaluations: []ExpectedEvaluation{eval(
					monthFindings(month(oct26, 10, true, line("99470", 1, oct31)), ExpectedFinding{Rule: "R-TIME-1"}),
					withFindings(period(sep26, 1, 15, line("99445", 1, oct26dl)), ExpectedFinding{Rule: "R-DAY-1"}))}},
		},
	}
}

// dataQuality plans edge-data-quality: readings that count in every way
// R-DAY-1 allows, and one date for each way a reading does not count.
func dataQuality(p *patient) {
	d := func(n int) rules.Date { return date(2026, time.October, n) }
	p.routine(bpCuff, run(d(1), 10)) // final, Oct 1–10
	// The same measurement re-sent on Oct 5 (R-DAY-5): still one day.
	dup := *p.read(bpCuff, p.local(d(5), 12, 0))
	p.readings = append(p.readings, dup)
	p.read(bpCuff, p.local(d(11), 8, 0)).status = "amended"
	p.read(bpCuff, p.local(d(12), 8, 0)).status = "corrected"
	for _, n := range []int{13, 14, 15} {
		// PHD category, no Observation.device; 00:30 CEST is the previous
		// day in UTC.
		rd := p.read(oximeter, p.local(d(n), 0, 30))
		rd.device, rd.phd = false, true
	}
	p.read(bpCuff, p.local(d(20), 8, 0)).status = "preliminary"
	p.read(bpCuff, p.local(d(22), 8, 0)).test = true
	p.read(bpCuff, p.local(d(24), 8, 0)).absent = true
	p.read(bpCuff, p.local(d(26), 8, 0)).device = false // self-reported
	p.read(bpCuff, p.local(d(28), 8, 0)).status = "entered-in-error"

	c := p.call(p.local(d(7), 10, 0), "PHONE", 25*60)
	c.status = "in-progress"
	p.call(p.local(d(21), 10, 0), "PHONE", 10*60)
}
