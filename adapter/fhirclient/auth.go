package fhirclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Auth supplies bearer tokens for requests to the FHIR server's origin.
// Implementations must be safe for concurrent use.
type Auth interface {
	// Token returns a token valid now, fetching or refreshing it as needed.
	Token(ctx context.Context) (string, error)

	// Invalidate forgets token after the server answered 401 with it, so
	// the next Token call fetches a fresh one. Passing the rejected token,
	// not "whatever is cached", keeps concurrent callers from throwing away
	// a token another caller has just fetched.
	Invalidate(token string)
}

// StaticToken returns an Auth that always sends token, for servers that
// issue long-lived tokens out of band. It cannot be refreshed, so a 401 is
// final.
func StaticToken(token string) Auth {
	return staticToken{token: token}
}

type staticToken struct{ token string }

func (s staticToken) Token(context.Context) (string, error) {
	if s.token == "" {
		return "", errors.New("fhirclient: static bearer token is empty")
	}
	return s.token, nil
}

func (staticToken) Invalidate(string) {}

// String and GoString keep the token out of "%v" and "%#v" of a Config.
func (staticToken) String() string   { return "StaticToken(redacted)" }
func (staticToken) GoString() string { return "StaticToken(redacted)" }

// SMART Backend Services (HL7 SMART App Launch 2.x, "Backend Services"):
// a client_credentials grant authenticated by a private_key_jwt assertion.
const (
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// The spec allows an assertion to live at most five minutes; four
	// leaves room for clock skew between us and the authorisation server.
	assertionTTL = 4 * time.Minute
	// Used when the token response omits expires_in; the spec advises
	// tokens of at most five minutes.
	defaultTokenTTL = 5 * time.Minute
	// maxTokenResponse bounds a token response: a JSON object of a few
	// short fields.
	maxTokenResponse = 64 << 10
)

// SMARTConfig configures NewSMARTAuth.
type SMARTConfig struct {
	TokenURL      string // the authorisation server's token endpoint
	ClientID      string // iss and sub of the assertion
	KeyID         string // "kid" header: which registered JWKS key signed it
	PrivateKeyPEM []byte // RSA (signs RS384) or P-384 EC (signs ES384), PKCS#8, PKCS#1 or SEC1
	Scope         string // e.g. "system/Patient.rs system/Observation.rs"

	// RefreshBefore is how long before expiry a token is replaced;
	// default 60 s, and never more than half the token's lifetime.
	RefreshBefore time.Duration
	// HTTPClient calls the token endpoint; nil means a client with a 30 s
	// timeout.
	HTTPClient *http.Client // copied; redirects are never followed, whatever it says
	// Now is the clock for assertion and token lifetimes; nil is time.Now.
	Now func() time.Time
}

// SMARTAuth is an Auth for SMART Backend Services. It caches the access
// token and fetches a new one before the old one expires.
type SMARTAuth struct {
	cfg    SMARTConfig
	key    any
	method jwt.SigningMethod
	sem    chan struct{} // one fetch at a time; a channel so waiting honours ctx

	token   string
	refresh time.Time // when the cached token must be replaced
}

// NewSMARTAuth checks cfg and parses the private key up front, so a bad key
// fails at start-up rather than on the first request.
func NewSMARTAuth(cfg SMARTConfig) (*SMARTAuth, error) {
	u, err := url.Parse(cfg.TokenURL)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("fhirclient: SMART TokenURL must be an absolute http or https URL")
	}
	if plainHTTPRemote(u) {
		// The signed client assertion is a credential: it buys tokens for
		// its lifetime.
		return nil, errors.New("fhirclient: SMART TokenURL must be https (plain http only on loopback)")
	}
	if cfg.ClientID == "" || cfg.KeyID == "" || cfg.Scope == "" {
		return nil, errors.New("fhirclient: SMART ClientID, KeyID and Scope are required")
	}
	if cfg.RefreshBefore < 0 {
		return nil, errors.New("fhirclient: SMART RefreshBefore must not be negative")
	}
	key, method, err := parsePrivateKey(cfg.PrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	cfg.RefreshBefore = orDefault(cfg.RefreshBefore, 60*time.Second)
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		hc = &cp
	}
	// No redirect is followed: a 307 would re-POST the signed assertion to
	// wherever it points, and its answer would be taken as our token. The
	// 3xx itself comes back and is refused as a failed token request.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.HTTPClient = hc
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SMARTAuth{cfg: cfg, key: key, method: method, sem: make(chan struct{}, 1)}, nil
}

// Token returns the cached token, or fetches one when it is missing or due
// for refresh. Concurrent callers wait for a single fetch.
func (a *SMARTAuth) Token(ctx context.Context) (string, error) {
	select {
	case a.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-a.sem }()

	now := a.cfg.Now()
	if a.token != "" && now.Before(a.refresh) {
		return a.token, nil
	}
	tok, ttl, err := a.fetch(ctx, now)
	if err != nil {
		return "", err
	}
	a.token = tok
	a.refresh = now.Add(ttl - min(a.cfg.RefreshBefore, ttl/2))
	return tok, nil
}

// Invalidate drops token if it is still the cached one.
func (a *SMARTAuth) Invalidate(token string) {
	a.sem <- struct{}{}
	defer func() { <-a.sem }()
	if a.token == token {
		a.token = ""
	}
}

// String and GoString keep the cached token out of formatted output.
func (a *SMARTAuth) String() string   { return "SMARTAuth(" + a.cfg.ClientID + ")" }
func (a *SMARTAuth) GoString() string { return a.String() }

// assertion builds the signed client assertion: iss = sub = client id,
// aud = token URL, a fresh jti so the server can refuse replays.
func (a *SMARTAuth) assertion(now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	// MapClaims, because RegisteredClaims encodes aud as an array and some
	// authorisation servers accept only the string form.
	t := jwt.NewWithClaims(a.method, jwt.MapClaims{
		"iss": a.cfg.ClientID,
		"sub": a.cfg.ClientID,
		"aud": a.cfg.TokenURL,
		"exp": now.Add(assertionTTL).Unix(),
		"iat": now.Unix(),
		"jti": hex.EncodeToString(jti),
	})
	t.Header["kid"] = a.cfg.KeyID
	return t.SignedString(a.key)
}

// tokenError is a failure to get a token, of kind ErrAuth or
// ErrUnavailable.
func tokenError(kind error, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return newKindErr(kind, "SMART token: "+err.Error(), errors.Unwrap(err))
}

// fetch performs the client_credentials grant. Errors name the status and
// the OAuth error code, never the assertion or a token.
func (a *SMARTAuth) fetch(ctx context.Context, now time.Time) (string, time.Duration, error) {
	signed, err := a.assertion(now)
	if err != nil {
		return "", 0, tokenError(ErrAuth, "signing client assertion: %w", err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {a.cfg.Scope},
		"client_assertion_type": {assertionType},
		"client_assertion":      {signed},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, tokenError(ErrAuth, "token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", 0, tokenError(ErrUnavailable, "token endpoint: %w", err)
	}
	body, err := readBody(resp.Body, maxTokenResponse)
	if err != nil {
		return "", 0, tokenError(ErrUnavailable, "token endpoint: %w", err)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	jsonErr := json.Unmarshal(body, &tr)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return "", 0, tokenError(ErrAuth, "token endpoint answered %d: redirects are not followed", resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", 0, tokenError(ErrUnavailable, "token endpoint answered %d", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return "", 0, tokenError(ErrAuth, "token endpoint answered %d %s", resp.StatusCode, oauthCode(tr.Error))
	case jsonErr != nil || tr.AccessToken == "" || !strings.EqualFold(tr.TokenType, "bearer"):
		return "", 0, tokenError(ErrAuth, "token endpoint sent no bearer access_token")
	}
	ttl := defaultTokenTTL
	if tr.ExpiresIn > 0 {
		ttl = time.Duration(min(tr.ExpiresIn, int64(24*time.Hour/time.Second))) * time.Second
	}
	return tr.AccessToken, ttl, nil
}

// oauthErrorRe is the shape of an OAuth 2.0 error code (RFC 6749 §5.2:
// "invalid_client", "invalid_scope"); anything else is not echoed.
var oauthErrorRe = regexp.MustCompile(`^[a-z_]{1,64}$`)

func oauthCode(s string) string {
	if oauthErrorRe.MatchString(s) {
		return s
	}
	return "(no error code)"
}
