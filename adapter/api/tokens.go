package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Role is what a token may do.
type Role string

const (
	// RoleRead may evaluate, read its own jobs and cancel its own read jobs.
	RoleRead Role = "read"
	// RoleWrite may also write results back ($rpm-eligibility-write) and cancel its
	// own write jobs.
	RoleWrite Role = "write"
)

// AnonymousLabel is the caller's label in the token-less loopback mode.
const AnonymousLabel = "anonymous"

// Token is one API bearer token. Label names the caller in logs, the audit
// trail and job ownership; the secret is never logged. Tokens sharing a
// label are one caller (a token being rotated, or a read token for the
// poller of a write client): they see the same jobs.
type Token struct {
	Label  string
	Role   Role
	Secret string
}

// String never shows the secret, so a Token printed by mistake leaks nothing.
func (t Token) String() string { return t.Label + ":" + string(t.Role) + ":…" }

// tokenLabel is the syntax of a label: it reaches logs and the audit trail,
// so nothing that could forge a log line.
var tokenLabel = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ParseTokens reads RPM_API_TOKENS or --api-tokens: entries separated by
// commas, spaces or new lines, each LABEL:ROLE:TOKEN (ROLE read or write)
// or a bare TOKEN, which may only read. An error never quotes an entry.
func ParseTokens(text string) ([]Token, error) {
	var out []Token
	var errs []error
	for i, f := range strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		if !strings.Contains(f, ":") {
			out = append(out, bareToken(f))
			continue
		}
		parts := strings.SplitN(f, ":", 3)
		if len(parts) != 3 {
			errs = append(errs, fmt.Errorf("api tokens: entry %d is neither TOKEN nor LABEL:ROLE:TOKEN", i+1))
			continue
		}
		t, err := labelled(parts[0], parts[1], parts[2])
		if err != nil {
			errs = append(errs, fmt.Errorf("api tokens: entry %d: %w", i+1, err))
			continue
		}
		out = append(out, t)
	}
	return out, errors.Join(errs...)
}

// ParseTokenFile reads an --api-token-file: one token per line, as
// "LABEL ROLE TOKEN" or a bare TOKEN (read); blank lines and lines starting
// with # are skipped. An error names the line, never its text.
func ParseTokenFile(text string) ([]Token, error) {
	var out []Token
	var errs []error
	n := 0
	for line := range strings.Lines(text) {
		n++
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
		case len(fields) == 1:
			out = append(out, bareToken(fields[0]))
		case len(fields) == 3:
			t, err := labelled(fields[0], fields[1], fields[2])
			if err != nil {
				errs = append(errs, fmt.Errorf("api token file: line %d: %w", n, err))
				continue
			}
			out = append(out, t)
		default:
			errs = append(errs, fmt.Errorf("api token file: line %d is neither TOKEN nor LABEL ROLE TOKEN", n))
		}
	}
	return out, errors.Join(errs...)
}

func labelled(label, role, secret string) (Token, error) {
	if !tokenLabel.MatchString(label) || label == AnonymousLabel {
		return Token{}, errors.New("the label must be 1 to 64 letters, digits, '.', '_' or '-' (and not \"anonymous\")")
	}
	switch Role(role) {
	case RoleRead, RoleWrite:
	default:
		return Token{}, errors.New("the role must be read or write")
	}
	if secret == "" {
		return Token{}, errors.New("the token is empty")
	}
	return Token{Label: label, Role: Role(role), Secret: secret}, nil
}

// bareToken gives an unlabelled token the read role and a label derived
// from its digest: stable across restarts (the audit trail stays readable)
// and, being 32 bits of a SHA-256, no help in guessing the token.
func bareToken(secret string) Token {
	d := sha256.Sum256([]byte(secret))
	return Token{Label: "token-" + hex.EncodeToString(d[:4]), Role: RoleRead, Secret: secret}
}

// checkTokens refuses tokens that cannot work: short ones, an unknown role,
// a bad label, and one secret configured twice (its role would be a guess).
func checkTokens(tokens []Token) error {
	var errs []error
	seen := map[[sha256.Size]byte]bool{}
	for i, t := range tokens {
		switch {
		case len(t.Secret) < MinTokenLength:
			errs = append(errs, fmt.Errorf("api: token %d (%s) is shorter than %d characters", i+1, safeLabel(t.Label), MinTokenLength))
		case t.Role != RoleRead && t.Role != RoleWrite:
			errs = append(errs, fmt.Errorf("api: token %d (%s) has no role read or write", i+1, safeLabel(t.Label)))
		case !tokenLabel.MatchString(t.Label) || t.Label == AnonymousLabel:
			errs = append(errs, fmt.Errorf("api: token %d has no valid label", i+1))
		}
		d := sha256.Sum256([]byte(t.Secret))
		if seen[d] {
			errs = append(errs, fmt.Errorf("api: token %d (%s) is configured twice", i+1, safeLabel(t.Label)))
		}
		seen[d] = true
	}
	return errors.Join(errs...)
}

func safeLabel(l string) string {
	if tokenLabel.MatchString(l) {
		return l
	}
	return "invalid label"
}
