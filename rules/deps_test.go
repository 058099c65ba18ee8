package rules_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	modulePath   = "github.com/rpm-adapter/rpm-adapter"
	rulesPackage = modulePath + "/rules"
)

// TestRulesDependsOnTheStandardLibraryOnly asserts the arrows of the
// architecture (docs/style.md): rules is the pure domain core and imports
// nothing of this module and no third-party package.
func TestRulesDependsOnTheStandardLibraryOnly(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is not on PATH: %v", err)
		}
		t.Skipf("the go command is not on PATH (not in CI): %v", err)
	}
	cmd := exec.Command(goTool, "list", "-deps", rulesPackage)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", rulesPackage, err, stderr)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != rulesPackage {
		t.Fatalf("go list -deps did not list %s last: %v", rulesPackage, deps)
	}
	for _, dep := range deps {
		switch {
		case dep == rulesPackage:
		case dep == modulePath || strings.HasPrefix(dep, modulePath+"/"):
			t.Errorf("rules depends on %s of this module; arrows point down only", dep)
		case strings.Contains(strings.Split(dep, "/")[0], "."):
			t.Errorf("rules depends on %s, which is not in the standard library", dep)
		}
	}
}

// TestRulesNeitherLogsNorReadsTheClock scans every Go file of the package:
// rules never logs (no log, log/slog) and never reads the clock (AsOf is
// the run date).
func TestRulesNeitherLogsNorReadsTheClock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	clock := map[string]bool{"Now": true, "Since": true, "Until": true}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		timeNames := map[string]bool{}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "log" || strings.HasPrefix(path, "log/") {
				t.Errorf("%s: imports %q; rules never logs", fset.Position(imp.Pos()), path)
			}
			if path == "time" {
				local := "time"
				if imp.Name != nil {
					local = imp.Name.Name
				}
				timeNames[local] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && timeNames[x.Name] && clock[sel.Sel.Name] {
				t.Errorf("%s: calls %s.%s; rules never reads the clock", fset.Position(sel.Pos()), x.Name, sel.Sel.Name)
			}
			return true
		})
	}
}
