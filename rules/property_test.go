package rules_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"testing/quick"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The properties below hold for any input. They run on inputs drawn from a
// fixed seed so CI always checks the same cases, and as a native fuzz
// target (go test -fuzz FuzzEvaluate) that explores further seeds.

var propertyZones = []*time.Location{newYork, berlin, chicago, time.UTC, mustZone("America/Santiago")}

// randomCase draws a valid request and scope around the 2025→2026 rule-set
// change, with duplicates, withdrawn readings, other programs and charges.
func randomCase(rng *rand.Rand) (rules.Request, rules.Scope) {
	loc := propertyZones[rng.IntN(len(propertyZones))]
	base := day(2025, 10, 1)
	span := 180
	if rng.IntN(4) == 0 {
		span = 12 // crowd the inputs onto a few dates so they collide
	}
	someDate := func() rules.Date { return base.AddDays(rng.IntN(span)) }
	someTime := func() time.Time {
		d := someDate()
		return time.Date(d.Year(), d.Month(), d.Day(), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, loc)
	}
	req := newRequest(loc, base.AddDays(rng.IntN(220)))
	if rng.IntN(2) == 0 {
		req.Enrollment = base.AddDays(rng.IntN(40) - 10)
	}
	if rng.IntN(3) == 0 {
		req.EpisodeStart = base.AddDays(rng.IntN(40) - 20)
	}
	req.Policy = rules.Policy{
		InPersonInteractive:   rng.IntN(2) == 0,
		CountPreliminary:      rng.IntN(2) == 0,
		SetupMinDays2026:      2 + rng.IntN(15),
		Max99458Units:         rng.IntN(4),
		TMRequiresDataInMonth: rng.IntN(3) != 0,
		DeviceDOS:             []rules.DeviceDOS{rules.DOSPeriodEnd, rules.DOSLastReading}[rng.IntN(2)],
		RequireConsent:        rng.IntN(4) == 0,
	}
	addPayerInputs(rng, &req, someDate)
	statuses := []rules.ReadingStatus{rules.StatusFinal, rules.StatusFinal, rules.StatusFinal, rules.StatusAmended,
		rules.StatusCorrected, rules.StatusPreliminary, rules.StatusEnteredInError, rules.StatusOther}
	for range rng.IntN(80) {
		r := rules.Reading{
			Ref: fmt.Sprintf("Observation/%d", rng.IntN(90)), Date: rules.NoDate,
			Device: fmt.Sprintf("Device/%d", rng.IntN(3)), FromDevice: rng.IntN(10) != 0, HasValue: rng.IntN(20) != 0,
			Status: statuses[rng.IntN(len(statuses))], Test: rng.IntN(30) == 0,
		}
		switch rng.IntN(20) {
		case 0:
			r.Date = someDate() // a date without a time
		case 1: // neither: cannot be placed
		default:
			r.At = someTime()
		}
		if rng.IntN(15) == 0 {
			r.Ref = ""
		}
		req.Readings = append(req.Readings, r)
	}
	programs := []rules.Program{rules.ProgramRPM, rules.ProgramRPM, rules.ProgramRPM, rules.ProgramRPM, rules.ProgramCCM, rules.ProgramRTM}
	for range rng.IntN(16) {
		in := rules.Interaction{
			Ref:       fmt.Sprintf("Communication/%d", rng.IntN(20)),
			Duration:  time.Duration(rng.IntN(70*60)) * time.Second,
			Medium:    rules.Medium(rng.IntN(5)),
			Program:   programs[rng.IntN(len(programs))],
			Completed: rng.IntN(10) != 0,
		}
		if rng.IntN(30) != 0 {
			in.Start = someTime()
		}
		if rng.IntN(10) == 0 {
			in.Duration = 0
		}
		req.Interactions = append(req.Interactions, in)
	}
	chargeCodes := []string{rules.CodeDevice16, rules.CodeDeviceShort, rules.CodeSetup, rules.CodeTM20, "98977", "98980", rules.Code99091}
	orgs := []string{"Organization/own", "Organization/other", ""}
	for range rng.IntN(3) {
		start := someDate()
		req.Charges = append(req.Charges, rules.Charge{
			Ref: fmt.Sprintf("ChargeItem/%d", rng.IntN(5)), Code: chargeCodes[rng.IntN(len(chargeCodes))],
			Start: start, End: start.AddDays(rng.IntN(30)), Organization: orgs[rng.IntN(len(orgs))], Own: rng.IntN(3) == 0,
		})
	}
	if rng.IntN(2) == 0 {
		m := someDate()
		return req, rules.MonthScope(m.Year(), m.Month())
	}
	return req, rules.DateScope(someDate())
}

// addPayerInputs gives a random case payer profiles (R-PAY-1..4), the
// Coverages that choose them, Conditions and Consents (R-ELIG-1), so every
// invariant is checked under every profile.
func addPayerInputs(rng *rand.Rand, req *rules.Request, someDate func() rules.Date) {
	payors := []rules.Payor{{Reference: "Organization/acme"}, {System: "urn:npi", Value: "1"}, {Reference: "Organization/beta"}}
	for i := range rng.IntN(4) {
		p := rules.Profile{ID: fmt.Sprintf("payer-%d", i), Start: rules.NoDate, End: rules.NoDate, Policy: rules.DefaultPolicy(),
			Payors: []rules.Payor{payors[rng.IntN(len(payors))]}}
		p.Policy.Max99458Units = rng.IntN(4)
		p.Policy.DeviceDOS = []rules.DeviceDOS{rules.DOSPeriodEnd, rules.DOSLastReading}[rng.IntN(2)]
		p.Policy.RequireConsent = rng.IntN(2) == 0
		p.Policy.CountPreliminary = rng.IntN(2) == 0
		p.Policy.InPersonInteractive = rng.IntN(2) == 0
		if rng.IntN(3) == 0 {
			p.Start = someDate()
			p.End = p.Start.AddDays(rng.IntN(120))
		}
		if rng.IntN(2) == 0 {
			p.Covered = []rules.ConditionSet{{System: "icd", Prefixes: []string{"I50", "O1"}}}
		}
		req.Profiles = append(req.Profiles, p)
	}
	if len(req.Profiles) > 0 && rng.IntN(4) == 0 {
		req.DefaultProfile = req.Profiles[rng.IntN(len(req.Profiles))].ID
	}
	refs := []string{"Organization/acme", "Organization/beta", "Organization/other"}
	for i := range rng.IntN(3) {
		c := rules.Coverage{Ref: fmt.Sprintf("Coverage/%d", i), Active: rng.IntN(5) != 0, PayorRefs: []string{refs[rng.IntN(len(refs))]}}
		if rng.IntN(3) == 0 {
			c.PayorIDs = []rules.Identifier{{System: "urn:npi", Value: "1"}}
		}
		if rng.IntN(2) == 0 {
			c.Start = rules.MomentOn(someDate())
		}
		req.Coverages = append(req.Coverages, c)
	}
	codes := []string{"I50.22", "E11.9", "O13.1"}
	for i := range rng.IntN(3) {
		c := rules.Condition{Ref: fmt.Sprintf("Condition/%d", i), Active: rng.IntN(5) != 0, Refuted: rng.IntN(6) == 0,
			Codes: []rules.Coding{{System: "icd", Code: codes[rng.IntN(len(codes))]}}}
		if rng.IntN(2) == 0 {
			c.Onset = rules.MomentOn(someDate())
		}
		req.Conditions = append(req.Conditions, c)
	}
	for i := range rng.IntN(3) {
		start := someDate()
		req.Consents = append(req.Consents, rules.Consent{Ref: fmt.Sprintf("Consent/%d", i), Active: rng.IntN(5) != 0,
			RPM: rng.IntN(5) != 0, Deny: rng.IntN(8) == 0, Start: rules.MomentOn(start), End: rules.MomentOn(start.AddDays(rng.IntN(90)))})
	}
}

// shuffled returns req with every input list in a random order.
func shuffled(req rules.Request, rng *rand.Rand) rules.Request {
	req.Readings = slices.Clone(req.Readings)
	req.Interactions = slices.Clone(req.Interactions)
	req.Charges = slices.Clone(req.Charges)
	rng.Shuffle(len(req.Readings), func(i, j int) { req.Readings[i], req.Readings[j] = req.Readings[j], req.Readings[i] })
	rng.Shuffle(len(req.Interactions), func(i, j int) { req.Interactions[i], req.Interactions[j] = req.Interactions[j], req.Interactions[i] })
	rng.Shuffle(len(req.Charges), func(i, j int) { req.Charges[i], req.Charges[j] = req.Charges[j], req.Charges[i] })
	req.Profiles = slices.Clone(req.Profiles)
	req.Coverages = slices.Clone(req.Coverages)
	req.Conditions = slices.Clone(req.Conditions)
	req.Consents = slices.Clone(req.Consents)
	rng.Shuffle(len(req.Profiles), func(i, j int) { req.Profiles[i], req.Profiles[j] = req.Profiles[j], req.Profiles[i] })
	rng.Shuffle(len(req.Coverages), func(i, j int) { req.Coverages[i], req.Coverages[j] = req.Coverages[j], req.Coverages[i] })
	rng.Shuffle(len(req.Conditions), func(i, j int) { req.Conditions[i], req.Conditions[j] = req.Conditions[j], req.Conditions[i] })
	rng.Shuffle(len(req.Consents), func(i, j int) { req.Consents[i], req.Consents[j] = req.Consents[j], req.Consents[i] })
	return req
}

// tmRank orders a month's time codes: none < 99470 < 99457 < 99457 + n × 99458.
func tmRank(lines []rules.CodeLine) int {
	rank := 0
	for _, l := range lines {
		switch l.Code {
		case rules.CodeTM10:
			rank = max(rank, 1)
		case rules.CodeTM20:
			rank = max(rank, 2)
		}
	}
	for _, l := range lines {
		if l.Code == rules.CodeTMAdditional {
			rank += l.Units
		}
	}
	return rank
}

// checkInvariants asserts what must hold of any result.
func checkInvariants(t *testing.T, req rules.Request, res *rules.Result) {
	t.Helper()
	placed := map[string]rules.Date{}
	for _, p := range res.Periods {
		if p.Days > p.Window.Len() || p.Days != len(p.Evidence) {
			t.Errorf("R-DAY-2 period %s..%s: %d days, %d evidence dates, window of %d", p.Window.Start, p.Window.End, p.Days, len(p.Evidence), p.Window.Len())
		}
		for _, e := range p.Evidence {
			if !p.Window.Contains(e.Date) || e.Date > req.AsOf {
				t.Errorf("R-DAY-6 evidence date %s outside %s..%s or after AsOf %s", e.Date, p.Window.Start, p.Window.End, req.AsOf)
			}
			for _, ref := range e.Refs {
				if d, ok := placed[ref]; ok {
					t.Errorf("R-DAY-4 R-DAY-5 %s is cited on %s and again on %s", ref, d, e.Date)
				}
				placed[ref] = e.Date
			}
		}
		checkProvisional(t, p.Provisional, p.Progress, p.Lines, p.Billable(), req.AsOf <= p.Window.End)
		checkPayer(t, req, p.Window, p.Profile, p.DOS, p.Consent, p.Lines, p.Findings)
	}
	for _, m := range res.Months {
		if m.DataDays > m.Window.Len() || m.Minutes != int(m.Seconds/60) || m.Minutes < 0 {
			t.Errorf("R-TIME-5 month %s: %d data days, %d min of %d s", m.Window.Start, m.DataDays, m.Minutes, m.Seconds)
		}
		if len(uniq(m.InteractiveRefs)) != len(m.InteractiveRefs) || m.Interactive != (len(m.InteractiveRefs) > 0) {
			t.Errorf("R-IC-4 interactive refs %v repeat or disagree with Interactive=%t", m.InteractiveRefs, m.Interactive)
		}
		var last time.Time
		for _, e := range m.Evidence {
			if len(uniq(e.Refs)) != len(e.Refs) {
				t.Errorf("R-TIME-4 evidence refs repeat: %v", e.Refs)
			}
			if !e.End.After(e.Start) || e.Start.Before(last) {
				t.Errorf("R-TIME-4 intervals overlap or are empty: %s..%s after %s", e.Start, e.End, last)
			}
			last = e.End
		}
		checkProvisional(t, m.Provisional, m.Progress, m.Lines, m.Billable(), req.AsOf <= m.Window.End)
		checkPayer(t, req, m.Window, m.Profile, m.DOS, m.Consent, m.Lines, m.Findings)
	}
}

// checkPayer asserts the payer invariants of a window: its profile is a
// loaded one or the default (R-PAY-1), its DOS lies in it and every line
// carries it (R-DOS-1), and a withholding finding leaves no line (R-PAY-2,
// R-PAY-3, R-ELIG-1, R-CON-3).
func checkPayer(t *testing.T, req rules.Request, w rules.Window, pc rules.ProfileChoice, dos rules.Date, consent string, lines []rules.CodeLine, fs []rules.Finding) {
	t.Helper()
	known := pc.ID == rules.MedicareFFS && (req.DefaultProfile == "" || req.DefaultProfile == rules.MedicareFFS)
	for _, p := range req.Profiles {
		known = known || p.ID == pc.ID
	}
	if !known || pc.Policy.Validate() != nil {
		t.Errorf("R-PAY-1 window %s judged by unknown profile %q or invalid policy %+v", w.Start, pc.ID, pc.Policy)
	}
	if !w.Contains(dos) {
		t.Errorf("R-DOS-1 DOS %s outside window %s..%s", dos, w.Start, w.End)
	}
	for _, l := range lines {
		if l.DOS != dos {
			t.Errorf("R-DOS-1 line %s has DOS %s, window DOS %s", l.Code, l.DOS, dos)
		}
	}
	if (consent == rules.ConsentNotChecked) == pc.Policy.RequireConsent && !contains(findingCodes(fs), "payer-profile-ambiguous") {
		t.Errorf("R-ELIG-1 consent state %q with require_consent=%t", consent, pc.Policy.RequireConsent)
	}
	for _, code := range []string{"payer-profile-ambiguous", "condition-not-covered", "no-consent", "clash-99091"} {
		if contains(findingCodes(fs), code) && len(lines) > 0 {
			t.Errorf("R-PAY-2 R-PAY-3 R-ELIG-1 R-CON-3 finding %s but lines %s", code, codes(lines))
		}
	}
}

func checkProvisional(t *testing.T, provisional bool, progress *rules.Progress, lines, billable []rules.CodeLine, open bool) {
	t.Helper()
	if provisional != open || (progress != nil) != open {
		t.Errorf("R-PER-5 provisional=%t progress=%t, want both %t", provisional, progress != nil, open)
	}
	if open && len(billable) != 0 {
		t.Errorf("R-PER-5 an open window bills %v", billable)
	}
	if !open && len(billable) != len(lines) {
		t.Errorf("R-PER-5 a closed window bills %d of %d lines", len(billable), len(lines))
	}
	if progress != nil && (progress.Missing != max(progress.Need-progress.Have, 0) || progress.DaysLeft < 0) {
		t.Errorf("R-PER-5 progress %+v is inconsistent", *progress)
	}
}

// checkProperties evaluates one random case and every property on it.
func checkProperties(t *testing.T, rng *rand.Rand) {
	t.Helper()
	req, scope := randomCase(rng)
	res, err := rules.Evaluate(req, scope)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	checkInvariants(t, req, res)

	// The result does not depend on the order of the inputs.
	for range 3 {
		got, err := rules.Evaluate(shuffled(req, rng), scope)
		if err != nil {
			t.Fatalf("Evaluate(shuffled): %v", err)
		}
		if !reflect.DeepEqual(res, got) {
			t.Fatalf("result depends on input order (-want +got):\n%s", diff(res, got))
		}
	}

	// One reading is never on two dates, in any scope.
	other, err := rules.Evaluate(req, rules.DateScope(req.AsOf))
	if err != nil {
		t.Fatalf("Evaluate(AsOf): %v", err)
	}
	dates := map[string]rules.Date{}
	for _, r := range []*rules.Result{res, other} {
		for _, p := range r.Periods {
			for _, e := range p.Evidence {
				for _, ref := range e.Refs {
					if d, ok := dates[ref]; ok && d != e.Date {
						t.Errorf("R-DAY-4 %s is on %s in one scope and %s in another", ref, d, e.Date)
					}
					dates[ref] = e.Date
				}
			}
		}
	}

	// Adding a reading (a new measurement) never lowers the days, once the
	// periods are anchored by an enrollment date.
	if req.Enrollment == rules.NoDate {
		req.Enrollment = day(2025, 10, 1)
		if res, err = rules.Evaluate(req, scope); err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
	}
	more := req
	more.Readings = append(slices.Clone(req.Readings), reading("Observation/new", rules.DateOf(2025, 10, 1).AddDays(rng.IntN(180)).Start(req.Location).Add(time.Duration(rng.IntN(86400))*time.Second)))
	after, err := rules.Evaluate(more, scope)
	if err != nil {
		t.Fatalf("Evaluate(+reading): %v", err)
	}
	for i, p := range res.Periods {
		if after.Periods[i].Window != p.Window || after.Periods[i].Days < p.Days {
			t.Errorf("R-DAY-2 a new reading lowered period %s from %d to %d days", p.Window.Start, p.Days, after.Periods[i].Days)
		}
	}
	if after.Months[0].DataDays < res.Months[0].DataDays {
		t.Errorf("R-TM-5 a new reading lowered the month's data days from %d to %d", res.Months[0].DataDays, after.Months[0].DataDays)
	}

	// Adding RPM minutes never lowers the month's time codes.
	m := res.Months[0]
	extra := req
	start := m.Window.Start.AddDays(rng.IntN(m.Window.Len())).Start(req.Location).Add(time.Duration(rng.IntN(86400)) * time.Second)
	extra.Interactions = append(slices.Clone(req.Interactions),
		work("Communication/new", start, time.Duration(1+rng.IntN(60*60))*time.Second, rules.Medium(rng.IntN(5))))
	later, err := rules.Evaluate(extra, scope)
	if err != nil {
		t.Fatalf("Evaluate(+minutes): %v", err)
	}
	if got := later.Months[0]; got.Minutes < m.Minutes || tmRank(got.Lines) < tmRank(m.Lines) || (m.Interactive && !got.Interactive) {
		t.Errorf("R-TM-1 R-TM-2 more minutes lowered the month: %d min %s → %d min %s",
			m.Minutes, codes(m.Lines), got.Minutes, codes(got.Lines))
	}
}

func TestPropertiesOnRandomInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260101, 99454)) // fixed: CI checks the same inputs every run
	n := 1500
	if testing.Short() {
		n = 200
	}
	const batch = 100 // subtests of 100 cases keep the -v listing short
	for lo := 0; lo < n && !t.Failed(); lo += batch {
		t.Run(fmt.Sprintf("cases %d to %d", lo, lo+batch-1), func(t *testing.T) {
			i := lo
			defer func() {
				if t.Failed() {
					t.Logf("first failing case: %d (seed 20260101, 99454)", i)
				}
			}()
			for ; i < lo+batch && !t.Failed(); i++ {
				checkProperties(t, rng)
			}
		})
	}
}

func FuzzEvaluate(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 3, 42, 2025, 2026, 99454, 1 << 40} {
		f.Add(seed, seed^0x5eed)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		checkProperties(t, rand.New(rand.NewPCG(a, b)))
	})
}

func TestMoreMinutesNeverLowerTheCodes(t *testing.T) {
	t.Run("R-TM-1 R-TM-2 R-TM-4 for every cap and rule set, minute by minute from 0 to 200", func(t *testing.T) {
		for _, year := range []int{2025, 2026} {
			for units := range 4 {
				p := rules.DefaultPolicy()
				p.Max99458Units = units
				prev := -1
				for mins := 0; mins <= 200; mins++ {
					rank := tmRank(timeCodes(t, year, time.Duration(mins)*time.Minute, p).Lines)
					if rank < prev {
						t.Errorf("%d, cap %d: %d min rank %d below %d min rank %d", year, units, mins, rank, mins-1, prev)
					}
					prev = rank
				}
			}
		}
	})
}

func TestDateProperties(t *testing.T) {
	cfg := &quick.Config{Rand: nil, MaxCount: 2000}
	// Dates from 1900 to 2199 keep the properties in the range the engine serves.
	toDate := func(n uint32) rules.Date { return rules.Date(int32(n%109572) - 25567) }
	t.Run("R-DAY-4 a date survives its fields, its string and ParseDate", func(t *testing.T) {
		f := func(n uint32) bool {
			d := toDate(n)
			back, err := rules.ParseDate(d.String())
			return err == nil && back == d && rules.DateOf(d.Year(), d.Month(), d.Day()) == d
		}
		if err := quick.Check(f, cfg); err != nil {
			t.Error(err)
		}
	})
	t.Run("R-DAY-4 a date's start is its first instant in every zone", func(t *testing.T) {
		f := func(n uint32, z uint8) bool {
			d, loc := toDate(n), propertyZones[int(z)%len(propertyZones)]
			s := d.Start(loc)
			return rules.LocalDate(s, loc) == d && rules.LocalDate(s.Add(-time.Nanosecond), loc) == d-1
		}
		if err := quick.Check(f, cfg); err != nil {
			t.Error(err)
		}
	})
	t.Run("R-TIME-3 a month's first and last dates bracket the date", func(t *testing.T) {
		f := func(n uint32) bool {
			d := toDate(n)
			s, e := d.MonthStart(), d.MonthEnd()
			return s <= d && d <= e && s.Day() == 1 && e.AddDays(1).Day() == 1 && e.Month() == d.Month() && int(e-s) >= 27 && int(e-s) <= 30
		}
		if err := quick.Check(f, cfg); err != nil {
			t.Error(err)
		}
	})
}
