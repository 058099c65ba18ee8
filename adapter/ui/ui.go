// Package ui is the worklist web page (issue 14): server-rendered with
// html/template from the store only, with an embedded stylesheet and no
// JavaScript. serve mounts it under /ui/ behind the API's Host and
// cross-origin checks (adapter/api); the page adds sign-in with an API
// token (a server-side session named by an HttpOnly, SameSite=Strict
// cookie, Secure under TLS), CSRF tokens on every form, and sign-off for
// the write role.
package ui

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fees"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// Tokens checks API tokens (api.TokenChecker): the label and whether the
// token has the write role. Enabled is false in the token-less loopback
// mode, where the pages are read-only without sign-in.
type Tokens interface {
	Check(token string) (label string, write bool, ok bool)
	Enabled() bool
}

// Config configures the pages.
type Config struct {
	Store  *store.Store
	Tenant string
	Tokens Tokens
	// Fees prices the estimate; the zero Table means fees.Default().
	Fees fees.Table
	// TLS marks the session cookie Secure.
	TLS bool
	// Now is the clock (today's month, session expiry); nil is time.Now.
	Now func() time.Time
	// Location gives today's month when a request names none; nil is time.Local.
	Location *time.Location
	// RequireApproval is shown on the page (the billing export's policy).
	RequireApproval bool
	// SessionTTL is how long a sign-in lasts; 0 is 8 hours.
	SessionTTL time.Duration
	// PageSize is the worklist's rows per page; 0 is 100.
	PageSize int
	// Auditor records who read which patient and who signed what off.
	Auditor adapter.Auditor
	Logger  *slog.Logger
}

// Handler serves /ui/.
type Handler struct {
	cfg  Config
	tmpl *template.Template
	mux  *http.ServeMux
	log  *slog.Logger
}

// New builds the pages.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Tokens == nil {
		return nil, errors.New("ui: a store and a token checker are required")
	}
	if cfg.Fees.Codes() == 0 {
		cfg.Fees = fees.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.Tenant == "" {
		cfg.Tenant = "default"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	t, err := template.New("").Funcs(funcs).ParseFS(sub, "*.html")
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, tmpl: t, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /ui/{$}", h.worklist)
	h.mux.HandleFunc("GET /ui/patient/{id}", h.patient)
	h.mux.HandleFunc("GET /ui/style.css", h.style)
	h.mux.HandleFunc("GET /ui/signin", h.signinForm)
	h.mux.HandleFunc("POST /ui/signin", h.signin)
	h.mux.HandleFunc("POST /ui/signout", h.signout)
	h.mux.HandleFunc("POST /ui/approve", h.approve)
	h.mux.HandleFunc("POST /ui/reject", h.reject)
	h.mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
	return h, nil
}

// ServeHTTP serves the pages with headers that keep them out of caches and
// frames and allow only this origin's stylesheet and forms.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) style(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Write(styleCSS) //nolint:errcheck // the client went away
}

// audit records an event; a failure is logged without the patient.
func (h *Handler) audit(ctx context.Context, who viewer, op, patientID string, write bool, status int) {
	if h.cfg.Auditor == nil {
		return
	}
	outcome := "ok"
	if status >= 400 {
		outcome = "refused"
	}
	if err := h.cfg.Auditor.Record(ctx, adapter.AuditEvent{Time: h.cfg.Now().UTC(), Token: who.Label, Operation: op,
		PatientID: patientID, Write: write, Status: status, Outcome: outcome}); err != nil {
		h.log.Warn("ui: recording an audit event failed", "operation", op)
	}
}
