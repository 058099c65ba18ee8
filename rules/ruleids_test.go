package rules_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ruleBook is the product's rule book. CI clones the repository beside a
// copy of shared/, so the path is the same there as in the workspace.
const ruleBook = "../../shared/docs/rpm-rules.md"

var ruleID = regexp.MustCompile(`R-[A-Z]+-[0-9]+`)

// TestEveryRuleIDIsTested keeps the rule book and the tests in step: every
// rule ID must be named by a test — in a test function's name (with _ for -)
// or in a string literal such as a table case name — in some *_test.go file
// of this package. Comments do not count.
func TestEveryRuleIDIsTested(t *testing.T) {
	book, err := os.ReadFile(ruleBook)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("rule book %s is missing: CI must check out shared/ beside the repository", ruleBook)
		}
		t.Skipf("rule book %s not found (not in CI): cannot check rule IDs against it", ruleBook)
	}
	if err != nil {
		t.Fatal(err)
	}
	ids := ruleID.FindAllString(string(book), -1)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		t.Fatalf("no rule ID found in %s", ruleBook)
	}

	named := testNames(t)
	var missing []string
	for _, id := range ids {
		if !strings.Contains(named, id) && !strings.Contains(named, strings.ReplaceAll(id, "-", "_")) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("rule IDs of %s named by no test or case: %s", ruleBook, strings.Join(missing, ", "))
	}
}

// testNames joins the function names and string literals of the package's
// test files.
func testNames(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files found: %v", err)
	}
	var b strings.Builder
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "ruleids_test.go" {
			continue // its own literals must not satisfy the check
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				b.WriteString(n.Name.Name + "\n")
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil {
						b.WriteString(s + "\n")
					}
				}
			}
			return true
		})
	}
	return b.String()
}
