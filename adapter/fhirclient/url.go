package fhirclient

import (
	"errors"
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

func checkID(id string) error {
	if !idRe.MatchString(id) {
		return errors.New("fhirclient: invalid resource id")
	}
	return nil
}
