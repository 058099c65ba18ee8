package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/rpm-adapter/rpm-adapter/adapter/api"
	"github.com/rpm-adapter/rpm-adapter/adapter/auditlog"
)

// serveSecurity are the flags of serve that decide who may do what, and
// what is recorded (issue 11). Each is also RPM_<FLAG>.
type serveSecurity struct {
	tokens, tokenFile                           string
	insecure                                    bool
	publicURL                                   string
	allowedHosts                                stringList
	maxInflight, maxJobMembers, maxJobsPerToken int
	tlsCert, tlsKey                             string
	metricsPublic                               bool
	auditLog                                    string
}

func (s *serveSecurity) register(fs *flag.FlagSet) {
	fs.StringVar(&s.tokens, "api-tokens", "", "API bearer tokens, LABEL:ROLE:TOKEN (ROLE read or write; a bare TOKEN reads), "+
		"comma- or newline-separated (prefer RPM_API_TOKENS)")
	fs.StringVar(&s.tokenFile, "api-token-file", "", "file of API tokens, one 'LABEL ROLE TOKEN' (or a bare read TOKEN) per line")
	fs.BoolVar(&s.insecure, "insecure", false, "allow binding beyond loopback without API tokens (read-only even then)")
	fs.StringVar(&s.publicURL, "public-url", "", "externally visible base URL: async job links, an allowed Host; https if a TLS proxy is in front")
	fs.Var(&s.allowedHosts, "allowed-hosts", "further Host names the API answers for (comma-separated); others get 421")
	fs.IntVar(&s.maxInflight, "max-inflight", api.DefaultMaxInflight, "patient evaluations at once, sync and async together (503 past it)")
	fs.IntVar(&s.maxJobMembers, "max-job-members", api.DefaultMaxJobMembers, "members one async Group job may have")
	fs.IntVar(&s.maxJobsPerToken, "max-jobs-per-token", api.DefaultMaxJobsPerToken, "async jobs one token label may run at once")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "PEM certificate (chain) to serve HTTPS with; needs --tls-key")
	fs.StringVar(&s.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&s.metricsPublic, "metrics-public", false, "serve /metrics without a token even when tokens are configured")
	fs.StringVar(&s.auditLog, "audit-log", "", "append the audit trail (who read or wrote which patient) to FILE as JSON lines, mode 0600")
}

// loadTokens reads --api-tokens and --api-token-file. Errors name the
// entry or line, never a token.
func (s *serveSecurity) loadTokens() ([]api.Token, error) {
	toks, err := api.ParseTokens(s.tokens)
	if err != nil {
		return nil, usagef("--api-tokens / RPM_API_TOKENS: %v", err)
	}
	if s.tokenFile != "" {
		b, err := os.ReadFile(s.tokenFile)
		if err != nil {
			return nil, usagef("reading --api-token-file: %v", err)
		}
		more, err := api.ParseTokenFile(string(b))
		if err != nil {
			return nil, usagef("--api-token-file: %v", err)
		}
		toks = append(toks, more...)
	}
	return toks, nil
}

// check refuses what cannot work before anything is started.
func (s *serveSecurity) check() error {
	if s.maxInflight < 1 || s.maxJobMembers < 1 || s.maxJobsPerToken < 1 {
		return usagef("--max-inflight, --max-job-members and --max-jobs-per-token must be at least 1")
	}
	if (s.tlsCert == "") != (s.tlsKey == "") {
		return usagef("give --tls-cert and --tls-key together")
	}
	return nil
}

// tlsConfig loads the certificate, nil without one.
func (s *serveSecurity) tlsConfig() (*tls.Config, error) {
	if s.tlsCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(s.tlsCert, s.tlsKey)
	if err != nil {
		return nil, usagef("--tls-cert/--tls-key: %v", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// openAudit opens --audit-log, nil without one.
func (s *serveSecurity) openAudit() (*auditlog.File, error) {
	if s.auditLog == "" {
		return nil, nil
	}
	a, err := auditlog.Open(s.auditLog)
	if err != nil {
		return nil, usagef("--audit-log: %v", err)
	}
	return a, nil
}

// logStart logs what an operator must know about the exposure: the
// tokens by label and role, no tokens, clear text beyond loopback, and
// job links that will name an address no client can use.
func (s *serveSecurity) logStart(logger *slog.Logger, addr string, toks []api.Token, tlsOn bool) {
	labels := make([]string, 0, len(toks))
	for _, t := range toks {
		labels = append(labels, fmt.Sprintf("%s (%s)", t.Label, t.Role))
	}
	if len(labels) > 0 {
		logger.Info("api tokens", "labels", labels)
	}
	if n := api.BindNotice(addr, len(toks)); n != "" {
		logger.Warn(n)
	}
	if n := api.TLSNotice(addr, tlsOn, s.publicURL); n != "" {
		logger.Warn(n)
	}
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); s.publicURL == "" && (host == "" || (ip != nil && ip.IsUnspecified())) {
		logger.Warn("listening on every interface without --public-url: async job links name " + addr +
			", and only this machine's addresses and loopback names are accepted as Host (add names with --allowed-hosts)")
	}
}
