package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

const icd10 = "http://hl7.org/fhir/sid/icd-10-cm"

// devicePeriod is a 2026 New York patient enrolled on 1 March with readings
// on the first n dates of the period (closed: as of 15 April).
func devicePeriod(n int) rules.Request {
	return withReq(newRequest(newYork, day(2026, 4, 15)), func(r *rules.Request) {
		r.Enrollment = day(2026, 3, 1)
		r.Readings = daily("Observation/d", newYork, day(2026, 3, 1), n, 9, 0)
	})
}

// acme is a profile chosen by a Coverage naming Organization/acme-health.
func acme(id string, fn func(*rules.Profile)) rules.Profile {
	p := rules.DefaultProfile(rules.DefaultPolicy())
	p.ID, p.Name = id, "Acme "+id
	p.Payors = []rules.Payor{{Reference: "Organization/acme-health"}}
	if fn != nil {
		fn(&p)
	}
	return p
}

var acmeCoverage = rules.Coverage{Ref: "Coverage/acme", Active: true, PayorRefs: []string{"Organization/acme-health"}}

func periodOf(t *testing.T, req rules.Request) rules.PeriodResult {
	t.Helper()
	res := evaluate(t, req, rules.DateScope(day(2026, 3, 10)))
	if len(res.Periods) != 1 {
		t.Fatalf("want one period, got %d", len(res.Periods))
	}
	return res.Periods[0]
}

func TestR_SET_3_Setup2026Review(t *testing.T) {
	tests := []struct {
		name     string
		days     int
		setupMin int
		want     string
		review   bool
	}{
		{name: "R-SET-3 1 day gives nothing and no review", days: 1, setupMin: 16, want: ""},
		{name: "R-SET-3 2 days withhold 99453 for review", days: 2, setupMin: 16, want: "99445", review: true},
		{name: "R-SET-3 15 days withhold 99453 for review", days: 15, setupMin: 16, want: "99445", review: true},
		{name: "R-SET-3 16 days give 99453 without review", days: 16, setupMin: 16, want: "99453 99454"},
		{name: "R-SET-3 a confirmed lower threshold of 10 gives 99453 at 10 days", days: 10, setupMin: 10, want: "99453 99445"},
		{name: "R-SET-3 9 days under a threshold of 10 are withheld for review", days: 9, setupMin: 10, want: "99445", review: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := devicePeriod(tc.days)
			req.Policy.SetupMinDays2026 = tc.setupMin
			p := periodOf(t, req)
			if got := codes(p.Lines); got != tc.want {
				t.Errorf("codes %q, want %q", got, tc.want)
			}
			if got := contains(findingCodes(p.Findings), "setup-2026-review"); got != tc.review {
				t.Errorf("setup-2026-review present %t, want %t; findings %v", got, tc.review, findingCodes(p.Findings))
			}
		})
	}
	t.Run("R-SET-3 does not apply to cms-pfs-2021", func(t *testing.T) {
		req := withReq(newRequest(newYork, day(2025, 4, 15)), func(r *rules.Request) {
			r.Enrollment = day(2025, 3, 1)
			r.Readings = daily("Observation/d", newYork, day(2025, 3, 1), 10, 9, 0)
		})
		p := evaluate(t, req, rules.DateScope(day(2025, 3, 10))).Periods[0]
		if contains(findingCodes(p.Findings), "setup-2026-review") {
			t.Errorf("2025 period has setup-2026-review: %v", findingCodes(p.Findings))
		}
	})
}

func TestR_DOS_1_DeviceDOSLastReading(t *testing.T) {
	tests := []struct {
		name  string
		dates []rules.Date
		want  rules.Date
	}{
		{name: "R-DOS-1 last-reading on the period's first day", dates: []rules.Date{day(2026, 3, 1), day(2026, 3, 1)}, want: day(2026, 3, 1)},
		{name: "R-DOS-1 last-reading on the period's last day", dates: []rules.Date{day(2026, 3, 2), day(2026, 3, 30)}, want: day(2026, 3, 30)},
		{name: "R-DOS-1 last-reading in the middle", dates: []rules.Date{day(2026, 3, 5), day(2026, 3, 14)}, want: day(2026, 3, 14)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := devicePeriod(0)
			req.Policy.DeviceDOS = rules.DOSLastReading
			for i, d := range tc.dates {
				req.Readings = append(req.Readings, reading("Observation/x"+string(rune('a'+i)), at(d, 8, 0, newYork)))
			}
			p := periodOf(t, req)
			if p.DOS != tc.want {
				t.Errorf("DOS %s, want %s", p.DOS, tc.want)
			}
			for _, l := range p.Lines {
				if l.DOS != tc.want {
					t.Errorf("line %s DOS %s, want %s", l.Code, l.DOS, tc.want)
				}
			}
		})
	}
	t.Run("R-DOS-1 period-end keeps the period's last day", func(t *testing.T) {
		if p := periodOf(t, devicePeriod(16)); p.DOS != day(2026, 3, 30) || p.Lines[0].DOS != day(2026, 3, 30) {
			t.Errorf("DOS %s, want 2026-03-30", p.DOS)
		}
	})
	t.Run("R-DOS-1 the period stays anchored under last-reading", func(t *testing.T) {
		req := devicePeriod(16)
		req.Policy.DeviceDOS = rules.DOSLastReading
		p := periodOf(t, req)
		if p.Window.Start != day(2026, 3, 1) || p.Window.End != day(2026, 3, 30) || p.DOS != day(2026, 3, 16) {
			t.Errorf("window %s..%s DOS %s", p.Window.Start, p.Window.End, p.DOS)
		}
	})
}

func TestR_CON_3_99091Clash(t *testing.T) {
	month := func(charge rules.Charge) rules.MonthResult {
		req := withReq(newRequest(newYork, day(2026, 5, 10)), func(r *rules.Request) {
			r.Readings = []rules.Reading{reading("Observation/r", at(day(2026, 4, 2), 8, 0, newYork))}
			r.Interactions = []rules.Interaction{call("Communication/1", at(day(2026, 4, 10), 10, 0, newYork), 45*time.Minute)}
			r.Charges = []rules.Charge{charge}
		})
		return evaluate(t, req, rules.MonthScope(2026, time.April)).Months[0]
	}
	tests := []struct {
		name   string
		charge rules.Charge
		want   string
		clash  bool
	}{
		{name: "R-CON-3 a 99091 on the month's last day clashes", charge: rules.Charge{Code: "99091", Start: day(2026, 4, 30), End: day(2026, 4, 30)}, clash: true},
		{name: "R-CON-3 a 99091 of another organization clashes too", charge: rules.Charge{Code: "99091", Start: day(2026, 4, 3), End: day(2026, 4, 3), Organization: "Organization/other"}, clash: true},
		{name: "R-CON-3 a 99091 in the month before does not clash", charge: rules.Charge{Code: "99091", Start: day(2026, 3, 1), End: day(2026, 3, 31)}, want: "99457 99458"},
		{name: "R-CON-3 a 99091 on the next month's first day does not clash", charge: rules.Charge{Code: "99091", Start: day(2026, 5, 1), End: day(2026, 5, 1)}, want: "99457 99458"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := month(tc.charge)
			if got := codes(m.Lines); got != tc.want {
				t.Errorf("codes %q, want %q", got, tc.want)
			}
			if got := contains(findingCodes(m.Findings), "clash-99091"); got != tc.clash {
				t.Errorf("clash-99091 %t, want %t", got, tc.clash)
			}
		})
	}
	t.Run("R-CON-3 device codes are unaffected by a 99091", func(t *testing.T) {
		req := devicePeriod(16)
		req.Charges = []rules.Charge{{Code: "99091", Start: day(2026, 3, 1), End: day(2026, 3, 31)}}
		if p := periodOf(t, req); codes(p.Lines) != "99453 99454" {
			t.Errorf("codes %q", codes(p.Lines))
		}
	})
}

func TestR_ELIG_1_Consent(t *testing.T) {
	consent := func(fn func(*rules.Consent)) rules.Consent {
		c := rules.Consent{Ref: "Consent/1", Active: true, RPM: true, Start: rules.MomentOn(day(2026, 1, 1)), End: rules.NoMoment}
		fn(&c)
		return c
	}
	dos := day(2026, 3, 30)
	tests := []struct {
		name     string
		require  bool
		consents []rules.Consent
		want     string
		state    string
	}{
		{name: "R-ELIG-1 policy off: consent not checked", require: false, want: "99453 99454", state: rules.ConsentNotChecked},
		{name: "R-ELIG-1 no consent at all withholds every code", require: true, want: "", state: rules.ConsentMissing},
		{name: "R-ELIG-1 a consent ending the day before the DOS does not cover it", require: true, want: "", state: rules.ConsentMissing,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.End = rules.MomentOn(dos.AddDays(-1)) })}},
		{name: "R-ELIG-1 a consent ending on the DOS covers it", require: true, want: "99453 99454", state: rules.ConsentOnFile,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.End = rules.MomentOn(dos) })}},
		{name: "R-ELIG-1 a consent ending at an instant on the DOS covers it", require: true, want: "99453 99454", state: rules.ConsentOnFile,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.End = rules.MomentAt(at(dos, 23, 0, newYork)) })}},
		{name: "R-ELIG-1 a consent starting after the DOS does not cover it", require: true, want: "", state: rules.ConsentMissing,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.Start = rules.MomentOn(dos.AddDays(1)) })}},
		{name: "R-ELIG-1 a deny provision never counts", require: true, want: "", state: rules.ConsentMissing,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.Deny = true })}},
		{name: "R-ELIG-1 an inactive consent never counts", require: true, want: "", state: rules.ConsentMissing,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.Active = false })}},
		{name: "R-ELIG-1 a consent for another program never counts", require: true, want: "", state: rules.ConsentMissing,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.RPM = false })}},
		{name: "R-ELIG-1 without a period the dateTime counts from that date on", require: true, want: "99453 99454", state: rules.ConsentOnFile,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.Start, c.DateTime = rules.NoMoment, rules.MomentOn(day(2026, 2, 1)) })}},
		{name: "R-ELIG-1 a dateTime after the DOS does not cover it", require: true, want: "", state: rules.ConsentMissing,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.Start, c.DateTime = rules.NoMoment, rules.MomentOn(dos.AddDays(1)) })}},
		{name: "R-ELIG-1 neither period nor dateTime covers nothing", require: true, want: "", state: rules.ConsentMissing,
			consents: []rules.Consent{consent(func(c *rules.Consent) { c.Start = rules.NoMoment })}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := devicePeriod(16)
			req.Policy.RequireConsent = tc.require
			req.Consents = tc.consents
			p := periodOf(t, req)
			if got := codes(p.Lines); got != tc.want {
				t.Errorf("codes %q, want %q", got, tc.want)
			}
			if p.Consent != tc.state {
				t.Errorf("consent %q, want %q", p.Consent, tc.state)
			}
			if got := contains(findingCodes(p.Findings), "no-consent"); got != (tc.state == rules.ConsentMissing) {
				t.Errorf("no-consent %t; findings %v", got, findingCodes(p.Findings))
			}
		})
	}
	t.Run("R-ELIG-1 under last-reading the consent must cover the moved DOS", func(t *testing.T) {
		req := devicePeriod(16) // last reading 16 March
		req.Policy.RequireConsent = true
		req.Policy.DeviceDOS = rules.DOSLastReading
		req.Consents = []rules.Consent{consent(func(c *rules.Consent) { c.End = rules.MomentOn(day(2026, 3, 20)) })}
		if p := periodOf(t, req); codes(p.Lines) != "99453 99454" || p.Consent != rules.ConsentOnFile {
			t.Errorf("codes %q consent %q", codes(p.Lines), p.Consent)
		}
	})
}

func TestR_PAY_3_CoveredConditions(t *testing.T) {
	dos := day(2026, 3, 30)
	hf := func(fn func(*rules.Condition)) rules.Condition {
		c := rules.Condition{Ref: "Condition/hf", Active: true, Codes: []rules.Coding{{System: icd10, Code: "I50.22"}}}
		fn(&c)
		return c
	}
	tests := []struct {
		name       string
		conditions []rules.Condition
		want       string
	}{
		{name: "R-PAY-3 I50 matches I50.22", want: "99453 99454", conditions: []rules.Condition{hf(func(*rules.Condition) {})}},
		{name: "R-PAY-3 no condition at all", want: ""},
		{name: "R-PAY-3 a refuted condition does not count", want: "", conditions: []rules.Condition{hf(func(c *rules.Condition) { c.Refuted = true })}},
		{name: "R-PAY-3 an inactive condition does not count", want: "", conditions: []rules.Condition{hf(func(c *rules.Condition) { c.Active = false })}},
		{name: "R-PAY-3 onset after the DOS does not count", want: "", conditions: []rules.Condition{hf(func(c *rules.Condition) { c.Onset = rules.MomentOn(dos.AddDays(1)) })}},
		{name: "R-PAY-3 onset on the DOS counts", want: "99453 99454", conditions: []rules.Condition{hf(func(c *rules.Condition) { c.Onset = rules.MomentOn(dos) })}},
		{name: "R-PAY-3 the code must be in the listed system", want: "", conditions: []rules.Condition{hf(func(c *rules.Condition) { c.Codes[0].System = "http://snomed.info/sct" })}},
		{name: "R-PAY-3 a prefix is a prefix, not a substring", want: "", conditions: []rules.Condition{hf(func(c *rules.Condition) { c.Codes[0].Code = "X.I50" })}},
		{name: "R-PAY-3 any listed prefix counts (O13)", want: "99453 99454", conditions: []rules.Condition{hf(func(c *rules.Condition) { c.Codes[0].Code = "O13.1" })}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := devicePeriod(16)
			req.Profiles = []rules.Profile{acme("acme-hf", func(p *rules.Profile) {
				p.Covered = []rules.ConditionSet{{System: icd10, Prefixes: []string{"I50", "O10", "O11", "O13"}}}
			})}
			req.Coverages = []rules.Coverage{acmeCoverage}
			req.Conditions = tc.conditions
			p := periodOf(t, req)
			if got := codes(p.Lines); got != tc.want {
				t.Errorf("codes %q, want %q", got, tc.want)
			}
			if got := contains(findingCodes(p.Findings), "condition-not-covered"); got != (tc.want == "") {
				t.Errorf("condition-not-covered %t; findings %v", got, findingCodes(p.Findings))
			}
		})
	}
}

func TestR_PAY_2_ProfileChoice(t *testing.T) {
	run := func(req rules.Request) rules.PeriodResult { return periodOf(t, req) }
	t.Run("R-PAY-2 no coverage: the default profile with the deployment's policy", func(t *testing.T) {
		req := devicePeriod(16)
		req.Policy.Max99458Units = 1
		req.Profiles = []rules.Profile{acme("acme", nil)}
		p := run(req)
		if p.Profile.ID != rules.MedicareFFS || p.Profile.Source != "default" || p.Profile.Policy.Max99458Units != 1 {
			t.Errorf("choice %+v", p.Profile)
		}
	})
	t.Run("R-PAY-2 an active coverage naming the payor selects its profile and its own values", func(t *testing.T) {
		req := devicePeriod(16)
		req.Policy.Max99458Units = 1
		req.Profiles = []rules.Profile{acme("acme", func(p *rules.Profile) { p.Policy.DeviceDOS = rules.DOSLastReading })}
		req.Coverages = []rules.Coverage{acmeCoverage}
		p := run(req)
		if p.Profile.ID != "acme" || p.Profile.Policy.Max99458Units != 3 || p.DOS != day(2026, 3, 16) {
			t.Errorf("choice %+v DOS %s", p.Profile, p.DOS)
		}
	})
	t.Run("R-PAY-2 a payor identifier selects the profile", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{acme("npi", func(p *rules.Profile) { p.Payors = []rules.Payor{{System: "urn:npi", Value: "42"}} })}
		req.Coverages = []rules.Coverage{{Ref: "Coverage/1", Active: true, PayorIDs: []rules.Identifier{{System: "urn:npi", Value: "42"}}}}
		if p := run(req); p.Profile.ID != "npi" {
			t.Errorf("choice %+v", p.Profile)
		}
	})
	t.Run("R-PAY-2 an inactive coverage selects nothing", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{acme("acme", nil)}
		c := acmeCoverage
		c.Active = false
		req.Coverages = []rules.Coverage{c}
		if p := run(req); p.Profile.ID != rules.MedicareFFS {
			t.Errorf("choice %+v", p.Profile)
		}
	})
	t.Run("R-PAY-2 a coverage that ended before the DOS selects nothing", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{acme("acme", nil)}
		c := acmeCoverage
		c.End = rules.MomentOn(day(2026, 3, 29))
		req.Coverages = []rules.Coverage{c}
		if p := run(req); p.Profile.ID != rules.MedicareFFS {
			t.Errorf("choice %+v", p.Profile)
		}
	})
	t.Run("R-PAY-2 two profiles matching one coverage are an input error, reported, not guessed", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{acme("acme-a", nil), acme("acme-b", nil)}
		req.Coverages = []rules.Coverage{acmeCoverage}
		p := run(req)
		if len(p.Lines) != 0 || !contains(findingCodes(p.Findings), "payer-profile-ambiguous") {
			t.Errorf("codes %q findings %v", codes(p.Lines), findingCodes(p.Findings))
		}
		if f := p.Findings[len(p.Findings)-1]; !strings.Contains(f.Message, "acme-a, acme-b") {
			t.Errorf("message %q does not name both profiles", f.Message)
		}
	})
	t.Run("R-PAY-2 a loaded default profile applies without coverage", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{acme("acme", func(p *rules.Profile) {
			p.Covered = []rules.ConditionSet{{System: icd10, Prefixes: []string{"I50"}}}
		})}
		req.DefaultProfile = "acme"
		p := run(req)
		if p.Profile.ID != "acme" || p.Profile.Source != "default" || !contains(findingCodes(p.Findings), "condition-not-covered") {
			t.Errorf("choice %+v findings %v", p.Profile, findingCodes(p.Findings))
		}
	})
	t.Run("R-PAY-2 an unknown default profile is an error", func(t *testing.T) {
		req := devicePeriod(16)
		req.DefaultProfile = "nobody"
		if _, err := rules.Evaluate(req, rules.DateScope(day(2026, 3, 10))); err == nil {
			t.Error("want an error")
		}
	})
	t.Run("R-PAY-2 a profile id loaded twice is an error", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{acme("acme", nil), acme("acme", nil)}
		if _, err := rules.Evaluate(req, rules.DateScope(day(2026, 3, 10))); err == nil {
			t.Error("want an error")
		}
	})
	t.Run("R-PAY-1 time codes of the month record the profile too", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{acme("acme", func(p *rules.Profile) { p.Policy.Max99458Units = 2 })}
		req.Coverages = []rules.Coverage{acmeCoverage}
		m := evaluate(t, req, rules.DateScope(day(2026, 3, 10))).Months[0]
		if m.Profile.ID != "acme" || m.Profile.Policy.Max99458Units != 2 || m.DOS != day(2026, 3, 31) {
			t.Errorf("month profile %+v DOS %s", m.Profile, m.DOS)
		}
	})
}

func TestR_PAY_4_EffectiveDates(t *testing.T) {
	dos := day(2026, 3, 30)
	tests := []struct {
		name       string
		start, end rules.Date
		want       string
	}{
		{name: "R-PAY-4 effective from the DOS applies", start: dos, end: rules.NoDate, want: "acme"},
		{name: "R-PAY-4 effective until the DOS applies", start: rules.NoDate, end: dos, want: "acme"},
		{name: "R-PAY-4 effective from the day after the DOS does not apply", start: dos.AddDays(1), end: rules.NoDate, want: rules.MedicareFFS},
		{name: "R-PAY-4 ended the day before the DOS does not apply", start: rules.NoDate, end: dos.AddDays(-1), want: rules.MedicareFFS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := devicePeriod(16)
			req.Profiles = []rules.Profile{acme("acme", func(p *rules.Profile) { p.Start, p.End = tc.start, tc.end })}
			req.Coverages = []rules.Coverage{acmeCoverage}
			p := periodOf(t, req)
			if p.Profile.ID != tc.want {
				t.Errorf("profile %q, want %q", p.Profile.ID, tc.want)
			}
			if got := contains(findingCodes(p.Findings), "payer-profile-not-effective"); got != (tc.want == rules.MedicareFFS) {
				t.Errorf("payer-profile-not-effective %t; findings %v", got, findingCodes(p.Findings))
			}
		})
	}
	t.Run("R-PAY-4 of two profiles for one payor, the one in effect applies", func(t *testing.T) {
		req := devicePeriod(16)
		req.Profiles = []rules.Profile{
			acme("acme-2025", func(p *rules.Profile) { p.Start, p.End = day(2025, 1, 1), day(2025, 12, 31) }),
			acme("acme-2026", func(p *rules.Profile) { p.Start, p.End = day(2026, 1, 1), day(2026, 12, 31) }),
		}
		req.Coverages = []rules.Coverage{acmeCoverage}
		if p := periodOf(t, req); p.Profile.ID != "acme-2026" || contains(findingCodes(p.Findings), "payer-profile-ambiguous") {
			t.Errorf("profile %q findings %v", p.Profile.ID, findingCodes(p.Findings))
		}
	})
}

func TestR_PAY_1_ParseProfile(t *testing.T) {
	t.Run("R-PAY-1 the rule book's example parses", func(t *testing.T) {
		p, err := rules.ParseProfile([]byte(`{
		  "id": "acme-commercial-2026", "name": "Acme Health commercial plans",
		  "effective": {"start": "2026-01-01", "end": "2026-12-31"},
		  "payors": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}, {"reference": "Organization/acme-health"}],
		  "policy": {"max_99458_units": 2, "device_dos": "last-reading", "require_consent": true},
		  "coveredConditions": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "prefixes": ["I50", "O10"]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		want := rules.DefaultPolicy()
		want.Max99458Units, want.DeviceDOS, want.RequireConsent = 2, rules.DOSLastReading, true
		if d := diff(want, p.Policy); d != "" {
			t.Errorf("policy (-want +got):\n%s", d)
		}
		if p.Start != day(2026, 1, 1) || p.End != day(2026, 12, 31) || len(p.Payors) != 2 || len(p.Covered) != 1 {
			t.Errorf("profile %+v", p)
		}
	})
	bad := []struct{ name, json, key string }{
		{"R-PAY-1 an unknown top-level key is refused", `{"id":"x","colour":"red"}`, "colour"},
		{"R-PAY-1 an unknown policy key is refused", `{"id":"x","policy":{"max_units":2}}`, "max_units"},
		{"R-PAY-1 max_99458_units above 3 is refused", `{"id":"x","policy":{"max_99458_units":4}}`, "max_99458_units"},
		{"R-PAY-1 a bad device_dos is refused", `{"id":"x","policy":{"device_dos":"first-reading"}}`, "device_dos"},
		{"R-PAY-1 a wrong type is refused", `{"id":"x","policy":{"require_consent":"yes"}}`, "require_consent"},
		{"R-PAY-1 a bad date is refused", `{"id":"x","effective":{"start":"2026-13-01"}}`, "effective.start"},
		{"R-PAY-1 an effective end before its start is refused", `{"id":"x","effective":{"start":"2026-02-01","end":"2026-01-01"}}`, "effective"},
		{"R-PAY-1 a missing id is refused", `{"name":"x"}`, "id"},
		{"R-PAY-1 a payor with neither reference nor identifier is refused", `{"id":"x","payors":[{"system":"s"}]}`, "payors[0]"},
		{"R-PAY-1 covered conditions without prefixes are refused", `{"id":"x","coveredConditions":[{"system":"s","prefixes":[]}]}`, "coveredConditions[0].prefixes"},
		{"R-PAY-1 two profiles in one file are refused", `{"id":"x"}{"id":"y"}`, "one profile per file"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rules.ParseProfile([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %v, want one naming %q", err, tc.key)
			}
		})
	}
	t.Run("R-PAY-1 keys not given take the book's defaults", func(t *testing.T) {
		p, err := rules.ParseProfile([]byte(`{"id":"x","policy":{"in_person_interactive":false}}`))
		if err != nil {
			t.Fatal(err)
		}
		want := rules.DefaultPolicy()
		want.InPersonInteractive = false
		if d := diff(want, p.Policy); d != "" || p.Start != rules.NoDate || p.End != rules.NoDate {
			t.Errorf("policy (-want +got):\n%s, effective %s..%s", d, p.Start, p.End)
		}
	})
	t.Run("R-PAY-1 the example profile files under testdata parse", func(t *testing.T) {
		files, _ := filepath.Glob("../testdata/payer-profiles/*.json")
		if len(files) < 2 {
			t.Fatalf("want at least two example profiles, found %v", files)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rules.ParseProfile(data); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	})
}
