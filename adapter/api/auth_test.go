package api

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBearerAuth(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	const op = "/fhir/Patient/p1/$rpm-eligibility?month=2024-03"
	tests := map[string]struct {
		auth      string
		status    int
		challenge string
	}{
		"no token":               {"", 401, `Bearer realm="rpm-adapter"`},
		"not a bearer token":     {"Basic dXNlcjpwYXNz", 401, `Bearer realm="rpm-adapter"`},
		"empty bearer token":     {"Bearer ", 401, `Bearer realm="rpm-adapter"`},
		"wrong token":            {"Bearer " + fullToken + "x", 401, `Bearer realm="rpm-adapter", error="invalid_token"`},
		"token prefix":           {"Bearer " + fullToken[:20], 401, `Bearer realm="rpm-adapter", error="invalid_token"`},
		"right token":            {"Bearer " + fullToken, 200, ""},
		"scheme in another case": {"bearer " + fullToken, 200, ""},
		"read-only token":        {"Bearer " + readToken, 200, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := req{method: http.MethodGet, target: op}
			if tt.auth != "" {
				r.header = map[string]string{"Authorization": tt.auth}
			}
			w := s.do(t, r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, tt.challenge, w.Header().Get("WWW-Authenticate"))
			if tt.status == 401 {
				assert.Equal(t, "login", outcomeOf(t, w).Issue[0].Code)
			}
		})
	}
}

func TestReadOnlyTokenMayNotWrite(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	const op = "/fhir/Patient/p1/$rpm-eligibility-write?month=2024-03"
	w := s.do(t, req{method: http.MethodPost, target: op, token: readToken})
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, "forbidden", outcomeOf(t, w).Issue[0].Code)

	bundleOf(t, s.do(t, req{method: http.MethodPost, target: op, token: fullToken}))
	assert.True(t, s.fake.lastCall(t).write)
}

func TestOpenEndpointsNeedNoToken(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	for _, target := range []string{"/healthz", "/readyz", "/fhir/metadata",
		"/fhir/OperationDefinition/Patient-rpm-eligibility"} {
		assert.Equal(t, http.StatusOK, s.do(t, req{method: http.MethodGet, target: target}).Code, target)
	}
	for _, r := range []req{
		{method: http.MethodPost, target: "/fhir/Group/g1/$rpm-eligibility"},
		{method: http.MethodGet, target: "/metrics"},
		{method: http.MethodGet, target: "/fhir/_jobs/0123456789abcdef0123456789abcdef"},
		{method: http.MethodDelete, target: "/fhir/_jobs/0123456789abcdef0123456789abcdef"},
	} {
		assert.Equal(t, http.StatusUnauthorized, s.do(t, r).Code, r.target)
	}
}

// Issue 11, point 1: without tokens anyone on the machine (and any page in
// its browser) reaches the API, so it evaluates but never writes.
func TestTokenlessModeIsReadOnly(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	s := newTestServer(t, Config{}, fake)
	bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility"}))
	for _, r := range []req{
		{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility-write"},
		{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility-write",
			body: `{"resourceType":"Parameters","parameter":[{"name":"month","valueString":"2024-03"}]}`},
		{method: http.MethodPost, target: "/fhir/Group/g1/$rpm-eligibility-write"},
		{method: http.MethodPost, target: "/fhir/Group/g1/$rpm-eligibility-write", header: respondAsync},
	} {
		w := s.do(t, r)
		assert.Equal(t, http.StatusForbidden, w.Code, r.target)
		assert.Contains(t, outcomeOf(t, w).Issue[0].Diagnostics, "write role", r.target)
	}
	s.fake.mu.Lock()
	defer s.fake.mu.Unlock()
	for _, c := range s.fake.calls {
		assert.False(t, c.write, "nothing was written")
	}
}

func TestWritingNeedsTheWriteRole(t *testing.T) {
	fake := newFake()
	fake.groups["g1"] = []string{"p1"}
	s := newTestServer(t, withTokens(), fake)
	for _, target := range []string{"/fhir/Patient/p1/$rpm-eligibility-write", "/fhir/Group/g1/$rpm-eligibility-write"} {
		assert.Equal(t, http.StatusForbidden, s.do(t, req{method: http.MethodPost, target: target, token: readToken}).Code, target)
		bundleOf(t, s.do(t, req{method: http.MethodPost, target: target, token: fullToken}))
		assert.True(t, s.fake.lastCall(t).write)
	}
}

// The compare must be crypto/subtle's and must visit every configured
// token: an early exit would tell an attacker which token came closer.
func TestEveryTokenIsComparedInConstantTime(t *testing.T) {
	var calls atomic.Int32
	orig := compareTokens
	compareTokens = func(x, y []byte) int {
		calls.Add(1)
		return orig(x, y)
	}
	t.Cleanup(func() { compareTokens = orig })

	a := newAuthenticator([]Token{{"a", RoleWrite, "aaaaaaaaaaaaaaaa1"}, {"b", RoleWrite, "bbbbbbbbbbbbbbbb2"},
		{"c", RoleRead, "cccccccccccccccc3"}})
	for _, tok := range []string{"aaaaaaaaaaaaaaaa1", "cccccccccccccccc3", "wrong"} {
		calls.Store(0)
		a.check(tok)
		assert.EqualValues(t, 3, calls.Load(), tok)
	}
	who, ok := a.check("aaaaaaaaaaaaaaaa1")
	assert.True(t, ok)
	assert.Equal(t, caller{"a", RoleWrite}, who)
	who, ok = a.check("cccccccccccccccc3")
	assert.True(t, ok)
	assert.Equal(t, caller{"c", RoleRead}, who)
	_, ok = a.check("aaaaaaaaaaaaaaaa")
	assert.False(t, ok)
}

func TestShortTokensAreRefused(t *testing.T) {
	_, err := New(Config{Tokens: []Token{{"ops", RoleWrite, "secret"}}}, newFake())
	assert.ErrorContains(t, err, "shorter than 16")
	_, err = New(Config{Tokens: []Token{{"ops", RoleRead, "secret"}}}, newFake())
	assert.Error(t, err)
}
