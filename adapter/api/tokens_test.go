package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 11, point 2.
func TestTokenEntriesCarryALabelAndARole(t *testing.T) {
	const a, b, c = "secret-aaaaaaaaaaaaaaaa", "secret-bbbbbbbbbbbbbbbb", "secret-cccc:with:colons"
	got, err := ParseTokens(" ehr:write:" + a + ",dashboard:read:" + b + "\n" + "poller:read:" + c)
	require.NoError(t, err)
	assert.Equal(t, []Token{{"ehr", RoleWrite, a}, {"dashboard", RoleRead, b}, {"poller", RoleRead, c}}, got)

	got, err = ParseTokenFile("# label role token\nehr write " + a + "\n\n  dashboard\tread " + b + "\r\n#old read x\n")
	require.NoError(t, err)
	assert.Equal(t, []Token{{"ehr", RoleWrite, a}, {"dashboard", RoleRead, b}}, got)

	for name, text := range map[string]string{
		"unknown role":   "ehr:admin:" + a,
		"two parts":      "ehr:" + a,
		"bad label":      "e/h:write:" + a,
		"forged label":   `x"y:write:` + a,
		"anonymous":      "anonymous:write:" + a,
		"empty token":    "ehr:write:",
		"empty label":    ":write:" + a,
		"uppercase role": "ehr:WRITE:" + a,
	} {
		_, err := ParseTokens(text)
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), "secret", "%s: an error never quotes a token", name)
	}
	for name, text := range map[string]string{
		"two fields":   "ehr " + a,
		"four fields":  "ehr write " + a + " extra",
		"unknown role": "ehr owner " + a,
	} {
		_, err := ParseTokenFile(text)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "line 1")
		assert.NotContains(t, err.Error(), "secret", name)
	}
}

func TestBareTokenMayOnlyRead(t *testing.T) {
	const secret = "bare-token-0123456789abcdef"
	toks, err := ParseTokens(secret)
	require.NoError(t, err)
	require.Len(t, toks, 1)
	assert.Equal(t, RoleRead, toks[0].Role)
	assert.Regexp(t, `^token-[0-9a-f]{8}$`, toks[0].Label)
	fileToks, err := ParseTokenFile(secret + "\n")
	require.NoError(t, err)
	assert.Equal(t, toks, fileToks, "the same label wherever it is configured")

	s := newTestServer(t, Config{Tokens: toks}, nil)
	bundleOf(t, s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility", token: secret}))
	w := s.do(t, req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility-write", token: secret})
	assert.Equal(t, http.StatusForbidden, w.Code)
}

func TestTokenLabelNotTokenIsLogged(t *testing.T) {
	audit := &recordingAuditor{}
	cfg := withTokens()
	cfg.Auditor = audit
	s := newTestServer(t, cfg, nil)
	s.do(t, req{method: http.MethodPost, target: "/fhir/Patient/p1/$rpm-eligibility-write", token: fullToken})
	s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility", token: readToken})
	s.do(t, req{method: http.MethodGet, target: "/fhir/Patient/p1/$rpm-eligibility", token: readToken + "x"})
	logs := s.logs.String()
	assert.Contains(t, logs, `"token":"ehr"`)
	assert.Contains(t, logs, `"token":"dashboard"`)
	for _, secret := range []string{fullToken, readToken, "token-0123"} {
		assert.NotContains(t, logs, secret)
		assert.NotContains(t, audit.String(), secret)
	}
	ev := audit.events()
	require.Len(t, ev, 3)
	assert.Equal(t, []string{"ehr", "dashboard", ""}, []string{ev[0].Token, ev[1].Token, ev[2].Token})
	assert.NotContains(t, Token{"ehr", RoleWrite, fullToken}.String(), fullToken)
}

func TestTokenConfigurationThatCannotWorkIsRefused(t *testing.T) {
	for name, toks := range map[string][]Token{
		"one secret twice":     {{"a", RoleWrite, fullToken}, {"b", RoleRead, fullToken}},
		"no role":              {{"a", "", fullToken}},
		"a label with a quote": {{`a"`, RoleRead, fullToken}},
	} {
		_, err := New(Config{Tokens: toks}, newFake())
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), fullToken)
	}
	// One label for two tokens is one caller (rotation, a poller).
	_, err := New(Config{Tokens: []Token{{"ehr", RoleWrite, fullToken}, {"ehr", RoleRead, readToken}}}, newFake())
	assert.NoError(t, err)
}
