package fhirmap

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// The property test of the fast encoder: random results (every window
// kind, open and closed, with and without lines, progress, profiles,
// findings; strings with quotes, control characters, HTML characters,
// U+2028, invalid UTF-8; integers beyond int32; invalid codes now and then)
// built by the reference path (protos, fhirvalidate, jsonformat) and by the
// fast encoder under random writer options. Both must agree on every byte
// of every resource, of the transaction Bundles in both modes, of the
// entered-in-error and closing updates of what they built, and on whether
// the result is refused at all. It runs until every kind has been compared
// at least propMinPerKind times (a tenth of that with -short, a fiftieth under -race):
//
//	go test -count=1 -run TestFastEncoderProperty ./fhirmap/   # about a CPU minute

const propMinPerKind = 10000

var propStrings = []string{
	"", "x", "plain words", `quote " and \ backslash`, "tab\tnew\nline\rcr", "<b>&amp;</b>",
	"line\u2028sep\u2029para", "bad \xff utf-8 \xc3", "é ü 日本語 🙂", "ctl \x01 char", "del \x7f",
	"  leading and trailing  ", "form\ffeed", "back\bspace",
}

var propCodes = []string{
	"c", "no-days", "cms-pfs-2026", "cms-pfs-2021", "on-file", "two words", "99454", "99458",
	"America/Chicago", "UTC", "Etc/GMT+5", "x\ty", "é",
}

var propBadCodes = []string{"", " lead", "trail ", "two  spaces", "a\t\tb"}

var propRefs = []string{
	"Observation/o-1", "Observation/o-2", "Communication/c-9", "Coverage/cov-1",
	"http://example.org/fhir/Observation/abs", "urn:uuid:0f0e6a53-8b58-4c1e-9a5b-1b9bd8c0b3a1",
	"Observation/x/_history/2", "#contained", "not a ref", "Patient/p-1",
}

// propCount is n, a tenth of it with -short and a fiftieth under the race
// detector (which makes the reference path about twenty times slower); the
// full count runs in its own .ci/run step without -race.
func propCount(n int) int {
	switch {
	case raceOn:
		return n / 50
	case testing.Short():
		return n / 10
	}
	return n
}

type propGen struct {
	r   *rand.Rand
	bad bool // allow invalid values, so both paths must refuse alike
}

func (g *propGen) pick(s []string) string { return s[g.r.IntN(len(s))] }
func (g *propGen) coin(p float64) bool    { return g.r.Float64() < p }

func (g *propGen) code() string {
	if g.bad && g.coin(0.02) {
		return g.pick(propBadCodes)
	}
	return g.pick(propCodes)
}

func (g *propGen) str() string {
	s := g.pick(propStrings)
	if !g.bad && !validString(s) {
		return "ok"
	}
	return s
}

func (g *propGen) int() int {
	switch g.r.IntN(10) {
	case 0:
		return math.MaxInt32 + 1 + g.r.IntN(1000)
	case 1:
		return -g.r.IntN(100)
	}
	return g.r.IntN(2000)
}

func (g *propGen) date() rules.Date {
	return rules.Date(g.r.IntN(200 * 365)) // 1970 .. 2169
}

func (g *propGen) policy() rules.Policy {
	dos := rules.DOSPeriodEnd
	if g.coin(0.5) {
		dos = rules.DOSLastReading
	}
	if g.coin(0.05) {
		dos = rules.DeviceDOS(g.code())
	}
	return rules.Policy{InPersonInteractive: g.coin(0.5), CountPreliminary: g.coin(0.5), SetupMinDays2026: g.int(),
		Max99458Units: g.int(), TMRequiresDataInMonth: g.coin(0.5), DeviceDOS: dos, RequireConsent: g.coin(0.5)}
}

func (g *propGen) profile() rules.ProfileChoice {
	if g.coin(0.4) {
		return rules.ProfileChoice{}
	}
	c := rules.ProfileChoice{ID: g.code(), Source: g.pick([]string{"default", "coverage"}), Policy: g.policy()}
	if g.coin(0.5) {
		c.Coverage = g.pick(propRefs)
	}
	return c
}

func (g *propGen) findings() []rules.Finding {
	var out []rules.Finding
	for range g.r.IntN(4) {
		f := rules.Finding{Code: g.code()}
		if g.coin(0.6) {
			f.Rule = g.str()
		}
		if g.coin(0.7) {
			f.Message = g.str()
		}
		if g.coin(0.4) {
			f.Ref = g.pick(propRefs)
		}
		out = append(out, f)
	}
	return out
}

func (g *propGen) refs() []string {
	var out []string
	for range g.r.IntN(6) {
		out = append(out, g.pick(propRefs))
	}
	return out
}

func (g *propGen) progress(prov bool) *rules.Progress {
	if !prov && g.coin(0.8) {
		return nil
	}
	if g.coin(0.05) {
		return nil
	}
	p := &rules.Progress{Have: g.int(), Need: g.int(), Missing: g.r.IntN(20), DaysLeft: g.int(),
		Reachable: g.coin(0.9), NeedsInteractive: g.coin(0.5)}
	if g.coin(0.1) {
		p.Missing = 0
	}
	return p
}

func (g *propGen) lines(codes []string, prov bool) []rules.CodeLine {
	var out []rules.CodeLine
	for _, c := range codes {
		if g.coin(0.5) {
			if g.bad && g.coin(0.02) {
				c = g.pick(propBadCodes)
			}
			out = append(out, rules.CodeLine{Code: c, Units: g.int(), DOS: g.date(), Provisional: prov && g.coin(0.5)})
		}
	}
	return out
}

func (g *propGen) ruleSet() rules.RuleSetID { return rules.RuleSetID(g.code()) }

func (g *propGen) result() *rules.Result {
	res := &rules.Result{Policy: g.policy(), AsOf: g.date(), Anchor: rules.NoDate, Findings: g.findings()}
	if g.coin(0.8) {
		res.Zone = g.code()
	}
	if g.coin(0.7) {
		res.Anchor = g.date()
		res.AnchorSource = g.pick([]string{"", "enrollment", "episode", "first-reading"})
	}
	for i := range g.r.IntN(3) {
		start := g.date()
		prov := g.coin(0.7)
		p := rules.PeriodResult{Window: rules.Window{Kind: rules.Period30, Start: start, End: start + 29, Index: i},
			RuleSet: g.ruleSet(), Provisional: prov, Profile: g.profile(), DOS: g.date(),
			Consent: g.pick([]string{"", rules.ConsentNotChecked, rules.ConsentOnFile, rules.ConsentMissing}),
			Days:    g.r.IntN(31), Progress: g.progress(prov), Findings: g.findings(),
			Lines: g.lines([]string{rules.CodeSetup, rules.CodeDevice16, rules.CodeDeviceShort}, prov)}
		for range g.r.IntN(3) {
			p.Evidence = append(p.Evidence, rules.DayEvidence{Date: g.date(), Refs: g.refs()})
		}
		if g.coin(0.05) {
			res.AsOf = start + rules.Date(g.r.IntN(40)) // the last day, or past the end
		}
		res.Periods = append(res.Periods, p)
	}
	for range g.r.IntN(3) {
		start := g.date()
		prov := g.coin(0.7)
		m := rules.MonthResult{Window: rules.Window{Kind: rules.CalendarMonth, Start: start, End: start + rules.Date(27+g.r.IntN(4))},
			RuleSet: g.ruleSet(), Provisional: prov, Profile: g.profile(), DOS: g.date(),
			Consent: g.pick([]string{"", rules.ConsentOnFile}), Minutes: g.int(),
			Interactive: g.coin(0.5), InteractiveRefs: g.refs(), DataDays: g.int(), UnbilledMinutes: g.int(),
			Progress: g.progress(prov), Findings: g.findings(),
			Lines: g.lines([]string{rules.CodeTM20, rules.CodeTMAdditional, rules.CodeTM10}, prov)}
		for range g.r.IntN(3) {
			m.Evidence = append(m.Evidence, rules.MinuteEvidence{Refs: g.refs()})
		}
		res.Months = append(res.Months, m)
	}
	return res
}

func (g *propGen) options(mode WriteMode) WriteOptions {
	o := WriteOptions{Tenant: g.pick([]string{"", "t1", "tenant é"}), Mode: mode}
	if g.coin(0.5) {
		o.Canonical = "https://example.org/fhir/" + g.pick([]string{"a", "b\"q", "ü"})
	}
	if g.coin(0.6) {
		o.Reporter = g.pick([]string{"Organization/org-1", "Practitioner/p-2", "Location/loc-3", "PractitionerRole/r-4"})
	}
	if g.coin(0.6) {
		o.Enterer = g.pick([]string{"Practitioner/p-2", "Device/d-1", "Organization/org-1"})
	}
	if g.coin(0.6) {
		o.Performer = g.pick([]string{"Practitioner/p-2", "CareTeam/ct-1"})
	}
	if g.coin(0.6) {
		o.BillingOrganization = "Organization/org-9"
	}
	return o
}

func TestFastEncoderProperty(t *testing.T) {
	minPerKind := propMinPerKind
	minPerKind = propCount(minPerKind)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := &propGen{r: rand.New(rand.NewPCG(seed, 0x5eed))}
	counts := map[string]int{}
	writers := map[WriteOptions][2]*Writer{} // reference, fast
	done := func() bool {
		for _, k := range []string{TypeMeasureReport, TypeChargeItem, TypeTask, "EnteredInError", "CloseTask", "Bundle", "refused"} {
			if counts[k] < minPerKind && (k != "refused" || counts[k] < minPerKind/50) {
				return false
			}
		}
		return true
	}
	for iter := 0; !done(); iter++ {
		if iter > 40*minPerKind {
			t.Fatalf("gave up: %v", counts)
		}
		g.bad = g.coin(0.1)
		mode := PutByID
		if g.coin(0.5) {
			mode = ConditionalPut
		}
		opts := g.options(mode)
		ws, ok := writers[opts]
		if !ok {
			for i, strict := range []bool{true, false} {
				o := opts
				o.Strict = strict
				w, err := NewWriter(o)
				if err != nil {
					t.Fatal(err)
				}
				ws[i] = w
			}
			writers[opts] = ws
		}
		ref, fast := ws[0], ws[1]
		res := g.result()
		pid := g.pick([]string{"p", "pat-7f3a", "A.b-9"})
		now := time.Unix(int64(g.r.IntN(200*365*86400)), int64(g.r.IntN(1e9))).In(time.FixedZone("x", 3600))
		rs, rerr := ref.Build(pid, res, now)
		fs, ferr := fast.Build(pid, res, now)
		if (rerr == nil) != (ferr == nil) {
			t.Fatalf("seed %d iter %d: reference error %v, fast error %v", seed, iter, rerr, ferr)
		}
		if rerr != nil {
			counts["refused"]++
			continue
		}
		if len(rs.Windows) != len(fs.Windows) {
			t.Fatalf("windows %d vs %d", len(rs.Windows), len(fs.Windows))
		}
		for wi, rw := range rs.Windows {
			fw := fs.Windows[wi]
			if rw.TaskID != fw.TaskID {
				t.Fatalf("task id %s vs %s", rw.TaskID, fw.TaskID)
			}
			rr, fr := rw.Resources(), fw.Resources()
			if len(rr) != len(fr) {
				t.Fatalf("seed %d iter %d window %d: %d resources vs %d", seed, iter, wi, len(rr), len(fr))
			}
			for i := range rr {
				a, b := rr[i], fr[i]
				if a.ResourceType != b.ResourceType || a.ID != b.ID || a.Identifier != b.Identifier || a.units != b.units || a.status != b.status {
					t.Fatalf("resource %d: %+v vs %+v", i, a, b)
				}
				if !bytes.Equal(a.JSON, b.JSON) {
					t.Fatalf("seed %d iter %d %s differs\nreference: %s\nfast:      %s", seed, iter, a.ResourceType, a.JSON, b.JSON)
				}
				counts[a.ResourceType]++
			}
			base := g.pick([]string{"", "https://fhir.example.org/fhir", "http://h:8080/fhir/"})
			entries := func(s *WindowSet, w *Writer) []BundleEntry {
				es := s.Entries()
				if len(es) > 1 {
					es[1].IfMatch = "7"
				}
				if len(s.ChargeItems) > 0 {
					ci := s.ChargeItems[0]
					in := asServerCopy(t, ci.JSON, "3")
					eie, err := w.EnteredInError(in, now)
					if err != nil {
						t.Fatalf("entered-in-error: %v", err)
					}
					if w == fast && fast.enteredInErrorFast(in, now.UTC()) != nil {
						counts["EnteredInError (fast path)"]++
					}
					es = append(es, BundleEntry{Resource: eie})
				}
				return es
			}
			re, fe := entries(rw, ref), entries(fw, fast)
			if len(re) > len(rr) {
				a, b := re[len(re)-1].Resource, fe[len(fe)-1].Resource
				if !bytes.Equal(a.JSON, b.JSON) || a.Version != b.Version || a.ID != b.ID {
					t.Fatalf("seed %d iter %d entered-in-error differs\nreference: %s\nfast:      %s", seed, iter, a.JSON, b.JSON)
				}
				counts["EnteredInError"]++
			}
			if rw.Task != nil {
				outcome := TaskOutcome(1 + g.r.IntN(2))
				a, err := ref.CloseTask(asServerCopy(t, rw.Task.JSON, "2"), outcome, now)
				if err != nil {
					t.Fatal(err)
				}
				in := asServerCopy(t, fw.Task.JSON, "2")
				b, err := fast.CloseTask(in, outcome, now)
				if err != nil {
					t.Fatal(err)
				}
				if fast.closeTaskFast(in, outcome, now.UTC()) != nil {
					counts["CloseTask (fast path)"]++
				}
				if !bytes.Equal(a.JSON, b.JSON) || a.Version != b.Version {
					t.Fatalf("seed %d iter %d close-task differs\nreference: %s\nfast:      %s", seed, iter, a.JSON, b.JSON)
				}
				counts["CloseTask"]++
			}
			ab, err := ref.TransactionBundleAt(base, re...)
			if err != nil {
				t.Fatal(err)
			}
			bb, err := fast.TransactionBundleAt(base, fe...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ab, bb) {
				t.Fatalf("seed %d iter %d bundle (mode %d) differs\nreference: %s\nfast:      %s", seed, iter, mode, ab, bb)
			}
			counts["Bundle"]++
		}
	}
	t.Log(fmt.Sprint(counts))
	// The server copies hold the odd strings too (invalid UTF-8 comes back
	// as U+FFFD, which the fast path leaves to the reference), but most must
	// take the fast path or it is not being tested.
	for _, k := range []string{"EnteredInError", "CloseTask"} {
		if f := counts[k+" (fast path)"]; f < counts[k]/2 {
			t.Errorf("%s: fast path taken %d times of %d", k, f, counts[k])
		}
	}
}

// TestFastEncoderOutcomeProperty: random issues and notes give the same
// OperationOutcome (patient and export) on both paths, or the same refusal.
func TestFastEncoderOutcomeProperty(t *testing.T) {
	n := propCount(propMinPerKind)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := &propGen{r: rand.New(rand.NewPCG(seed, 0x0c0e))}
	ref, err := NewWriter(WriteOptions{Tenant: "t", Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	fast, err := NewWriter(WriteOptions{Tenant: "t"})
	if err != nil {
		t.Fatal(err)
	}
	sevs := []Severity{SeverityError, SeverityWarning, SeverityInformation, "other"}
	refused := 0
	for i := range n {
		g.bad = g.coin(0.1)
		var issues []Issue
		var notes []Note
		for range g.r.IntN(5) {
			is := Issue{Code: g.code(), Message: g.str(), Severity: sevs[g.r.IntN(len(sevs))]}
			if g.coin(0.7) {
				is.ResourceType = g.pick([]string{"Observation", "Communication", "Device"})
			}
			if g.coin(0.6) {
				is.ID = g.pick([]string{"o-1", "x y", "é"})
			}
			if g.coin(0.5) {
				is.Path = g.str()
			}
			if g.coin(0.3) {
				is.Line = g.r.IntN(1000)
			}
			issues = append(issues, is)
		}
		for range g.r.IntN(3) {
			notes = append(notes, Note{Severity: sevs[g.r.IntN(len(sevs))], Code: g.code(), Message: g.str()})
		}
		pid := g.pick([]string{"p-1", "pat-7f3a"})
		scope := g.pick([]string{"2026-10", "all", ""})
		for _, export := range []bool{false, true} {
			var a, b []byte
			var aerr, berr error
			if export {
				a, aerr = ref.ExportOutcome(scope, issues)
				b, berr = fast.ExportOutcome(scope, issues)
			} else {
				a, aerr = ref.OperationOutcome(pid, scope, issues, notes)
				b, berr = fast.OperationOutcome(pid, scope, issues, notes)
			}
			if (aerr == nil) != (berr == nil) {
				t.Fatalf("seed %d iter %d: reference error %v, fast error %v", seed, i, aerr, berr)
			}
			if aerr != nil {
				refused++
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("seed %d iter %d (export %v) differs\nreference: %s\nfast:      %s", seed, i, export, a, b)
			}
		}
	}
	t.Logf("%d cases, %d refused", n, refused)
}
