package ig

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

func TestGuideHoldsTheWrittenResourcesProfiles(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 30 {
		t.Fatalf("%d resources embedded; the compiled guide is missing", len(all))
	}
	for _, id := range []string{"rpm-measurereport", "rpm-chargeitem", "rpm-task"} {
		r, ok := Get("StructureDefinition", id)
		if !ok {
			t.Fatalf("StructureDefinition/%s is not in the guide", id)
		}
		var sd struct {
			URL, Kind, Derivation string
			Type                  string `json:"type"`
		}
		if err := json.Unmarshal(r.JSON, &sd); err != nil {
			t.Fatal(err)
		}
		if sd.URL != Canonical+"/StructureDefinition/"+id || sd.Kind != "resource" || sd.Derivation != "constraint" {
			t.Errorf("%s: url %q kind %q derivation %q", id, sd.URL, sd.Kind, sd.Derivation)
		}
	}
	if _, ok := ByURL(GuideURL); !ok {
		t.Errorf("the ImplementationGuide %s is not in the guide", GuideURL)
	}
}

// Every extension, code system and measure the adapter writes or reads is
// defined in the guide, under fhirmap's own constants.
func TestEveryCanonicalTheAdapterUsesIsDefined(t *testing.T) {
	for name, p := range adapterPaths {
		url := fhirmap.Canonical(fhirmap.DefaultCanonical, p)
		r, ok := ByURL(url)
		if !ok {
			t.Errorf("%s: %s is not defined in the guide", name, url)
			continue
		}
		if want := strings.Split(strings.TrimPrefix(p, "/"), "/")[0]; r.Type != want {
			t.Errorf("%s: %s is a %s, want a %s", name, url, r.Type, want)
		}
	}
	if fhirmap.DefaultCanonical != Canonical {
		t.Errorf("fhirmap's canonical %s is not the guide's %s", fhirmap.DefaultCanonical, Canonical)
	}
}

// adapterPaths are fhirmap's paths of what the adapter writes or reads.
var adapterPaths = map[string]string{
	"communication-duration": fhirmap.PathDurationExt,
	"program":                fhirmap.PathProgramSystem,
	"rpm-adapter":            fhirmap.PathGeneratedTagSys,
	"rpm-task":               fhirmap.PathTaskCodeSystem,
	"rpm-issue":              fhirmap.PathIssueSystem,
	"rpm-device-days":        fhirmap.PathMeasureDevice,
	"rpm-treatment-time":     fhirmap.PathMeasureTime,
	"rpm-rule-set":           fhirmap.PathExtRuleSet,
	"rpm-policy":             fhirmap.PathExtPolicy,
	"rpm-payer-profile":      fhirmap.PathExtPayerProfile,
	"rpm-consent":            fhirmap.PathExtConsent,
	"rpm-time-zone":          fhirmap.PathExtTimeZone,
	"rpm-episode-period":     fhirmap.PathExtEpisodePeriod,
	"rpm-interactive":        fhirmap.PathExtInteractive,
	"rpm-data-days":          fhirmap.PathExtDataDays,
	"rpm-unbilled-minutes":   fhirmap.PathExtUnbilledMinutes,
	"rpm-progress":           fhirmap.PathExtProgress,
	"rpm-finding":            fhirmap.PathExtFinding,
	"rpm-date-of-service":    fhirmap.PathExtDateOfService,
	"rpm-subject":            fhirmap.PathExtSubject,
}

// codesOf returns the codes of a CodeSystem of the guide.
func codesOf(t *testing.T, id string) map[string]bool {
	t.Helper()
	r, ok := Get("CodeSystem", id)
	if !ok {
		t.Fatalf("CodeSystem/%s is not in the guide", id)
	}
	var cs struct {
		Content string
		Concept []struct{ Code string }
	}
	if err := json.Unmarshal(r.JSON, &cs); err != nil {
		t.Fatal(err)
	}
	if cs.Content != "complete" {
		t.Fatalf("CodeSystem/%s: content %q, want complete", id, cs.Content)
	}
	codes := map[string]bool{}
	for _, c := range cs.Concept {
		codes[c.Code] = true
	}
	return codes
}

// The issue codes are a complete code system: a code written but not listed
// is an error to the validator. fhirmap's Code constants are read from its
// source, so a new one cannot be forgotten here.
func TestEveryIssueCodeIsInTheCodeSystem(t *testing.T) {
	codes := codesOf(t, "rpm-issue")
	f, err := parser.ParseFile(token.NewFileSet(), "../fhirmap/read_issue.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, name := range v.Names {
				if !strings.HasPrefix(name.Name, "Code") || i >= len(v.Values) {
					continue
				}
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				code, _ := strconv.Unquote(lit.Value)
				n++
				if !codes[code] {
					t.Errorf("fhirmap.%s = %q is not in CodeSystem/rpm-issue", name.Name, code)
				}
			}
		}
	}
	if n < 30 {
		t.Fatalf("found %d Code constants in fhirmap/read_issue.go; the parse is wrong", n)
	}
	for _, code := range []string{"not-evaluated", "more-issues", "patient-not-in-export"} {
		if !codes[code] {
			t.Errorf("%q (written by the adapter's notes) is not in CodeSystem/rpm-issue", code)
		}
	}
}

func TestTaskCodesAreInTheCodeSystem(t *testing.T) {
	codes := codesOf(t, "rpm-task")
	for _, c := range []string{fhirmap.TaskCodeDeviceDays, fhirmap.TaskCodeManagementTime, fhirmap.TaskInputMissingDays,
		fhirmap.TaskInputMissingMins, fhirmap.TaskInputDaysLeft, fhirmap.TaskInputInteractive, fhirmap.TaskInputDueDate} {
		if !codes[c] {
			t.Errorf("%q is not in CodeSystem/rpm-task", c)
		}
	}
	rs := codesOf(t, "rpm-rule-set")
	for _, id := range []rules.RuleSetID{rules.CMSPFS2021, rules.CMSPFS2026} {
		if !rs[string(id)] {
			t.Errorf("rule set %q is not in CodeSystem/rpm-rule-set", id)
		}
	}
	if !codesOf(t, "rpm-adapter")[fhirmap.GeneratedTagCode] || !codesOf(t, "program")[fhirmap.ProgramRPMCode] {
		t.Error("the generated tag or the rpm program code is missing")
	}
}

// findingCodes reads the codes of the findings the rules package emits
// from its source: every Finding{Code: "…"} literal, and the codes of the
// skipped readings' table (skipText), which skippedFindings uses. A Code
// that is neither fails the test, so a new way of making findings cannot
// slip past it.
func findingCodes(t *testing.T) map[string]bool {
	t.Helper()
	names, err := filepath.Glob("../rules/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	codes := map[string]bool{}
	str := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	isFinding := func(e ast.Expr) bool { id, ok := e.(*ast.Ident); return ok && id.Name == "Finding" }
	finding := func(name string, n *ast.CompositeLit) {
		for _, e := range n.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				t.Errorf("%s: a Finding literal without field names", name)
				continue
			}
			if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Code" {
				continue
			}
			if code, ok := str(kv.Value); ok {
				codes[code] = true
			} else if sel, ok := kv.Value.(*ast.SelectorExpr); !ok || sel.Sel.Name != "code" {
				t.Errorf("%s: a Finding's Code is neither a string literal nor skipText's code", name)
			}
		}
	}
	skipTable := false
	for name, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if len(n.Names) == 1 && n.Names[0].Name == "skipText" && len(n.Values) == 1 {
					cl, ok := n.Values[0].(*ast.CompositeLit)
					if !ok {
						t.Fatalf("%s: skipText is no composite literal", name)
					}
					for _, e := range cl.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							e = kv.Value
						}
						row, ok := e.(*ast.CompositeLit)
						if !ok || len(row.Elts) == 0 {
							t.Fatalf("%s: a skipText row is not {code, why}", name)
						}
						code, ok := str(row.Elts[0])
						if !ok {
							t.Fatalf("%s: a skipText code is no string literal", name)
						}
						codes[code] = true
						skipTable = true
					}
				}
			case *ast.CompositeLit:
				if isFinding(n.Type) {
					finding(name, n)
				} else if at, ok := n.Type.(*ast.ArrayType); ok && isFinding(at.Elt) {
					for _, e := range n.Elts { // []Finding{{Code: …}}
						if cl, ok := e.(*ast.CompositeLit); ok && cl.Type == nil {
							finding(name, cl)
						}
					}
				}
			}
			return true
		})
	}
	if !skipTable {
		t.Fatal("skipText not found in package rules; the parse is wrong")
	}
	if len(codes) < 20 {
		t.Fatalf("found %d finding codes in package rules; the parse is wrong", len(codes))
	}
	return codes
}

// The finding codes are a complete code system, bound required to the
// rpm-finding extension's code: every code the rules emit must be in it,
// and it lists no code the rules do not emit.
func TestEveryFindingCodeIsInTheCodeSystem(t *testing.T) {
	emitted := findingCodes(t)
	listed := codesOf(t, "rpm-finding")
	for code := range emitted {
		if !listed[code] {
			t.Errorf("the rules emit the finding %q, which is not in CodeSystem/rpm-finding", code)
		}
	}
	for code := range listed {
		if !emitted[code] {
			t.Errorf("CodeSystem/rpm-finding lists %q, which the rules never emit", code)
		}
	}
	r, ok := Get("StructureDefinition", "rpm-finding")
	if !ok {
		t.Fatal("StructureDefinition/rpm-finding is not in the guide")
	}
	var sd struct {
		Differential struct {
			Element []struct {
				ID      string
				Binding *struct{ Strength, ValueSet string }
			}
		}
	}
	if err := json.Unmarshal(r.JSON, &sd); err != nil {
		t.Fatal(err)
	}
	bound := false
	for _, e := range sd.Differential.Element {
		if e.ID == "Extension.extension:code.value[x]" && e.Binding != nil {
			bound = e.Binding.Strength == "required" && e.Binding.ValueSet == Canonical+"/ValueSet/rpm-finding"
		}
	}
	if !bound {
		t.Error("rpm-finding's code is not bound (required) to ValueSet/rpm-finding")
	}
	if _, ok := ByURL(Canonical + "/ValueSet/rpm-finding"); !ok {
		t.Error("ValueSet/rpm-finding is not in the guide")
	}
}

// Rebase moves every URL of the guide's base, and only those, to the
// deployment's canonical.
func TestRebaseMovesTheGuideToAnotherCanonical(t *testing.T) {
	const base = "https://fhir.example.org/rpm"
	g, err := Rebase(base)
	if err != nil {
		t.Fatal(err)
	}
	if g.Canonical() != base || g.GuideURL() != base+"/ImplementationGuide/rpm-adapter.fhir" {
		t.Errorf("canonical %s, guide %s", g.Canonical(), g.GuideURL())
	}
	def, _ := Default()
	if d, _ := Rebase(""); d != def {
		t.Error(`Rebase("") is not the guide as compiled`)
	}
	if len(g.All()) != len(def.All()) {
		t.Fatalf("%d resources rebased, %d compiled", len(g.All()), len(def.All()))
	}
	for i, r := range g.All() {
		was := def.All()[i]
		if r.URL != "" && r.URL != base+strings.TrimPrefix(was.URL, Canonical) {
			t.Errorf("%s/%s: url %s", r.Type, r.ID, r.URL)
		}
		if strings.Contains(string(r.JSON), Canonical) {
			t.Errorf("%s/%s still names %s", r.Type, r.ID, Canonical)
		}
		var head struct{ URL string }
		if err := json.Unmarshal(r.JSON, &head); err != nil || head.URL != r.URL {
			t.Errorf("%s/%s: url in the JSON %q, want %q (%v)", r.Type, r.ID, head.URL, r.URL, err)
		}
		if strings.Count(string(was.JSON), Canonical) != strings.Count(string(r.JSON), base) {
			t.Errorf("%s/%s: not every URL of the base was moved", r.Type, r.ID)
		}
	}
	for _, u := range []string{"/StructureDefinition/rpm-chargeitem", "/OperationDefinition/Group-rpm-eligibility",
		"/CapabilityStatement/rpm-adapter", "/ValueSet/rpm-finding"} {
		if _, ok := g.ByURL(base + u + "|0.1.0"); !ok {
			t.Errorf("%s%s is not found", base, u)
		}
		if _, ok := g.ByURL(Canonical + u); ok {
			t.Errorf("%s%s is still found", Canonical, u)
		}
	}
	// What the adapter writes under that base resolves in the moved guide.
	for name, p := range adapterPaths {
		if _, ok := g.ByURL(fhirmap.Canonical(base, p)); !ok {
			t.Errorf("%s: %s is not in the guide under %s", name, fhirmap.Canonical(base, p), base)
		}
	}
	r, _ := g.Get("StructureDefinition", "rpm-finding")
	if !strings.Contains(string(r.JSON), `"valueSet":"`+base+`/ValueSet/rpm-finding"`) &&
		!strings.Contains(string(r.JSON), `"valueSet": "`+base+`/ValueSet/rpm-finding"`) {
		t.Error("rpm-finding's binding was not moved")
	}
}
