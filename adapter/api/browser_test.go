package api

import (
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 11, point 1: DNS rebinding. A page at http://rebind.evil.example
// whose name then resolves to 127.0.0.1 reads the adapter's answers as its
// own origin's; the Host header still says rebind.evil.example.
func TestForeignHostIsRefused(t *testing.T) {
	cfg := Config{ListenAddr: "127.0.0.1:8080", PublicURL: "https://rpm.example.org/api",
		AllowedHosts: []string{"rpm-proxy.internal"}}
	s := newTestServer(t, cfg, nil)
	const op = "/fhir/Patient/p1/$rpm-eligibility?month=2024-03"
	for host, want := range map[string]int{
		"rebind.evil.example":      http.StatusMisdirectedRequest,
		"rebind.evil.example:8080": http.StatusMisdirectedRequest,
		"127.0.0.1.evil.example":   http.StatusMisdirectedRequest,
		"example.com":              http.StatusMisdirectedRequest, // not allowed in this config
		"":                         http.StatusMisdirectedRequest,
		"127.0.0.1:8080":           http.StatusOK,
		"localhost:8080":           http.StatusOK,
		"LOCALHOST.":               http.StatusOK,
		"[::1]:8080":               http.StatusOK,
		"127.0.0.2":                http.StatusOK, // loopback, so no page of another origin
		"rpm.example.org":          http.StatusOK, // the public URL's host
		"rpm-proxy.internal:443":   http.StatusOK, // --allowed-hosts
	} {
		t.Run(host, func(t *testing.T) {
			r := newRequest(req{method: http.MethodGet, target: op})
			r.Host = host
			w := serve(s, r)
			require.Equal(t, want, w.Code, w.Body.String())
			if want != http.StatusOK {
				oo := outcomeOf(t, w)
				assert.Equal(t, "security", oo.Issue[0].Code)
				assert.NotContains(t, w.Body.String(), "evil", "the Host is not echoed")
			}
		})
	}
	// Every route, metadata and unknown ones too; the probes are exempt
	// (an orchestrator's probe names the pod's address).
	for target, want := range map[string]int{
		"/fhir/metadata": http.StatusMisdirectedRequest, "/metrics": http.StatusMisdirectedRequest,
		"/nowhere": http.StatusMisdirectedRequest, "/healthz": http.StatusOK, "/readyz": http.StatusOK,
	} {
		r := newRequest(req{method: http.MethodGet, target: target})
		r.Host = "rebind.evil.example"
		assert.Equal(t, want, serve(s, r).Code, target)
	}
	s.fake.mu.Lock()
	defer s.fake.mu.Unlock()
	assert.Len(t, s.fake.calls, 7, "only the allowed hosts reached the service")
}

func TestListeningOnEveryInterfaceAllowsTheMachinesAddresses(t *testing.T) {
	g := newHostGuard(Config{ListenAddr: "0.0.0.0:8080"})
	assert.True(t, g.allowed("127.0.0.1:8080"))
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			assert.True(t, g.allowed(net.JoinHostPort(n.IP.String(), "8080")), n.IP.String())
		}
	}
	assert.False(t, g.allowed("rpm.example.org"), "a name must be allowed explicitly")
}

// Issue 11, point 1: the review's reproduction, a cross-site POST from a
// page the operator opened, asking to write back, is refused before it
// reaches the service, with or without tokens.
func TestCrossSiteUnsafeRequestIsRefused(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	for name, cfg := range map[string]Config{"no tokens": {}, "tokens": withTokens()} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, cfg, fake)
			const op = "/fhir/Patient/p1/$rpm-eligibility-write?month=2026-10"
			for hname, h := range map[string]map[string]string{
				"the review's request":      {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
				"cross-site alone":          {"Sec-Fetch-Site": "cross-site"},
				"same-site is not enough":   {"Sec-Fetch-Site": "same-site"},
				"a foreign Origin alone":    {"Origin": "https://evil.example"},
				"an Origin of another port": {"Origin": "http://example.com:9999"},
				"a null Origin":             {"Origin": "null"},
			} {
				for _, r := range []req{
					{method: http.MethodPost, target: op, contentType: "text/plain", token: fullToken, header: h},
					{method: http.MethodPost, target: op, token: fullToken, header: h},
					{method: http.MethodPost, target: "/fhir/Group/g1/$rpm-eligibility", token: fullToken, header: h},
					{method: http.MethodDelete, target: "/fhir/_jobs/0123456789abcdef0123456789abcdef", token: fullToken, header: h},
				} {
					w := s.do(t, r)
					require.Equal(t, http.StatusForbidden, w.Code, "%s: %s %s", hname, r.method, r.target)
					assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "cross-origin")
				}
			}
			// The same origin, and clients that are not browsers, pass.
			for _, h := range []map[string]string{
				{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"},
				{"Sec-Fetch-Site": "none"},
				nil,
			} {
				w := s.do(t, req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility?month=2026-10",
					token: fullToken, header: h})
				assert.Equal(t, http.StatusOK, w.Code, "%v", h)
			}
			// A safe method is not refused: the page cannot read the
			// answer (no CORS), and the Host check stops rebinding.
			w := s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility?month=2026-10",
				token: fullToken, header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
			assert.Equal(t, http.StatusOK, w.Code)
		})
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, c := range fake.calls {
		assert.False(t, c.write, "no cross-site request wrote anything")
	}
}

// Issue 11, point 1: text/plain, form encodings and no Content-Type are
// what a page may POST cross-site without a CORS preflight.
func TestPostNeedsAFHIRJSONContentTypeEvenWhenEmpty(t *testing.T) {
	s := newTestServer(t, writeOnly(), nil)
	const op = "/fhir/Patient/p1/$rpm-eligibility?month=2024-03"
	for ct, want := range map[string]int{
		"text/plain":                        http.StatusUnsupportedMediaType,
		"application/x-www-form-urlencoded": http.StatusUnsupportedMediaType,
		"multipart/form-data; boundary=x":   http.StatusUnsupportedMediaType,
		noContentType:                       http.StatusUnsupportedMediaType,
		"application/fhir+json":             http.StatusOK,
		"application/json; charset=utf-8":   http.StatusOK,
	} {
		for _, target := range []string{op, "/fhir/Patient/p1/$rpm-eligibility-write?month=2024-03"} {
			w := s.do(t, req{method: http.MethodPost, target: target, contentType: ct, token: fullToken})
			require.Equal(t, want, w.Code, "%s: %s", ct, w.Body.String())
			if want != http.StatusOK {
				assert.Equal(t, "not-supported", outcomeOf(t, w).Issue[0].Code)
			}
		}
	}
}
