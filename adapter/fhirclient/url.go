package fhirclient

import (
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

var (
	// FHIR R4 resource type names and logical ids (R4 §2.1.22 "id").
	// Checking them keeps a caller's value from rewriting the request path.
	resourceTypeRe = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
	idRe           = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

	// labelRe accepts the first path segment as a log label only when it is
	// a resource type, an operation or a known system path: anything else
	// could be an id or a server's opaque paging token.
	labelRe = regexp.MustCompile(`^(\$[a-z][A-Za-z0-9-]{0,63}|[A-Z][A-Za-z]{1,63}|metadata|_history|_search)$`)
)

// resolve turns a reference relative to the base, or an absolute URL, into
// an absolute http(s) URL. The reference itself never appears in the error:
// it may hold a query.
func (c *Client) resolve(ref string) (*url.URL, error) {
	if ref == "" {
		// [base] itself (transaction, batch): without the trailing slash
		// that base carries for resolving, as servers route it that way.
		u := *c.base
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		return &u, nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil, errors.New("fhirclient: unparseable request URL")
	}
	u = c.base.ResolveReference(u)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("fhirclient: request URL is not http or https")
	}
	u.Fragment = ""
	return u, nil
}

// pathURL is the base with segs appended as escaped path segments. It is
// never run through URL resolution, so no segment can climb out of the
// base: a "." or ".." segment, or an empty one, is refused instead.
func (c *Client) pathURL(segs ...string) (*url.URL, error) {
	u := *c.base
	var p, raw strings.Builder
	p.WriteString(u.Path)
	raw.WriteString(u.EscapedPath())
	for i, s := range segs {
		if s == "" || dotsOnly(s) {
			return nil, errors.New("fhirclient: empty or dot path segment")
		}
		if i > 0 {
			p.WriteByte('/')
			raw.WriteByte('/')
		}
		p.WriteString(s)
		raw.WriteString(url.PathEscape(s))
	}
	u.Path, u.RawPath = p.String(), raw.String()
	if u.RawPath == u.Path {
		u.RawPath = ""
	}
	return &u, nil
}

// underBase reports whether u lies under the configured base: the same
// origin, a path that is the base path or below it, and no dot segment that
// a server could resolve to somewhere else. It is the test for sending
// credentials and for following a link the server handed us (issue 11,
// point 11): another tenant's path on the same host is not ours.
func (c *Client) underBase(u *url.URL) bool {
	if !sameOrigin(u, c.base) {
		return false
	}
	root := strings.TrimSuffix(c.base.Path, "/")
	if u.Path != root && !strings.HasPrefix(u.Path, c.base.Path) {
		return false
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// isLoopback reports whether host (a URL's Hostname) names this machine:
// "localhost" or a loopback address. Plain http is acceptable there only.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// plainHTTPRemote reports whether u would travel unencrypted over a network.
func plainHTTPRemote(u *url.URL) bool {
	return !strings.EqualFold(u.Scheme, "https") && !isLoopback(u.Hostname())
}

func dotsOnly(s string) bool {
	return strings.Trim(s, ".") == ""
}

// sameOrigin reports whether a and b share scheme, host and port (RFC 6454),
// the test for whether credentials may be sent to a.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// label names u for logs and errors by its first segment under the base:
// "Observation", "$export", "metadata". Ids, queries and foreign paths are
// never named.
func (c *Client) label(u *url.URL) string {
	if !sameOrigin(u, c.base) {
		return "external"
	}
	rel, ok := strings.CutPrefix(u.Path, c.base.Path)
	if !ok {
		if u.Path+"/" == c.base.Path {
			return "base"
		}
		return "other"
	}
	seg, _, _ := strings.Cut(rel, "/")
	switch {
	case seg == "":
		return "base"
	case labelRe.MatchString(seg):
		return seg
	}
	return "other"
}

func checkType(resourceType string) error {
	if !resourceTypeRe.MatchString(resourceType) {
		return errors.New("fhirclient: invalid resource type")
	}
	return nil
}

// checkID applies the R4 id syntax, and refuses ids made only of dots: the
// syntax admits "." and "..", which a URL resolver turns into the parent
// path (Patient/.. is GET [base]/).
func checkID(id string) error {
	if !idRe.MatchString(id) || dotsOnly(id) {
		return errors.New("fhirclient: invalid resource id")
	}
	return nil
}
