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

// access is what the caller's token allows.
type access int

const (
	accessNone access = iota
	accessRead        // evaluate only
	accessFull        // evaluate and write back (write=true)
)

// compareTokens is crypto/subtle's constant-time compare; a variable only so
// that a test can prove it is the one used, for every configured token.
var compareTokens = subtle.ConstantTimeCompare

// authenticator checks bearer tokens. It keeps SHA-256 digests, not the
// tokens: digests have one length, so the constant-time compare does not
// leak a token's length either.
type authenticator struct {
	full, read [][sha256.Size]byte
}

func newAuthenticator(full, read []string) *authenticator {
	a := &authenticator{}
	for _, t := range full {
		a.full = append(a.full, sha256.Sum256([]byte(t)))
	}
	for _, t := range read {
		a.read = append(a.read, sha256.Sum256([]byte(t)))
	}
	return a
}

// enabled says whether any token is configured; without one, the API is
// open and CheckBind keeps it on loopback.
func (a *authenticator) enabled() bool { return len(a.full)+len(a.read) > 0 }

// check returns what token allows. Every configured digest is compared,
// with no early exit, so the time taken says nothing about which matched.
func (a *authenticator) check(token string) access {
	d := sha256.Sum256([]byte(token))
	full, read := 0, 0
	for i := range a.full {
		full |= compareTokens(d[:], a.full[i][:])
	}
	for i := range a.read {
		read |= compareTokens(d[:], a.read[i][:])
	}
	switch {
	case full == 1:
		return accessFull
	case read == 1:
		return accessRead
	}
	return accessNone
}

// middleware answers 401 with a WWW-Authenticate challenge (RFC 6750) when
// the bearer token is missing or unknown, and records the caller's access.
func (a *authenticator) middleware(c *gin.Context) {
	if !a.enabled() {
		c.Set(ctxAccess, accessFull)
		c.Next()
		return
	}
	token, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		writeError(c, Errorf(EUNAUTHORIZED, "a bearer token is required"))
		return
	}
	acc := a.check(token)
	if acc == accessNone {
		c.Header("WWW-Authenticate", `Bearer realm="rpm-adapter", error="invalid_token"`)
		writeError(c, Errorf(EUNAUTHORIZED, "the bearer token is not valid"))
		return
	}
	c.Set(ctxAccess, acc)
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

// canWrite says whether the caller may ask for write=true.
func canWrite(c *gin.Context) bool {
	acc, _ := c.Get(ctxAccess)
	return acc == accessFull
}

// ParseTokens reads tokens from RPM_API_TOKENS or a token file: separated by
// commas, spaces or new lines; lines starting with # are comments.
func ParseTokens(text string) []string {
	var out []string
	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		out = append(out, strings.FieldsFunc(line, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
		})...)
	}
	return out
}
