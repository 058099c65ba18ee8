package generate

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Worked cases about days with data and 30-day periods (C1–C7, C15–C17).

func deviceCases() []workedCase {
	oct25dl := date(2025, time.October, 30)
	jan15 := date(2026, time.January, 15)
	oct3 := date(2026, time.October, 3)
	return []workedCase{
		{
			id: "wc-c01", zone: "America/New_York", enrollment: oct25, devices: []kind{bpCuff},
			build: func(p *patient) {
				// 16 dates of period 0 (Oct 1–30, 2025), several readings on some.
				p.routine(bpCuff, append(run(oct25, 2), spread(oct25.AddDays(3), oct25dl, 14)...))
			},
			expect: ExpectedCase{Case: "C1", Rules: []string{"R-DEV-1", "R-SET-2", "R-DAY-2", "R-DOS-3"},
				Expectation: "2025 DOS, readings on exactly 16 local dates in period 1: 99454; 99453 (first period).",
				Evaluations: []ExpectedEvaluation{eval(month(oct25, 0, false),
					period(oct25, 0, 16, line("99453", 1, oct25dl), line("99454", 1, oct25dl)))}},
		},
		{
			id: "wc-c02", zone: "America/Chicago", enrollment: oct25, devices: []kind{bpCuff},
			build: func(p *patient) { p.routine(bpCuff, spread(oct25, oct25.AddDays(28), 15)) },
			expect: ExpectedCase{Case: "C2", Rules: []string{"R-DEV-1"},
				Expectation: "2025 DOS, 15 dates: no device code, finding \"15 of 16 days\".",
				Evaluations: []ExpectedEvaluation{eval(month(oct25, 0, false),
					withFindings(period(oct25, 0, 15), ExpectedFinding{Rule: "R-DEV-1", Text: "15 of 16 days"}))}},
		},
		{
			id: "wc-c03", zone: "America/Denver", enrollment: oct26, devices: []kind{bpCuff},
			build: func(p *patient) { p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(29), 15)) },
			expect: ExpectedCase{Case: "C3", Rules: []string{"R-DEV-2", "R-SET-2", "R-SET-3"},
				Expectation: "2026 DOS, 15 dates: 99445 (no 99453 under the default policy; withheld for review, R-SET-3).",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false),
					withFindings(period(oct26, 0, 15, line("99445", 1, oct26dl)), ExpectedFinding{Rule: "R-SET-3", Code: "setup-2026-review"}))}},
		},
		{
			id: "wc-c04", zone: "America/Los_Angeles", enrollment: oct26, devices: []kind{bpCuff},
			build: func(p *patient) {
				d := date(2026, time.October, 12)
				for i := range 12 { // 12 readings, 06:10 to 22:40, on one date
					p.read(bpCuff, p.local(d, 6+i*3/2, 10+i%2*30))
				}
			},
			expect: ExpectedCase{Case: "C4", Rules: []string{"R-DEV-2", "R-DAY-2"},
				Expectation: "2026 DOS, 1 date with 12 readings: nothing.",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false), period(oct26, 0, 1))}},
		},
		{
			id: "wc-c05", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff, scale},
			build: func(p *patient) {
				p.routine(bpCuff, run(oct26, 8))           // days 1–8
				p.routine(scale, run(oct26.AddDays(8), 8)) // days 9–16
			},
			expect: ExpectedCase{Case: "C5", Rules: []string{"R-DAY-3", "R-DEV-2"},
				Expectation: "BP days 1-8, scale days 9-16: 16 days -> 99454 (period 1 of an episode from 2026-09-01, so no 99453).",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false),
					period(sep26, 1, 16, line("99454", 1, oct26dl)))}},
		},
		{
			id: "wc-c06", zone: "America/Chicago", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, run(oct26, 15))
				// 23:30 CDT on the period's last day is 04:30 the next day in
				// UTC; the gateway writes it in UTC.
				p.read(bpCuff, p.local(oct26dl, 23, 30)).utc = true
			},
			expect: ExpectedCase{Case: "C6", Rules: []string{"R-DAY-4"},
				Expectation: "Reading 23:30 local on the period's last day, which is the next day in UTC: counts in this period (16 days -> 99454).",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false),
					period(sep26, 1, 16, line("99454", 1, oct26dl)))}},
		},
		{
			id: "wc-c07", zone: "America/Denver", enrollment: sep26, devices: []kind{bpCuff, scale},
			build: func(p *patient) {
				p.routine(bpCuff, run(oct26, 13))
				for _, d := range run(oct26.AddDays(13), 3) { // typed in by the patient
					p.read(scale, p.local(d, 8, 5)).device = false
				}
			},
			expect: ExpectedCase{Case: "C7", Rules: []string{"R-DAY-1", "R-DEV-2"},
				Expectation: "16 dates, 3 of them only from readings without a device: 13 days (-> 99445 under cms-pfs-2026).",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false),
					period(sep26, 1, 13, line("99445", 1, oct26dl)))}},
		},
		{
			id: "wc-c15", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.routine(bpCuff, run(oct26, 15))
				p.read(bpCuff, p.local(date(2026, time.October, 20), 7, 40)).status = "entered-in-error"
			},
			expect: ExpectedCase{Case: "C15", Rules: []string{"R-DAY-1", "R-DEV-2"},
				Expectation: "Observation entered-in-error on one of 16 days: 15 days (-> 99445 under cms-pfs-2026).",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false),
					period(sep26, 1, 15, line("99445", 1, oct26dl)))}},
		},
		{
			id: "wc-c16", zone: "America/Chicago", enrollment: jan15, devices: []kind{bpCuff},
			build: func(p *patient) {
				feb13, feb14 := date(2026, time.February, 13), date(2026, time.February, 14)
				p.routine(bpCuff, spread(jan15, feb13.AddDays(-1), 17))
				p.at(bpCuff, []rules.Date{feb13}, 21, 0) // last day of period 1
				p.at(bpCuff, []rules.Date{feb14}, 0, 30) // first day of period 2
				p.routine(bpCuff, spread(date(2026, time.February, 20), date(2026, time.March, 15), 5))
			},
			expect: ExpectedCase{Case: "C16", Rules: []string{"R-PER-2", "R-SET-1", "R-DEV-2", "R-DOS-1"},
				Expectation: "Episode from Jan 15: period 1 is Jan 15-Feb 13 (18 days -> 99453 + 99454, DOS Feb 13), " +
					"period 2 starts Feb 14 (Feb 14-Mar 15, 6 days -> 99445, DOS Mar 15).",
				Evaluations: []ExpectedEvaluation{
					eval(month(date(2026, time.February, 1), 0, false),
						period(jan15, 0, 18, line("99453", 1, date(2026, time.February, 13)), line("99454", 1, date(2026, time.February, 13)))),
					eval(month(date(2026, time.March, 1), 0, false),
						period(jan15, 1, 6, line("99445", 1, date(2026, time.March, 15)))),
				}},
		},
		{
			id: "wc-c17", zone: "America/New_York", enrollment: oct3, devices: []kind{bpCuff},
			build: func(p *patient) {
				// Daylight saving time ends 2026-11-01 02:00 in New York.
				p.at(bpCuff, run(date(2026, time.October, 17), 15), 0, 30) // 00:30 EDT, -04:00
				// 23:30 EST on Nov 1 is 04:30Z on Nov 2: still Nov 1, the
				// last day of period 0; written in UTC.
				p.read(bpCuff, p.local(date(2026, time.November, 1), 23, 30)).utc = true
				p.at(bpCuff, run(date(2026, time.November, 2), 11), 0, 30) // 00:30 EST, -05:00
			},
			expect: ExpectedCase{Case: "C17", Rules: []string{"R-DAY-4"},
				Expectation: "DST: readings at 00:30 local on the days around a change are each on their own local date; " +
					"Oct 17-31 and Nov 1 (23:30 EST) are 16 days of period 0 (Oct 3-Nov 1) -> 99453 + 99454.",
				Evaluations: []ExpectedEvaluation{eval(month(date(2026, time.November, 1), 0, false),
					period(oct3, 0, 16, line("99453", 1, date(2026, time.November, 1)), line("99454", 1, date(2026, time.November, 1))))}},
		},
	}
}
