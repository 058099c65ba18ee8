package jobs

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// River stays behind adapter.GroupJobs: the API never imports River, the
// store or this package (style.md: one package per dependency), and this
// package never imports Gin or the API.
func TestRiverStaysBehindTheInterface(t *testing.T) {
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
	for _, d := range deps(mod + "/adapter/api") {
		if strings.HasPrefix(d, "github.com/riverqueue/") || d == mod+"/adapter/jobs" || d == mod+"/adapter/store" {
			t.Errorf("adapter/api depends on %s", d)
		}
	}
	for _, d := range deps(mod + "/adapter/jobs") {
		if strings.HasPrefix(d, "github.com/gin-gonic/") || d == mod+"/adapter/api" {
			t.Errorf("adapter/jobs depends on %s", d)
		}
	}
}
