package fhirmap

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	readLiteralsOnce sync.Once
	readLiterals     map[string]bool
)

// readMessageLiterals returns every string literal of the decoder's source.
// An Issue.Message that is one of them cannot contain patient data.
func readMessageLiterals(t testing.TB) map[string]bool {
	readLiteralsOnce.Do(func() {
		readLiterals = map[string]bool{}
		files, _ := filepath.Glob("read_*.go")
		fset := token.NewFileSet()
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				panic(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						readLiterals[s] = true
					}
				}
				return true
			})
		}
	})
	if len(readLiterals) == 0 {
		t.Fatal("no literals found")
	}
	return readLiterals
}

// readCheckMessages fails when a message is not a literal of the source.
func readCheckMessages(t testing.TB, issues []Issue) {
	lits := readMessageLiterals(t)
	for _, is := range issues {
		if is.Code == CodeStrictInvalid {
			continue // the validator's own texts; see read_strict.go
		}
		if !lits[is.Message] {
			t.Errorf("issue message is not a constant text: %+v", is)
		}
		if is.Code == "" || is.Severity == "" {
			t.Errorf("issue without code or severity: %+v", is)
		}
	}
}

// TestIssueMessagesAreConstant decodes every input under testdata/fhir and
// checks that no message carries a value from the resource: each message is
// one of the decoder's fixed texts.
func TestIssueMessagesAreConstant(t *testing.T) {
	var files []string
	for _, pat := range []string{"*/*.json", "*/*.ndjson"} {
		m, _ := filepath.Glob(filepath.Join(readInputDir, pat))
		files = append(files, m...)
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".ndjson") {
			_ = DecodeNDJSON(bytes.NewReader(b), func(res Resource, issues []Issue) error {
				n += len(issues)
				readCheckMessages(t, issues)
				readCheckInteractions(t, res)
				return nil
			})
			continue
		}
		res, issues := Decode(b)
		n += len(issues)
		readCheckMessages(t, issues)
		readCheckInteractions(t, res)
	}
	if n < 50 {
		t.Errorf("only %d issues seen; the inputs lost their bad cases", n)
	}
}

func readCheckInteractions(t testing.TB, res Resource) {
	if c, ok := res.(*Communication); ok {
		_, issues := Interaction(c, nil)
		readCheckMessages(t, issues)
	}
}
