package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	writeSecret = "serve-write-token-0123456789"
	readSecret  = "serve-read-token-0123456789"
)

// do sends one request to the running service and returns the status.
func do(t *testing.T, client *http.Client, method, url string, hdr map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// The review's reproductions (issue 11, point 1) against serve itself,
// without tokens: a rebinding GET and a cross-site write.
func TestServeRefusesTheReviewsBrowserRequests(t *testing.T) {
	base, stop := startServe(t, nil)
	op := base + "/Patient/wc-c10/$rpm-eligibility?month=2026-10"
	write := base + "/Patient/wc-c10/$rpm-eligibility-write?month=2026-10"
	assert.Equal(t, http.StatusMisdirectedRequest, do(t, http.DefaultClient, http.MethodGet, op,
		map[string]string{"Host": "rebind.evil.example"}))
	assert.Equal(t, http.StatusForbidden, do(t, http.DefaultClient, http.MethodPost, write,
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}))
	assert.Equal(t, http.StatusUnsupportedMediaType, do(t, http.DefaultClient, http.MethodPost, write,
		map[string]string{"Content-Type": "text/plain"}))
	assert.Equal(t, http.StatusForbidden, do(t, http.DefaultClient, http.MethodPost, write,
		map[string]string{"Content-Type": "application/fhir+json"}), "without tokens, serve is read-only")
	assert.Equal(t, http.StatusOK, do(t, http.DefaultClient, http.MethodGet, op, nil))
	assert.Equal(t, exitOK, stop())
}

func TestServeTokenFileCarriesLabelsAndRoles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.WriteFile(file, []byte("# label role token\nehr write "+writeSecret+"\ndashboard read "+readSecret+"\n"), 0o600))
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	base, logs, stop := serveE2E(t, nil, "--api-token-file", file, "--audit-log", audit)
	op := base + "/Patient/wc-c10/$rpm-eligibility-write?month=2026-10"
	fhirJSON := map[string]string{"Content-Type": "application/fhir+json"}
	bearer := func(tok string) map[string]string {
		return map[string]string{"Content-Type": "application/fhir+json", "Authorization": "Bearer " + tok}
	}
	assert.Equal(t, http.StatusUnauthorized, do(t, http.DefaultClient, http.MethodPost, op, fhirJSON))
	assert.Equal(t, http.StatusForbidden, do(t, http.DefaultClient, http.MethodPost, op, bearer(readSecret)))
	assert.Equal(t, http.StatusOK, do(t, http.DefaultClient, http.MethodPost, op, bearer(writeSecret)))
	assert.Equal(t, exitOK, stop())

	out := logs.String()
	assert.Contains(t, out, `"token":"ehr"`)
	assert.Contains(t, out, `"token":"dashboard"`)
	assert.NotContains(t, out, writeSecret)
	assert.NotContains(t, out, readSecret)
	assert.NotContains(t, out, "wc-c10", "the patient id is in the audit trail only")

	fi, err := os.Stat(audit)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	b, err := os.ReadFile(audit)
	require.NoError(t, err)
	var events []map[string]any
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		var e map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		events = append(events, e)
	}
	require.Len(t, events, 3)
	last := events[2]
	for k, v := range map[string]any{"token_label": "ehr", "operation": "patient-eligibility", "patient_id": "wc-c10",
		"write": true, "status": 200.0, "outcome": "ok"} {
		assert.Equal(t, v, last[k], k)
	}
	assert.NotEmpty(t, last["time"])
	assert.NotEmpty(t, last["request_id"])
	assert.Equal(t, 403.0, events[1]["status"])
	assert.NotContains(t, string(b), writeSecret)
}

func TestServeRefusesABadTokenConfiguration(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.WriteFile(file, []byte("ehr write "+writeSecret+"\nehr admin "+readSecret+"\n"), 0o600))
	for name, args := range map[string][]string{
		"unknown role in the file":   {"serve", "--api-token-file", file},
		"unknown role in the list":   {"serve", "--api-tokens", "ehr:owner:" + writeSecret},
		"a short token":              {"serve", "--api-tokens", "ehr:write:short"},
		"half a TLS configuration":   {"serve", "--tls-cert", file},
		"an unreadable certificate":  {"serve", "--tls-cert", file, "--tls-key", file},
		"a zero bound on evaluation": {"serve", "--max-inflight", "0"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, errs := run(t, nil, append(args, "--addr", "127.0.0.1:0")...)
			assert.Equal(t, exitUsage, code)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one line: %s", errs)
			assert.NotContains(t, errs, writeSecret)
			assert.NotContains(t, errs, readSecret)
		})
	}
}

// Issue 11, point 12.
func TestServeSpeaksTLSWithItsCertificate(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	base, stop := startServe(t, nil, "--tls-cert", certFile, "--tls-key", keyFile)
	require.True(t, strings.HasPrefix(base, "https://"), base)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	assert.Equal(t, http.StatusOK, do(t, client, http.MethodGet, base+"/metadata", nil))
	// Plain HTTP on the TLS port gets net/http's 400, not the API.
	assert.Equal(t, http.StatusBadRequest, do(t, http.DefaultClient, http.MethodGet,
		strings.Replace(base, "https://", "http://", 1)+"/metadata", nil))
	assert.Equal(t, exitOK, stop())
}

func TestServeWarnsOfPlainHTTPBeyondLoopback(t *testing.T) {
	for name, tt := range map[string]struct {
		args []string
		warn bool
	}{
		"every interface, clear text":     {nil, true},
		"every interface, TLS proxy said": {[]string{"--public-url", "https://rpm.example.org"}, false},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"--addr", "0.0.0.0:0"}, tt.args...)
			_, logs, stop := serveE2E(t, map[string]string{"RPM_API_TOKENS": "ops:read:" + readSecret}, args...)
			assert.Equal(t, exitOK, stop())
			assert.Equal(t, tt.warn, strings.Contains(logs.String(), "without TLS"), logs.String())
		})
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSigned(t *testing.T) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rpm-adapter test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
