package generate

import "time"

// Worked cases of the payer rules (C18–C23): the 2026 set-up review, the
// date-of-service choice, the 99091 clash, payer profiles, consent and
// covered conditions. C19, C21 and C22 are Acme patients and C23 a Beacon
// patient: the oracle assumes the two example profiles of
// testdata/payer-profiles are loaded (Expected.Profiles); everyone else has
// no Coverage and is judged by medicare-ffs.

// acmeCovered gives p an active Acme Coverage (by reference, or by NPI when
// byNPI) and an RPM Consent from September to December 2026.
func acmeCovered(p *patient, byNPI bool) {
	c := coverage{payorOrg: orgAcme, start: date(2026, time.January, 1)}
	if byNPI {
		c = coverage{payorNPI: npiAcme, start: date(2026, time.January, 1)}
	}
	p.coverages = append(p.coverages, c)
	p.consents = append(p.consents, consent{start: sep26, end: date(2026, time.December, 31)})
}

func payerCases() []workedCase {
	oct31 := date(2026, time.October, 31)
	on := func(p *patient, d, h, m int) time.Time { return p.local(date(2026, time.October, d), h, m) }
	return []workedCase{
		{
			id: "wc-c18", zone: "America/New_York", enrollment: oct26, devices: []kind{bpCuff},
			build: func(p *patient) { p.routine(bpCuff, spread(oct26.AddDays(2), oct26.AddDays(26), 10)) },
			expect: ExpectedCase{Case: "C18", Rules: []string{"R-SET-3", "R-DEV-2"},
				Expectation: "2026, first period 10 days, default policy: 99445; no 99453; finding setup-2026-review.",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false),
					withFindings(period(oct26, 0, 10, line("99445", 1, oct26dl)),
						ExpectedFinding{Rule: "R-SET-3", Code: "setup-2026-review", Text: "10 days in the first period"}))}},
		},
		{
			id: "wc-c19", zone: "America/Chicago", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				acmeCovered(p, false)
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(26), 18)) // last reading 27 October
			},
			expect: ExpectedCase{Case: "C19", Rules: []string{"R-DOS-1", "R-PAY-2"},
				Expectation: "device_dos last-reading (Acme profile, chosen by Coverage); last reading of the period on day 27: 99454 with DOS = day 27.",
				Evaluations: []ExpectedEvaluation{eval(month(oct26, 0, false),
					period(sep26, 1, 18, line("99454", 1, date(2026, time.October, 27))))}},
		},
		{
			id: "wc-c20", zone: "America/Denver", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				monitored(p, 2026)
				p.call(on(p, 9, 10, 0), "PHONE", 45*60)
				p.charges = append(p.charges, charge{code: "99091", org: orgClinic,
					start: date(2026, time.October, 12), end: date(2026, time.October, 12),
					entered: time.Date(2026, time.October, 13, 15, 0, 0, 0, time.UTC)})
			},
			expect: ExpectedCase{Case: "C20", Rules: []string{"R-CON-3"},
				Expectation: "A 99091 ChargeItem in the month, 45 min with a call: no time code; finding clash-99091 (device codes unaffected: 99454).",
				Evaluations: octMonth(2026, monthFindings(month(oct26, 45, true),
					ExpectedFinding{Rule: "R-CON-3", Code: "clash-99091"}))},
		},
		{
			id: "wc-c21", zone: "America/Los_Angeles", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				acmeCovered(p, true)
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(29), 18)) // last reading 30 October
				p.call(on(p, 7, 9, 0), "PHONE", 30*60)
				p.call(on(p, 21, 14, 0), "VIDEOCONF", 50*60)
			},
			expect: ExpectedCase{Case: "C21", Rules: []string{"R-PAY-1", "R-PAY-2", "R-TM-4"},
				Expectation: "Acme profile (chosen by the payor's NPI) with max_99458_units 2; 80 min with a call: 99457 + 99458 x2, 20 min unbilled.",
				Evaluations: []ExpectedEvaluation{eval(
					withUnbilled(month(oct26, 80, true, line("99457", 1, oct31), line("99458", 2, oct31)), 20),
					period(sep26, 1, 18, line("99454", 1, oct26dl)))}},
		},
		{
			id: "wc-c22", zone: "America/New_York", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.coverages = append(p.coverages, coverage{payorOrg: orgAcme, start: date(2026, time.January, 1)})
				p.consents = append(p.consents, consent{start: date(2026, time.March, 1), end: date(2026, time.October, 15)})
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(27), 20))
				p.call(on(p, 8, 11, 0), "PHONE", 25*60)
			},
			expect: ExpectedCase{Case: "C22", Rules: []string{"R-ELIG-1"},
				Expectation: "require_consent on (Acme profile); the Consent ended on 15 October, before every DOS: nothing; finding no-consent.",
				Evaluations: []ExpectedEvaluation{eval(
					monthFindings(month(oct26, 25, true), ExpectedFinding{Rule: "R-ELIG-1", Code: "no-consent"}),
					withFindings(period(sep26, 1, 20), ExpectedFinding{Rule: "R-ELIG-1", Code: "no-consent"}))}},
		},
		{
			id: "wc-c23", zone: "America/Chicago", enrollment: sep26, devices: []kind{bpCuff},
			build: func(p *patient) {
				p.coverages = append(p.coverages, coverage{payorOrg: orgBeacon, start: date(2026, time.January, 1)})
				p.conditions = append(p.conditions, condition{icd10: "E11.9", clinical: "active", onset: date(2019, time.May, 2)})
				p.routine(bpCuff, spread(oct26.AddDays(1), oct26.AddDays(28), 20))
				p.call(on(p, 15, 10, 0), "PHONE", 22*60)
			},
			expect: ExpectedCase{Case: "C23", Rules: []string{"R-PAY-3"},
				Expectation: "Beacon profile with covered conditions (I50, O10-O16); the patient's only Condition is E11.9: nothing; finding condition-not-covered.",
				Evaluations: []ExpectedEvaluation{eval(
					monthFindings(month(oct26, 22, true), ExpectedFinding{Rule: "R-PAY-3", Code: "condition-not-covered", Text: "beacon-heart-2026"}),
					withFindings(period(sep26, 1, 20), ExpectedFinding{Rule: "R-PAY-3", Code: "condition-not-covered"}))}},
		},
	}
}

// payerProfileFiles are the example profiles the oracle assumes loaded,
// relative to the repository root.
var payerProfileFiles = []string{
	"testdata/payer-profiles/acme-commercial-2026.json",
	"testdata/payer-profiles/beacon-heart-2026.json",
}
