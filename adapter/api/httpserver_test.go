package api

import (
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckBind(t *testing.T) {
	tests := map[string]struct {
		addr     string
		tokens   int
		insecure bool
		ok       bool
	}{
		"loopback v4 without tokens":       {"127.0.0.1:8080", 0, false, true},
		"loopback v6 without tokens":       {"[::1]:8080", 0, false, true},
		"localhost without tokens":         {"localhost:8080", 0, false, true},
		"all interfaces without tokens":    {":8080", 0, false, false},
		"0.0.0.0 without tokens":           {"0.0.0.0:8080", 0, false, false},
		"a LAN address without tokens":     {"10.1.2.3:8080", 0, false, false},
		"all interfaces with tokens":       {":8080", 1, false, true},
		"all interfaces insecure":          {":8080", 0, true, true},
		"a host name that is not loopback": {"rpm.internal:8080", 0, false, false},
		"no port":                          {"127.0.0.1", 0, false, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckBind(tt.addr, tt.tokens, tt.insecure)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
	assert.Contains(t, BindNotice("127.0.0.1:8080", 0), "loopback only")
	assert.Contains(t, BindNotice(":8080", 0), "INSECURE")
	assert.Empty(t, BindNotice(":8080", 2))
}

func TestNewHTTPServerSetsLimits(t *testing.T) {
	srv := NewHTTPServer("127.0.0.1:0", nil, Config{WriteTimeout: 3 * time.Minute})
	assert.Equal(t, DefaultReadHeaderTimeout, srv.ReadHeaderTimeout)
	assert.Equal(t, DefaultReadTimeout, srv.ReadTimeout)
	assert.Equal(t, 3*time.Minute, srv.WriteTimeout)
	assert.Equal(t, DefaultIdleTimeout, srv.IdleTimeout)
	assert.Equal(t, DefaultMaxHeaderBytes, srv.MaxHeaderBytes)
	assert.Greater(t, srv.WriteTimeout, DefaultRequestTimeout)
}

// Over a real connection: the operation path with "$", and the header limit,
// which net/http enforces with 431 before the API sees the request.
func TestHTTPServerServesTheAPI(t *testing.T) {
	s := newTestServer(t, Config{}, nil)
	cfg := Config{MaxHeaderBytes: 4 << 10}
	srv := NewHTTPServer("127.0.0.1:0", s, cfg)
	ln, err := net.Listen("tcp", srv.Addr)
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	base := "http://" + ln.Addr().String()

	resp, err := http.Get(base + "/fhir/Patient/p1/$rpm-eligibility?month=2024-03")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	r, err := http.NewRequest(http.MethodGet, base+"/healthz", nil)
	require.NoError(t, err)
	r.Header.Set("X-Padding", strings.Repeat("x", 8<<10))
	resp, err = http.DefaultClient.Do(r)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// Issue 11, point 12: bearer tokens and results in clear text on a network.
func TestPlainHTTPBeyondLoopbackIsWarned(t *testing.T) {
	for name, tt := range map[string]struct {
		addr, publicURL string
		tls, warn       bool
	}{
		"loopback in clear text":                {"127.0.0.1:8080", "", false, false},
		"every interface in clear text":         {":8080", "", false, true},
		"a LAN address in clear text":           {"10.1.2.3:8080", "http://rpm.internal", false, true},
		"every interface with TLS":              {"0.0.0.0:8443", "", true, false},
		"behind a TLS proxy (https public URL)": {"0.0.0.0:8080", "https://rpm.example.org", false, false},
	} {
		t.Run(name, func(t *testing.T) {
			got := TLSNotice(tt.addr, tt.tls, tt.publicURL)
			if tt.warn {
				assert.Contains(t, got, "without TLS")
			} else {
				assert.Empty(t, got)
			}
		})
	}
	srv := NewHTTPServer("127.0.0.1:0", nil, Config{TLS: true})
	require.NotNil(t, srv.TLSConfig)
	assert.GreaterOrEqual(t, srv.TLSConfig.MinVersion, uint16(tls.VersionTLS12))
}
