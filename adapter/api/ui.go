package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The worklist page (adapter/ui) is mounted under /ui/ when Config.UI is
// set: behind the Host check (421) and the cross-origin check (403 for a
// cross-site POST), like every route, and never cached. The page does its
// own sign-in with an API token, checked by a TokenChecker over the same
// tokens as the API.

const routeUI = "/ui/*path"

// TokenChecker checks API tokens for the page's sign-in, as the API does:
// in constant time, over every configured token.
type TokenChecker struct{ a *authenticator }

// NewTokenChecker checks the given tokens.
func NewTokenChecker(tokens []Token) *TokenChecker {
	return &TokenChecker{a: newAuthenticator(tokens)}
}

// Check returns the token's label and whether it has the write role.
func (t *TokenChecker) Check(token string) (label string, write bool, ok bool) {
	if token == "" {
		return "", false, false
	}
	who, ok := t.a.check(token)
	return who.label, who.canWrite(), ok
}

// Enabled says whether any token is configured.
func (t *TokenChecker) Enabled() bool { return t.a.enabled() }

func (s *Server) mountUI(e *gin.Engine) {
	if s.cfg.UI == nil {
		return
	}
	h := gin.WrapH(s.cfg.UI)
	e.Any(routeUI, noStore, h)
	e.GET("/ui", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/ui/") })
}
