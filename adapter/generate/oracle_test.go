package generate

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The oracle is written by hand from the rule book; this test feeds each
// edge patient's plan straight to the rules engine (no FHIR in between) and
// compares. A disagreement means either the planned data do not show what
// the case says or the engine departs from the rule book; either way it
// must be looked at, and the oracle is never edited to match the engine.
// The adapter's own tests do the same through the FHIR files.
func TestWorkedCasesAgreeWithTheRulesEngine(t *testing.T) {
	g, err := newGenerator(SampleOptions())
	if err != nil {
		t.Fatal(err)
	}
	oracle := Oracle()
	src := rand.NewPCG(0, 0)
	r := rand.New(src)
	for i, c := range g.cases {
		exp := oracle.Cases[i]
		if exp.Patient != c.id {
			t.Fatalf("oracle case %d is %s, patient %s", i, exp.Patient, c.id)
		}
		p := new(patient)
		g.plan(p, src, r, i)
		for _, ev := range exp.Evaluations {
			t.Run(c.id+"/"+ev.Month, func(t *testing.T) {
				req, scope := request(t, p, ev)
				res, err := rules.Evaluate(req, scope)
				if ev.NotEvaluated != "" {
					if !errors.Is(err, rules.ErrNoTimeZone) {
						t.Fatalf("error %v, want %q", err, ev.NotEvaluated)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				comparePeriods(t, ev.Periods, res.Periods)
				compareMonths(t, ev.Months, res.Months)
			})
		}
	}
}

// request turns a planned patient into the engine's input, as fhirmap
// would read it from the files.
func request(t *testing.T, p *patient, ev ExpectedEvaluation) (rules.Request, rules.Scope) {
	t.Helper()
	asOf, err := rules.ParseDate(ev.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := time.Parse("2006-01", ev.Month)
	if err != nil {
		t.Fatal(err)
	}
	req := rules.Request{AsOf: asOf, Enrollment: rules.NoDate, EpisodeStart: p.enrollment,
		Organization: "Organization/" + orgClinic, Policy: rules.DefaultPolicy()}
	if p.place != zoneNowhere {
		req.Location = p.loc
	}
	status := map[string]rules.ReadingStatus{"final": rules.StatusFinal, "amended": rules.StatusAmended,
		"corrected": rules.StatusCorrected, "preliminary": rules.StatusPreliminary, "entered-in-error": rules.StatusEnteredInError}
	for i, rd := range p.readings {
		req.Readings = append(req.Readings, rules.Reading{
			Ref: fmt.Sprintf("Observation/obs-%s-%05d", p.id, i+1), At: rd.at, Date: rules.NoDate,
			FromDevice: rd.device || rd.phd, Status: status[rd.status], HasValue: !rd.absent, Test: rd.test,
		})
	}
	medium := map[string]rules.Medium{"": rules.MediumNone, "PHONE": rules.MediumRemote, "VIDEOCONF": rules.MediumRemote,
		"FACE": rules.MediumInPerson, "WRITTEN": rules.MediumWritten, "EMAILWRIT": rules.MediumWritten, "ONLINEWRIT": rules.MediumWritten}
	for i, c := range p.comms {
		in := rules.Interaction{Ref: fmt.Sprintf("Communication/com-%s-%03d", p.id, i+1), Start: c.start,
			Medium: medium[c.medium], Completed: c.status == "completed"}
		if c.dur != durNone {
			in.Duration = secondsDuration(c.secs)
		}
		if c.program != "rpm" {
			in.Program = rules.Program(c.program)
		}
		req.Interactions = append(req.Interactions, in)
	}
	for i, c := range p.charges {
		req.Charges = append(req.Charges, rules.Charge{Ref: fmt.Sprintf("ChargeItem/chg-%s-%02d", p.id, i+1),
			Code: c.code, Start: c.start, End: c.end, Organization: "Organization/" + c.org})
	}
	// R-PAY-2, R-PAY-3, R-ELIG-1: the payer inputs as fhirmap reads them,
	// under the example profiles the oracle assumes loaded.
	req.Profiles = exampleProfiles(t)
	for i, c := range p.coverages {
		cov := rules.Coverage{Ref: fmt.Sprintf("Coverage/cov-%s-%02d", p.id, i+1), Active: true, Start: rules.MomentOn(c.start)}
		if c.payorOrg != "" {
			cov.PayorRefs = []string{"Organization/" + c.payorOrg}
		} else {
			cov.PayorIDs = []rules.Identifier{{System: systemNPI, Value: c.payorNPI}}
		}
		req.Coverages = append(req.Coverages, cov)
	}
	for i, c := range p.conditions {
		req.Conditions = append(req.Conditions, rules.Condition{Ref: fmt.Sprintf("Condition/cond-%s-%02d", p.id, i+1),
			Active: c.clinical == "active", Onset: rules.MomentOn(c.onset), Codes: []rules.Coding{{System: systemICD10, Code: c.icd10}}})
	}
	for i, c := range p.consents {
		req.Consents = append(req.Consents, rules.Consent{Ref: fmt.Sprintf("Consent/consent-%s-%02d", p.id, i+1),
			Active: true, RPM: true, Start: rules.MomentOn(c.start), End: rules.MomentOn(c.end), DateTime: rules.MomentOn(c.start)})
	}
	return req, rules.MonthScope(m.Year(), m.Month())
}

// exampleProfiles loads the payer profiles the oracle names.
func exampleProfiles(t *testing.T) []rules.Profile {
	t.Helper()
	var out []rules.Profile
	for _, f := range Oracle().Profiles {
		data, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		p, err := rules.ParseProfile(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, p)
	}
	return out
}

func gotLines(lines []rules.CodeLine) []ExpectedLine {
	out := []ExpectedLine{}
	for _, l := range lines {
		if l.Provisional {
			continue // every window of the oracle is closed
		}
		out = append(out, ExpectedLine{Code: l.Code, Units: l.Units, DOS: l.DOS.String()})
	}
	return out
}

func comparePeriods(t *testing.T, want []ExpectedPeriod, got []rules.PeriodResult) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d periods in scope, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		have := ExpectedPeriod{Start: g.Window.Start.String(), End: g.Window.End.String(), Index: g.Window.Index,
			RuleSet: string(g.RuleSet), Days: g.Days, Lines: gotLines(g.Lines)}
		w.Findings = nil
		if !equalPeriod(have, w) {
			t.Errorf("period %d:\n got %+v\nwant %+v", i, have, w)
		}
		checkFindings(t, want[i].Findings, g.Findings)
	}
}

func equalPeriod(a, b ExpectedPeriod) bool {
	return a.Start == b.Start && a.End == b.End && a.Index == b.Index && a.RuleSet == b.RuleSet &&
		a.Days == b.Days && slices.Equal(a.Lines, b.Lines)
}

func compareMonths(t *testing.T, want []ExpectedMonth, got []rules.MonthResult) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d months, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		have := ExpectedMonth{Start: g.Window.Start.String(), End: g.Window.End.String(), RuleSet: string(g.RuleSet),
			Minutes: g.Minutes, Interactive: g.Interactive, UnbilledMinutes: g.UnbilledMinutes, Lines: gotLines(g.Lines)}
		w.Findings = nil
		if have.Start != w.Start || have.End != w.End || have.RuleSet != w.RuleSet || have.Minutes != w.Minutes ||
			have.Interactive != w.Interactive || have.UnbilledMinutes != w.UnbilledMinutes || !slices.Equal(have.Lines, w.Lines) {
			t.Errorf("month:\n got %+v\nwant %+v", have, w)
		}
		checkFindings(t, want[i].Findings, g.Findings)
	}
}

// checkFindings asks that every expected finding is present.
func checkFindings(t *testing.T, want []ExpectedFinding, got []rules.Finding) {
	t.Helper()
	for _, w := range want {
		if !slices.ContainsFunc(got, func(f rules.Finding) bool {
			return (w.Rule == "" || f.Rule == w.Rule) && (w.Code == "" || f.Code == w.Code) &&
				(w.Text == "" || strings.Contains(f.Message, w.Text))
		}) {
			t.Errorf("no finding %+v among %+v", w, got)
		}
	}
}
