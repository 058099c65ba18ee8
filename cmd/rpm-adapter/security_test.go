package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// No credential, static or SMART, goes over plain http to a host other
// than loopback: evaluate refuses at start, exit 2 and one line, before it
// builds a client (so before any request), and never echoes the token.
func TestCredentialOverPlainHTTPIsRefusedAtStart(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	smart := []string{"--smart-client-id", "c", "--smart-key-id", "k", "--smart-key-file", keyFile}
	base := []string{"evaluate", "--month", "2026-10", "--patient", "p1"}

	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		msg  string
	}{
		{"a static token from the environment", map[string]string{"RPM_TOKEN": "s3cret-token"},
			[]string{"--fhir-base", "http://fhir.example.org/r4"}, "never sent over plain http"},
		{"a static token flag", nil,
			[]string{"--fhir-base", "http://192.0.2.10/fhir", "--token", "s3cret-token"}, "never sent over plain http"},
		{"SMART to an http base", nil,
			append([]string{"--fhir-base", "http://fhir.example.org/r4", "--smart-token-url", "https://auth.example.org/token"}, smart...),
			"never sent over plain http"},
		{"an http SMART token URL", nil,
			append([]string{"--fhir-base", "https://fhir.example.org/r4", "--smart-token-url", "http://auth.example.org/token"}, smart...),
			"TokenURL must be https"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, tt.env, append(base, tt.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out)
			assert.Equal(t, 1, strings.Count(errs, "\n"), errs)
			assert.Contains(t, errs, tt.msg)
			assert.NotContains(t, errs, "s3cret")
		})
	}
}

// An upstream 500 whose OperationOutcome holds a name, a birth date and an
// SSN: the CLI's log and its result table show status, resource type and
// issue code only. A foreign Group member is reported in the table.
func TestUpstreamDiagnosticsNeverReachTheTableOrLog(t *testing.T) {
	const phi = `Patient Jane Q Doe born 1961-04-12 SSN 078-05-1120`
	var patientReads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		switch r.URL.Path {
		case "/fhir/Group/g1":
			_, _ = w.Write([]byte(`{"resourceType":"Group","id":"g1","member":[{"entity":{"reference":"Patient/p1"}},` +
				`{"entity":{"reference":"https://other-hospital.example/fhir/Patient/p2"}}]}`))
		default:
			patientReads.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"` +
				phi + `","details":{"text":"` + phi + `"}}]}`))
		}
	}))
	defer srv.Close()

	code, out, errs := run(t, map[string]string{"RPM_TOKEN": "tok-never-shown"}, "evaluate", "--fhir-base", srv.URL+"/fhir",
		"--group", "g1", "--month", "2026-10", "--max-retries", "-1")
	assert.Equal(t, exitPartial, code, errs)
	assert.Regexp(t, `p1\s+.*failed: load: fhirclient: GET Patient: 500 Internal Server Error: error exception\n`, out)
	assert.Regexp(t, `https://other-hospital.example/fhir/Patient/p2\s+.*not evaluated: the Group member is a reference outside the FHIR base`, out)
	for _, part := range []string{"Jane", "1961", "078-05", "tok-never-shown"} {
		assert.NotContains(t, out, part)
		assert.NotContains(t, errs, part)
	}
	assert.Equal(t, int32(1), patientReads.Load(), "only the local p1 was read")
}

func TestBulkFileOriginMustBeAnOrigin(t *testing.T) {
	code, _, errs := run(t, nil, "evaluate", "--month", "2026-10", "--fhir-base", "http://127.0.0.1:1/fhir", "--group", "g",
		"--bulk", "--bulk-file-origin", "https://bucket.example.com/exports")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "is not scheme://host[:port]")
	code, _, errs = run(t, nil, "evaluate", "--month", "2026-10", "--bulk-file-origin", "https://bucket.example.com")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--bulk-file-origin is for --bulk")
	code, _, errs = run(t, nil, "evaluate", "--month", "2026-10", "--fhir-base", "http://127.0.0.1:1/fhir", "--patient", "p",
		"--max-response-bytes", "0")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--max-response-bytes must be positive")
}
