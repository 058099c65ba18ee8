package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// Cookie names. The session cookie names a server-side session (the store's
// ui_sessions, by the SHA-256 of its value); the sign-in cookie carries the
// sign-in form's CSRF token (double submit) before there is a session.
const (
	sessionCookie = "rpm_session"
	signinCookie  = "rpm_signin"
)

// viewer is who looks at a page.
type viewer struct {
	Label     string
	Write     bool
	Anonymous bool // the token-less loopback mode: read-only, no sign-in
	CSRF      string
	idHash    string
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ui: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashOf(v string) string {
	d := sha256.Sum256([]byte(v))
	return hex.EncodeToString(d[:])
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// viewerOf finds the request's session; ok is false when sign-in is needed.
func (h *Handler) viewerOf(r *http.Request) (viewer, bool, error) {
	if !h.cfg.Tokens.Enabled() {
		return viewer{Label: "anonymous", Anonymous: true}, true, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return viewer{}, false, nil
	}
	se, err := h.cfg.Store.Session(r.Context(), hashOf(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return viewer{}, false, nil
	}
	if err != nil {
		return viewer{}, false, err
	}
	return viewer{Label: se.Label, Write: se.Role == "write", CSRF: se.CSRF, idHash: se.IDHash}, true, nil
}

// require is the viewer of a page, or false after redirecting to sign-in.
func (h *Handler) require(w http.ResponseWriter, r *http.Request) (viewer, bool) {
	who, ok, err := h.viewerOf(r)
	if err != nil {
		h.fail(w, r, nil, http.StatusInternalServerError, "The store could not be read.")
		return who, false
	}
	if !ok {
		http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
		return who, false
	}
	return who, true
}

// requireForm is the viewer of a form post whose CSRF token matches its
// session. In the token-less mode nobody may post (the pages are read-only).
func (h *Handler) requireForm(w http.ResponseWriter, r *http.Request) (viewer, bool) {
	who, ok, err := h.viewerOf(r)
	switch {
	case err != nil:
		h.fail(w, r, nil, http.StatusInternalServerError, "The store could not be read.")
		return who, false
	case who.Anonymous:
		h.fail(w, r, &who, http.StatusForbidden, "Without API tokens the pages are read-only.")
		return who, false
	case !ok:
		h.fail(w, r, nil, http.StatusForbidden, "Your session has ended; sign in again.")
		return who, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !sameToken(r.PostForm.Get("csrf"), who.CSRF) {
		h.fail(w, r, &who, http.StatusForbidden, "The form's security token does not match your session; reload the page and try again.")
		return who, false
	}
	return who, true
}

func (h *Handler) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/ui/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.cfg.TLS, SameSite: http.SameSiteStrictMode}
}

type signinPage struct {
	page
	Message string
	Error   string
}

func (h *Handler) signinForm(w http.ResponseWriter, r *http.Request) {
	if !h.cfg.Tokens.Enabled() {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	h.renderSignin(w, r, http.StatusOK, "", "")
}

func (h *Handler) renderSignin(w http.ResponseWriter, r *http.Request, status int, msg, errText string) {
	tok := randomToken()
	http.SetCookie(w, h.cookie(signinCookie, tok, 600))
	p := signinPage{page: page{Title: "Sign in", Viewer: viewer{CSRF: tok}}, Message: msg, Error: errText}
	if r.URL.Query().Get("out") == "1" && msg == "" && errText == "" {
		p.Message = "You are signed out."
	}
	h.render(w, r, status, "signin.html", p)
}

func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	if !h.cfg.Tokens.Enabled() {
		h.fail(w, r, nil, http.StatusForbidden, "Without API tokens there is nothing to sign in to.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c, err := r.Cookie(signinCookie)
	if err != nil || r.ParseForm() != nil || !sameToken(r.PostForm.Get("csrf"), c.Value) {
		h.renderSignin(w, r, http.StatusForbidden, "", "The form expired; try again.")
		return
	}
	label, write, ok := h.cfg.Tokens.Check(strings.TrimSpace(r.PostForm.Get("token")))
	if !ok {
		h.renderSignin(w, r, http.StatusUnauthorized, "", "That API token is not valid.")
		return
	}
	id := randomToken()
	role := "read"
	if write {
		role = "write"
	}
	se := store.UISession{IDHash: hashOf(id), Label: label, Role: role, CSRF: randomToken(),
		ExpiresAt: time.Now().Add(h.cfg.SessionTTL)} // the real clock, as the store checks it
	if err := h.cfg.Store.CreateSession(r.Context(), se); err != nil {
		h.fail(w, r, nil, http.StatusInternalServerError, "The session could not be stored.")
		return
	}
	http.SetCookie(w, h.cookie(signinCookie, "", -1))
	http.SetCookie(w, h.cookie(sessionCookie, id, int(h.cfg.SessionTTL/time.Second)))
	h.log.Info("ui: signed in", "token", label, "role", role)
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (h *Handler) signout(w http.ResponseWriter, r *http.Request) {
	who, ok := h.requireForm(w, r)
	if !ok {
		return
	}
	if err := h.cfg.Store.DeleteSession(r.Context(), who.idHash); err != nil {
		h.fail(w, r, &who, http.StatusInternalServerError, "The session could not be ended.")
		return
	}
	http.SetCookie(w, h.cookie(sessionCookie, "", -1))
	h.log.Info("ui: signed out", "token", who.Label)
	http.Redirect(w, r, "/ui/signin?out=1", http.StatusSeeOther)
}
