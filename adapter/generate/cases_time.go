package generate

import (
	"time"
)

// Worked cases about minutes of treatment management and interactive
// communication (C8–C14). Their patients also send readings on 18 dates of
// October's 30-day period, as monitored patients do, so the month has data
// (R-TM-5) and the period supports 99454 (period 1 of an episode from
// 2026-09-01: no 99453).

// monitored adds the 18 dates of readings of a time case in the period
// oct1..oct30 of year y.
func monitored(p *patient, y int) {
	first := date(y, time.October, 1)
	p.routine(bpCuff, spread(first.AddDays(1), first.AddDays(28), 18))
}

// octMonth is "evaluate --month <y>-10" of a time case: period 1 with 18
// days and 99454, and the month's expected result.
func octMonth(y int, m ExpectedMonth) []ExpectedEvaluation {
	enrolled := date(y, time.September, 1)
	return []ExpectedEvaluation{eval(m, period(enrolled, 1, 18, line("99454", 1, date(y, time.October, 30))))}
}

func timeCases() []workedCase {
	oct31 := date(2026, time.October, 31)
	on := func(p *patient, d, h, m int) time.Time { return p.local(date(2026, time.October, d), h, m) }
	jan1 := date(2026, time.January, 1)
	return []workedCase{
		{
			id: "wc-c08", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 6, 10, 0), "PHONE", 12*60)
				p.call(on(p, 14, 11, 0), "ONLINEWRIT", 15*60)
				p.call(on(p, 21, 15, 30), "ONLINEWRIT", 12*60)
			},
			expect: ExpectedCase{Case: "C8", Rules: []string{"R-TM-1", "R-TM-2", "R-TIME-5", "R-IC-4"},
				Expectation: "39 min with one phone call: 99457 only.",
				Evaluations: octMonth(2026, month(oct26, 39, true, line("99457", 1, oct31)))},
		},
		{
			id: "wc-c09", zone: "America/Chicago", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 8, 14, 0), "PHONE", 40*60)
			},
			expect: ExpectedCase{Case: "C9", Rules: []string{"R-TM-1", "R-TM-2"},
				Expectation: "40 min with one phone call: 99457 + 99458 x1.",
				Evaluations: octMonth(2026, month(oct26, 40, true, line("99457", 1, oct31), line("99458", 1, oct31)))},
		},
		{
			id: "wc-c10", zone: "America/Los_Angeles", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 5, 9, 30), "PHONE", 25*60)
				for _, d := range []int{12, 19, 26} { // data review notes
					p.call(on(p, d, 13, 0), "WRITTEN", 25*60)
				}
			},
			expect: ExpectedCase{Case: "C10", Rules: []string{"R-TM-1", "R-TM-4", "R-IC-4"},
				Expectation: "100 min with one call: 99457 + 99458 x3, 20 min reported unbilled.",
				Evaluations: octMonth(2026, monthFindings(
					withUnbilled(month(oct26, 100, true, line("99457", 1, oct31), line("99458", 3, oct31)), 20),
					ExpectedFinding{Rule: "R-TM-4"}))},
		},
		{
			id: "wc-c11a", zone: "America/New_York", enrollment: date(2025, time.September, 1), devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2025)
				p.call(p.local(date(2025, time.October, 15), 10, 0), "PHONE", 19*60)
			},
			expect: ExpectedCase{Case: "C11", Rules: []string{"R-TM-1", "R-DOS-3"},
				Expectation: "2025: 19 min + call: nothing.",
				Evaluations: octMonth(2025, month(oct25, 19, true))},
		},
		{
			id: "wc-c11b", zone: "America/Chicago", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 7, 10, 0), "PHONE", 11*60)
				p.call(on(p, 16, 16, 0), "WRITTEN", 8*60)
			},
			expect: ExpectedCase{Case: "C11", Rules: []string{"R-TM-2", "R-DOS-3"},
				Expectation: "2026: 19 min + call: 99470.",
				Evaluations: octMonth(2026, month(oct26, 19, true, line("99470", 1, oct31)))},
		},
		{
			id: "wc-c11c", zone: "America/Denver", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 9, 11, 15), "PHONE", 9*60)
			},
			expect: ExpectedCase{Case: "C11", Rules: []string{"R-TM-2"},
				Expectation: "2026: 9 min + call: nothing.",
				Evaluations: octMonth(2026, month(oct26, 9, true))},
		},
		{
			id: "wc-c12", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 7, 9, 0), "ONLINEWRIT", 15*60)
				p.call(on(p, 20, 14, 0), "EMAILWRIT", 10*60)
			},
			expect: ExpectedCase{Case: "C12", Rules: []string{"R-IC-3", "R-TIME-1"},
				Expectation: "25 min, only portal messages and e-mail: nothing, no interactive communication.",
				Evaluations: octMonth(2026, monthFindings(month(oct26, 25, false),
					ExpectedFinding{Text: "no interactive communication"}))},
		},
		{
			id: "wc-c13", zone: "America/Los_Angeles", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 9, 9, 0), "PHONE", 15*60).sender = 0
				p.call(on(p, 9, 9, 0), "PHONE", 15*60).sender = 1 // a second nurse on the same call
			},
			expect: ExpectedCase{Case: "C13", Rules: []string{"R-TIME-4", "R-TM-2"},
				Expectation: "Two staff on the same 15-minute call: 15 minutes (-> 99470 under cms-pfs-2026).",
				Evaluations: octMonth(2026, month(oct26, 15, true, line("99470", 1, oct31)))},
		},
		{
			id: "wc-c14", zone: "America/Los_Angeles", enrollment: jan1, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, spread(jan1, date(2026, time.January, 30), 16))
				p.routine(bpCuff, spread(date(2026, time.February, 2), date(2026, time.February, 27), 8))
				// 23:50–00:10 local across Jan 31 / Feb 1, written in UTC
				// (07:50Z on Feb 1).
				p.call(p.local(date(2026, time.January, 31), 23, 50), "PHONE", 20*60).utc = true
			},
			expect: ExpectedCase{Case: "C14", Rules: []string{"R-TIME-3", "R-IC-4", "R-TM-2"},
				Expectation: "A call 23:50-00:10 across Jan 31 / Feb 1 local: 10 min in each month. January has the " +
					"interactive call (it starts there) -> 99470; February has 10 min and no interactive communication -> nothing. " +
					"Period 0 (Jan 1-30, 16 days) -> 99453 + 99454; no period ends in February.",
				Evaluations: []ExpectedEvaluation{
					eval(month(jan1, 10, true, line("99470", 1, date(2026, time.January, 31))),
						period(jan1, 0, 16, line("99453", 1, date(2026, time.January, 30)), line("99454", 1, date(2026, time.January, 30)))),
					eval(month(date(2026, time.February, 1), 10, false)),
				}},
		},
	}
}

func withUnbilled(m ExpectedMonth, minutes int) ExpectedMonth {
	m.UnbilledMinutes = minutes
	return m
}
