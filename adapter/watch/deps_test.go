package watch

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The watcher depends on the root's interfaces, the store, the FHIR client
// and fhirmap/rules only: not on the API, River's client or the FHIR-server
// source;
// and the API does not depend on it.
func TestTheWatcherKeepsItsArrows(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is not on PATH: %v", err)
		}
		t.Skipf("the go command is not on PATH (not in CI): %v", err)
	}
	deps := func(pkg string) []string {
		out, err := exec.Command(goTool, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	const mod = "github.com/rpm-adapter/rpm-adapter"
	allowed := []string{"adapter", "adapter/store", "adapter/fhirclient", "fhirmap", "rules"}
	for _, d := range deps(mod + "/adapter/watch") {
		if rel, ok := strings.CutPrefix(d, mod+"/"); ok && rel != "adapter/watch" && !slices.Contains(allowed, rel) {
			t.Errorf("adapter/watch depends on %s", rel)
		}
		// The store migrates River's tables (rivermigrate); the queue itself
		// is adapter/jobs, reached through adapter.WatchQueue only.
		if strings.HasPrefix(d, "github.com/gin-gonic/") || d == "github.com/riverqueue/river" {
			t.Errorf("adapter/watch depends on %s", d)
		}
	}
	for _, d := range deps(mod + "/adapter/api") {
		if d == mod+"/adapter/watch" {
			t.Error("adapter/api depends on adapter/watch")
		}
	}
}
