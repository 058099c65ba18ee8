package api

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
)

// NewHTTPServer wraps handler in an http.Server with the limits of cfg
// (defaults for unset ones): header size and read timeout against slow or
// oversized clients, a write timeout above RequestTimeout so that a
// synchronous evaluation is answered before the connection is cut, and an
// idle timeout for keep-alive connections. Graceful shutdown is the
// caller's: http.Server.Shutdown, then Server.Shutdown for the jobs.
func NewHTTPServer(addr string, handler http.Handler, cfg Config) *http.Server {
	d, err := cfg.withDefaults()
	if err != nil {
		// New refuses such a Config first; keep the safe defaults here.
		d, _ = Config{}.withDefaults()
	}
	var tc *tls.Config
	if d.TLS {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return &http.Server{
		Addr:              addr,
		TLSConfig:         tc,
		Handler:           handler,
		ReadHeaderTimeout: d.ReadHeaderTimeout,
		ReadTimeout:       d.ReadTimeout,
		WriteTimeout:      d.WriteTimeout,
		IdleTimeout:       d.IdleTimeout,
		MaxHeaderBytes:    d.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(d.Logger.Handler(), slog.LevelWarn),
	}
}

// CheckBind enforces the loopback rule: with no token configured the API is
// open, so it may listen on loopback only, unless insecure says the
// operator knows better. addr is host:port; an empty host means every
// interface.
func CheckBind(addr string, tokens int, insecure bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("api: listen address %q: %w", addr, err)
	}
	if tokens > 0 || insecure || IsLoopback(host) {
		return nil
	}
	return fmt.Errorf("api: refusing to listen on %q without API tokens: configure tokens "+
		"(RPM_API_TOKENS or a token file), listen on 127.0.0.1, or pass --insecure", addr)
}

// TLSNotice is the warning the command logs at start when bearer tokens and
// patient data would cross the network in clear text: listening beyond
// loopback without TLS, unless PublicURL is https (a TLS proxy in front).
// "" when there is nothing to warn about.
func TLSNotice(addr string, tlsOn bool, publicURL string) string {
	host, _, _ := net.SplitHostPort(addr)
	if tlsOn || IsLoopback(host) || strings.HasPrefix(strings.ToLower(publicURL), "https://") {
		return ""
	}
	return "listening beyond loopback without TLS: tokens and patient results cross the network in clear text; " +
		"use --tls-cert/--tls-key, or a TLS proxy in front and an https --public-url"
}

// BindNotice is what the command logs at start about authentication, ""
// when tokens are configured.
func BindNotice(addr string, tokens int) string {
	if tokens > 0 {
		return ""
	}
	host, _, _ := net.SplitHostPort(addr)
	if IsLoopback(host) {
		return "no API tokens configured: the API is unauthenticated, read-only and listens on loopback only"
	}
	return "INSECURE: no API tokens configured and listening beyond loopback: anyone who reaches " +
		addr + " can read patient results (writing stays refused)"
}

// IsLoopback says whether host names the loopback interface only:
// "localhost" or a loopback IP (127.0.0.0/8, ::1). An empty host, 0.0.0.0
// and :: listen everywhere.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
