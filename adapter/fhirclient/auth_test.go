package fhirclient

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Keys are generated once: RSA generation is slow under -race.
var (
	rsaKey  = sync.OnceValue(func() crypto.Signer { k, _ := rsa.GenerateKey(rand.Reader, 2048); return k })
	p384Key = sync.OnceValue(func() crypto.Signer { k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader); return k })
)

func pkcs8PEM(t *testing.T, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// tokenServer is a SMART authorisation server that checks every client
// assertion against pub and issues tok-1, tok-2, ... valid for ttl seconds.
type tokenServer struct {
	*scripted
	mu   sync.Mutex
	jtis []string
}

func newTokenServer(t *testing.T, pub crypto.PublicKey, alg string, clock *fakeClock, ttl int) *tokenServer {
	t.Helper()
	ts := &tokenServer{}
	ts.scripted = newScriptedFunc(t, func(i int, r *http.Request) reply {
		tokenURL := "http://" + r.Host + "/token"
		if err := r.ParseForm(); err != nil {
			return reply{status: 400, body: `{"error":"invalid_request"}`}
		}
		assert.Equal(t, "client_credentials", r.PostForm.Get("grant_type"))
		assert.Equal(t, "system/Observation.rs", r.PostForm.Get("scope"))
		assert.Equal(t, assertionType, r.PostForm.Get("client_assertion_type"))
		claims := jwt.MapClaims{}
		tok, err := jwt.ParseWithClaims(r.PostForm.Get("client_assertion"), claims,
			func(*jwt.Token) (any, error) { return pub, nil },
			jwt.WithValidMethods([]string{alg}), jwt.WithAudience(tokenURL), jwt.WithIssuer("rpm-client"),
			jwt.WithSubject("rpm-client"), jwt.WithExpirationRequired(), jwt.WithTimeFunc(clock.Now))
		if !assert.NoError(t, err, "assertion must verify with the public key") {
			return reply{status: 401, body: `{"error":"invalid_client"}`}
		}
		assert.Equal(t, "key-1", tok.Header["kid"])
		assert.Equal(t, tokenURL, claims["aud"], "aud is a plain string")
		exp, _ := claims.GetExpirationTime()
		assert.LessOrEqual(t, exp.Sub(clock.Now()), 5*time.Minute)
		ts.mu.Lock()
		ts.jtis = append(ts.jtis, claims["jti"].(string))
		ts.mu.Unlock()
		return reply{status: 200, header: map[string]string{"Content-Type": "application/json"},
			body: fmt.Sprintf(`{"access_token":"tok-%d","token_type":"bearer","expires_in":%d,"scope":"system/Observation.rs"}`, i+1, ttl)}
	})
	return ts
}

func smartAuth(t *testing.T, ts *tokenServer, key crypto.Signer, clock *fakeClock) *SMARTAuth {
	t.Helper()
	a, err := NewSMARTAuth(SMARTConfig{
		TokenURL: ts.URL + "/token", ClientID: "rpm-client", KeyID: "key-1",
		PrivateKeyPEM: pkcs8PEM(t, key), Scope: "system/Observation.rs", Now: clock.Now,
	})
	require.NoError(t, err)
	return a
}

func TestSMARTAssertionVerifiesWithThePublicKey(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  crypto.Signer
		alg  string
	}{
		{"an RSA key signs RS384", rsaKey(), "RS384"},
		{"a P-384 key signs ES384", p384Key(), "ES384"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			ts := newTokenServer(t, tt.key.Public(), tt.alg, clock, 300)
			a := smartAuth(t, ts, tt.key, clock)
			tok, err := a.Token(t.Context())
			require.NoError(t, err)
			assert.Equal(t, "tok-1", tok)
			assert.Equal(t, 1, ts.count())
		})
	}
}

func TestSMARTTokenIsCachedThenRefreshedBeforeExpiry(t *testing.T) {
	clock := newFakeClock()
	ts := newTokenServer(t, p384Key().Public(), "ES384", clock, 300)
	fhir := newScripted(t, reply{status: 200, body: patientJSON})
	cfg := fastConfig(fhir.URL)
	cfg.Auth = smartAuth(t, ts, p384Key(), clock)
	c := newClient(t, cfg)

	for range 3 {
		_, err := c.Read(t.Context(), "Patient", "p1")
		require.NoError(t, err)
	}
	assert.Equal(t, 1, ts.count(), "one token for three calls")

	clock.Advance(239 * time.Second) // refresh is due 60 s before the 300 s expiry
	_, err := c.Read(t.Context(), "Patient", "p1")
	require.NoError(t, err)
	assert.Equal(t, 1, ts.count(), "still fresh")

	clock.Advance(2 * time.Second)
	_, err = c.Read(t.Context(), "Patient", "p1")
	require.NoError(t, err)
	assert.Equal(t, 2, ts.count(), "refreshed inside the skew")
	assert.Equal(t, "Bearer tok-1", fhir.request(3).Header.Get("Authorization"))
	assert.Equal(t, "Bearer tok-2", fhir.request(4).Header.Get("Authorization"))
	assert.NotEqual(t, ts.jtis[0], ts.jtis[1], "every assertion has its own jti")
}

func TestUnauthorisedRefreshesTheTokenOnce(t *testing.T) {
	tests := []struct {
		name       string
		fhir       func(i int, r *http.Request) reply
		wantErr    bool
		wantFHIR   int
		wantTokens int
	}{
		{"a revoked token is replaced and the call succeeds",
			func(_ int, r *http.Request) reply {
				if r.Header.Get("Authorization") == "Bearer tok-1" {
					return reply{status: 401}
				}
				return reply{status: 200, body: patientJSON}
			}, false, 2, 2},
		{"a second 401 is final",
			func(int, *http.Request) reply { return reply{status: 401} }, true, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			ts := newTokenServer(t, rsaKey().Public(), "RS384", clock, 300)
			fhir := newScriptedFunc(t, tt.fhir)
			cfg := fastConfig(fhir.URL)
			cfg.Auth = smartAuth(t, ts, rsaKey(), clock)
			c := newClient(t, cfg)

			_, err := c.Transaction(t.Context(), []byte(`{"resourceType":"Bundle"}`), false)
			if tt.wantErr {
				assert.ErrorIs(t, err, ErrAuth)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.wantFHIR, fhir.count())
			assert.Equal(t, tt.wantTokens, ts.count())
		})
	}
}

func TestStaticTokenIsNotRetriedOn401(t *testing.T) {
	fhir := newScripted(t, reply{status: 401})
	cfg := fastConfig(fhir.URL)
	cfg.Auth = StaticToken("static-1")
	c := newClient(t, cfg)

	_, err := c.Read(t.Context(), "Patient", "p1")
	assert.ErrorIs(t, err, ErrAuth)
	assert.Equal(t, 1, fhir.count())
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), "static-1")
}

func TestTokenEndpointRefusalIsAnAuthError(t *testing.T) {
	tokens := newScripted(t, reply{status: 400, header: map[string]string{"Content-Type": "application/json"},
		body: `{"error":"invalid_client","error_description":"unknown kid"}`})
	fhir := newScripted(t, reply{status: 200, body: patientJSON})
	a, err := NewSMARTAuth(SMARTConfig{TokenURL: tokens.URL, ClientID: "rpm-client", KeyID: "key-1",
		PrivateKeyPEM: pkcs8PEM(t, p384Key()), Scope: "system/Observation.rs"})
	require.NoError(t, err)
	cfg := fastConfig(fhir.URL)
	cfg.Auth = a
	c := newClient(t, cfg)

	_, err = c.Read(t.Context(), "Patient", "p1")
	assert.ErrorIs(t, err, ErrAuth)
	assert.Contains(t, err.Error(), "invalid_client")
	assert.NotContains(t, err.Error(), "eyJ", "no JWT in the error")
	assert.Zero(t, fhir.count(), "no request without a token")
}

func TestNewSMARTAuthRefusesBadConfig(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	good := SMARTConfig{TokenURL: "https://auth.test/token", ClientID: "c", KeyID: "k", Scope: "system/*.rs",
		PrivateKeyPEM: pkcs8PEM(t, p384Key())}
	with := func(f func(*SMARTConfig)) SMARTConfig { c := good; f(&c); return c }
	tests := []struct {
		name string
		cfg  SMARTConfig
	}{
		{"a relative token URL", with(func(c *SMARTConfig) { c.TokenURL = "/token" })},
		{"a missing key id", with(func(c *SMARTConfig) { c.KeyID = "" })},
		{"a missing scope", with(func(c *SMARTConfig) { c.Scope = "" })},
		{"text that is not PEM", with(func(c *SMARTConfig) { c.PrivateKeyPEM = []byte("not a key") })},
		{"an RSA key under 2048 bits", with(func(c *SMARTConfig) { c.PrivateKeyPEM = pkcs8PEM(t, weak) })},
		{"a P-256 key, which cannot sign ES384", with(func(c *SMARTConfig) { c.PrivateKeyPEM = pkcs8PEM(t, p256) })},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := NewSMARTAuth(tt.cfg)
			assert.Error(t, err)
		})
	}
	_, err = NewSMARTAuth(good)
	assert.NoError(t, err, "the good config itself is accepted")
}

func TestSMARTLogsNeverCarryTheToken(t *testing.T) {
	var logs logBuffer
	clock := newFakeClock()
	ts := newTokenServer(t, rsaKey().Public(), "RS384", clock, 300)
	fhir := newScripted(t, reply{status: 401}, reply{status: 200, body: patientJSON})
	cfg := fastConfig(fhir.URL)
	cfg.Logger = logs.logger()
	cfg.Auth = smartAuth(t, ts, rsaKey(), clock)
	c := newClient(t, cfg)

	_, err := c.Read(t.Context(), "Patient", "p1")
	require.NoError(t, err)
	out := logs.String()
	assert.NotContains(t, out, "tok-")
	assert.NotContains(t, out, "eyJ")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	for i, want := range []map[string]any{
		{"status": 401.0, "attempt": 1.0}, // attempts run on across the token refresh
		{"status": 200.0, "attempt": 2.0},
	} {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &rec))
		assert.Equal(t, want["status"], rec["status"])
		assert.Equal(t, want["attempt"], rec["attempt"])
	}
}

// A 307 from the token endpoint must not carry the signed assertion to
// another host, nor may that host's answer become our token.
func TestTokenRequestFollowsNoRedirect(t *testing.T) {
	foreign := newScripted(t, reply{status: 200, header: map[string]string{"Content-Type": "application/json"},
		body: `{"access_token":"foreign-token","token_type":"bearer","expires_in":300}`})
	tokens := newScripted(t, reply{status: 307, header: map[string]string{"Location": foreign.URL + "/token"}})
	fhir := newScripted(t, reply{status: 200, body: patientJSON})
	a, err := NewSMARTAuth(SMARTConfig{TokenURL: tokens.URL + "/token", ClientID: "rpm-client", KeyID: "key-1",
		PrivateKeyPEM: pkcs8PEM(t, p384Key()), Scope: "system/Observation.rs",
		// Even a client that would follow redirects is not allowed to.
		HTTPClient: &http.Client{}})
	require.NoError(t, err)
	cfg := fastConfig(fhir.URL)
	cfg.Auth = a
	c := newClient(t, cfg)

	_, err = c.Read(t.Context(), "Patient", "p1")
	assert.ErrorIs(t, err, ErrAuth)
	assert.Contains(t, err.Error(), "token endpoint answered 307: redirects are not followed")
	assert.Equal(t, 1, tokens.count())
	assert.Zero(t, foreign.count(), "the assertion never went to the redirect's target")
	assert.Zero(t, fhir.count(), "no FHIR request without a token")
}

func TestTokenURLMustBeHTTPSExceptOnLoopback(t *testing.T) {
	pemKey := pkcs8PEM(t, p384Key())
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"http://auth.example.org/token", false},
		{"http://10.0.0.5/token", false},
		{"https://auth.example.org/token", true},
		{"http://127.0.0.1:9000/token", true},
		{"http://[::1]:9000/token", true},
		{"http://localhost/token", true},
	} {
		t.Run(tt.url, func(t *testing.T) {
			_, err := NewSMARTAuth(SMARTConfig{TokenURL: tt.url, ClientID: "c", KeyID: "k", Scope: "system/*.rs", PrivateKeyPEM: pemKey})
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "must be https")
			}
		})
	}
}

// No credential, static or SMART, is ever sent over plain http to a host
// other than loopback: New refuses the configuration before any request.
func TestCredentialNeverSentOverPlainHTTP(t *testing.T) {
	smart, err := NewSMARTAuth(SMARTConfig{TokenURL: "https://auth.example.org/token", ClientID: "c", KeyID: "k",
		Scope: "system/*.rs", PrivateKeyPEM: pkcs8PEM(t, p384Key())})
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		base string
		auth Auth
		ok   bool
	}{
		{"a static token to a remote http base", "http://fhir.example.org/r4", StaticToken("s3cret"), false},
		{"SMART to a remote http base", "http://192.0.2.7/fhir", smart, false},
		{"no credential to a remote http base", "http://fhir.example.org/r4", nil, true},
		{"a static token to https", "https://fhir.example.org/r4", StaticToken("s3cret"), true},
		{"a static token to loopback http", "http://127.0.0.1:8091/fhir", StaticToken("s3cret"), true},
		{"a static token to localhost http", "http://localhost:8091/fhir", StaticToken("s3cret"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{BaseURL: tt.base, Auth: tt.auth})
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "never sent over plain http")
				assert.NotContains(t, err.Error(), "s3cret")
			}
		})
	}
}
