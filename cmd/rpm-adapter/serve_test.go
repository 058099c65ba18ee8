package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServe runs "serve" on a free loopback port and returns its base URL
// and a function that stops it (as SIGTERM would) and returns the exit code.
func startServe(t *testing.T, env map[string]string, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := realMain(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--out", t.TempDir(),
			"--db", filepath.Join(t.TempDir(), "rpm-adapter.db")}, args...),
			pw, io.Discard, func(k string) string { return env[k] })
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	return base, func() int {
		cancel()
		select {
		case c := <-done:
			return c
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
}

func TestServeEmbeddedSampleAnswersAndStopsGracefully(t *testing.T) {
	base, stop := startServe(t, nil)
	res, err := http.Get(base + "/Patient/wc-c10/$rpm-eligibility?month=2026-10")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/fhir+json", strings.Split(res.Header.Get("Content-Type"), ";")[0])
	assert.Contains(t, string(body), `"code":"99458"`)
	assert.NotEmpty(t, res.Header.Get("X-Request-Id"))
	assert.Equal(t, exitOK, stop())
}

func TestServeWithTokensRefusesAnonymousCalls(t *testing.T) {
	base, stop := startServe(t, map[string]string{"RPM_API_TOKENS": "a-very-long-secret-token-1"})
	res, err := http.Get(base + "/Patient/wc-c10/$rpm-eligibility?month=2026-10")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	req, _ := http.NewRequest(http.MethodGet, base+"/Patient/wc-c10/$rpm-eligibility?month=2026-10", nil)
	req.Header.Set("Authorization", "Bearer a-very-long-secret-token-1")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, exitOK, stop())
}

func TestServeRefusesAnOpenBindWithoutTokens(t *testing.T) {
	code, _, errs := run(t, nil, "serve", "--addr", "0.0.0.0:0")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "without API tokens")
}
