package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/gin-gonic/gin"
)

// MinTokenLength is the shortest bearer token New accepts: a token is the
// only thing between the network and patient data.
const MinTokenLength = 16

// caller is who sent a request: the label of the token (AnonymousLabel
// without tokens) and its role.
type caller struct {
	label string
	role  Role
}

func (c caller) canWrite() bool { return c.role == RoleWrite }

// compareTokens is crypto/subtle's constant-time compare; a variable only so
// that a test can prove it is the one used, for every configured token.
var compareTokens = subtle.ConstantTimeCompare

// authenticator checks bearer tokens. It keeps SHA-256 digests, not the
// tokens: digests have one length, so the constant-time compare does not
// leak a token's length either.
type authenticator struct {
	digests [][sha256.Size]byte
	callers []caller
}

func newAuthenticator(tokens []Token) *authenticator {
	a := &authenticator{}
	for _, t := range tokens {
		a.digests = append(a.digests, sha256.Sum256([]byte(t.Secret)))
		a.callers = append(a.callers, caller{label: t.Label, role: t.Role})
	}
	return a
}

// enabled says whether any token is configured; without one, the API is
// read-only and CheckBind keeps it on loopback.
func (a *authenticator) enabled() bool { return len(a.digests) > 0 }

// check returns the caller of token, false when no token matches. Every
// configured digest is compared, with no early exit, so the time taken says
// nothing about which matched. (New refuses a secret configured twice.)
func (a *authenticator) check(token string) (caller, bool) {
	d := sha256.Sum256([]byte(token))
	found := -1
	for i := range a.digests {
		if compareTokens(d[:], a.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return caller{}, false
	}
	return a.callers[found], true
}

// middleware answers 401 with a WWW-Authenticate challenge (RFC 6750) when
// the bearer token is missing or unknown, and records the caller. Without
// tokens every caller is the anonymous reader: a page in the operator's
// browser must never be able to make the adapter write (issue 11, point 1).
func (a *authenticator) middleware(c *gin.Context) {
	if !a.enabled() {
		c.Set(ctxCaller, caller{label: AnonymousLabel, role: RoleRead})
		c.Next()
		return
	}
	token, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		writeError(c, Errorf(EUNAUTHORIZED, "a bearer token is required"))
		return
	}
	who, ok := a.check(token)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="rpm-adapter", error="invalid_token"`)
		writeError(c, Errorf(EUNAUTHORIZED, "the bearer token is not valid"))
		return
	}
	c.Set(ctxCaller, who)
	c.Next()
}

// bearerToken reads "Bearer <token>"; the scheme is case-insensitive.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// callerOf is the caller the middleware recorded; the zero caller (no
// label, no role) when the request was refused before.
func callerOf(c *gin.Context) caller {
	v, _ := c.Get(ctxCaller)
	who, _ := v.(caller)
	return who
}
