package adapter_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/rpm-adapter/rpm-adapter"

// TestPackagesAreCutByDependency asserts the arrows of adapter/
// (docs/style.md): the root keeps orchestration and the interfaces, and
// imports none of the packages that implement them; each of those packages
// brings its own dependency and not its siblings'.
func TestPackagesAreCutByDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is not on PATH: %v", err)
		}
		t.Skipf("the go command is not on PATH (not in CI): %v", err)
	}
	cases := []struct {
		name string
		pkg  string
		// module lists, when set, the only packages of this module pkg may
		// depend on.
		module []string
		// never are import paths (or prefixes ending in "/") pkg must not
		// depend on.
		never []string
	}{
		{
			name:   "the root depends on fhirmap and rules only, and on no network or database code",
			pkg:    "adapter",
			module: []string{"fhirmap", "rules"},
			never:  []string{"net/http", "github.com/gin-gonic/", "github.com/hashicorp/go-retryablehttp", "github.com/jackc/", "modernc.org/sqlite", "github.com/riverqueue/"},
		},
		{
			name:   "the NDJSON source and sink read and write files, never the network",
			pkg:    "adapter/ndjson",
			module: []string{"adapter", "fhirmap", "rules"},
			never:  []string{"net/http", "github.com/gin-gonic/", "github.com/jackc/", "modernc.org/sqlite", "github.com/riverqueue/"},
		},
		{
			name:   "the FHIR-server source and sink talk to the server through fhirclient only",
			pkg:    "adapter/fhirserver",
			module: []string{"adapter", "adapter/fhirclient", "fhirmap", "rules"},
			never:  []string{"github.com/gin-gonic/", "github.com/jackc/", "modernc.org/sqlite", "github.com/riverqueue/"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := modulePath + "/" + c.pkg
			out, err := exec.Command(goTool, "list", "-deps", pkg).Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
			}
			deps := strings.Fields(string(out))
			if len(deps) == 0 || deps[len(deps)-1] != pkg {
				t.Fatalf("go list -deps did not list %s last: %v", pkg, deps)
			}
			for _, dep := range deps[:len(deps)-1] {
				if rel, ok := strings.CutPrefix(dep, modulePath+"/"); ok && c.module != nil && !slices.Contains(c.module, rel) {
					t.Errorf("%s depends on %s of this module; the arrows allow %v", c.pkg, rel, c.module)
				}
				for _, n := range c.never {
					if dep == n || (strings.HasSuffix(n, "/") && strings.HasPrefix(dep, n)) {
						t.Errorf("%s depends on %s", c.pkg, dep)
					}
				}
			}
		})
	}
}
