package e2etest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvBase names the variable holding the FHIR base of the test server,
// e.g. http://127.0.0.1:8090/fhir (.ci/run sets it after starting HAPI).
const EnvBase = "RPM_E2E_FHIR_BASE"

// Base returns the FHIR base URL of the end-to-end test server. When
// RPM_E2E_FHIR_BASE is unset the test is skipped with a message saying how
// to run it, except under CI=true, where a missing server is a failure:
// end-to-end tests must never pass silently in CI. A base that is set but
// does not answer GET [base]/metadata fails the test in every case.
func Base(t testing.TB) string {
	t.Helper()
	base := strings.TrimRight(strings.TrimSpace(os.Getenv(EnvBase)), "/")
	if base == "" {
		msg := fmt.Sprintf("end-to-end test needs a HAPI FHIR server: start one with testdata/hapi/start.sh PORT "+
			"and set %s=http://127.0.0.1:PORT/fhir", EnvBase)
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: %s", EnvBase, msg)
		}
		t.Skip(msg)
	}
	if err := ping(base); err != nil {
		t.Fatalf("%s=%s does not answer: %v", EnvBase, base, err)
	}
	return base
}

var (
	pingMu   sync.Mutex
	pingOK   = map[string]bool{}
	pingHTTP = &http.Client{Timeout: 30 * time.Second}
)

// ping checks GET [base]/metadata once per process and base.
func ping(base string) error {
	pingMu.Lock()
	defer pingMu.Unlock()
	if pingOK[base] {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metadata", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/fhir+json")
	res, err := pingHTTP.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET metadata answered %d", res.StatusCode)
	}
	pingOK[base] = true
	return nil
}
