package fhirclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Search runs GET [base]/[resourceType]?params and calls fn with every page
// (a searchset Bundle, raw JSON), following Bundle.link[relation=next]
// exactly as given (fhir-mapping §4).
//
// Any failure — a page that fails after its retries, a page that is not a
// Bundle, a next link to another origin (refused before any request is
// sent, as it would carry our credentials), a next link seen before, more
// than PageLimit pages, or fn's own error — ends the Search with an error.
// Pages already passed to fn are then an incomplete result and the caller
// must discard them; Search never reports a partial pull as success.
//
// Every page is requested with Cache-Control: no-cache, as eligibility needs
// the data as it is now, not as a cache saw it.
func (c *Client) Search(ctx context.Context, resourceType string, params url.Values, fn func(page []byte) error) error {
	if err := checkType(resourceType); err != nil {
		return err
	}
	u, err := c.pathURL(resourceType)
	if err != nil {
		return err
	}
	q := url.Values{}
	for k, vs := range params {
		q[k] = append([]string(nil), vs...)
	}
	if c.cfg.PageSize > 0 && q.Get("_count") == "" {
		q.Set("_count", strconv.Itoa(c.cfg.PageSize))
	}
	u.RawQuery = q.Encode()

	seen := map[string]bool{}
	for page := 1; ; page++ {
		if page > c.cfg.PageLimit {
			return c.pageError(resourceType, page, newKindErr(ErrProtocol, fmt.Sprintf("more than %d pages", c.cfg.PageLimit), nil))
		}
		seen[u.String()] = true
		resp, err := c.Do(ctx, &Request{
			URL:    u.String(),
			Header: http.Header{"Cache-Control": {"no-cache"}},
			label:  resourceType,
		})
		if err != nil {
			return err
		}
		next, err := nextLink(resp.Body)
		if err != nil {
			return c.pageError(resourceType, page, err)
		}
		if err := fn(resp.Body); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		nu, err := c.resolve(next)
		switch {
		case err != nil:
			return c.pageError(resourceType, page, newKindErr(ErrProtocol, "unusable next link", nil))
		case !sameOrigin(nu, c.base):
			// Only the host is named: the link's query is PHI.
			return c.pageError(resourceType, page, newKindErr(ErrOrigin, "next link to "+nu.Host+" refused", nil))
		case !c.underBase(nu):
			// Same host, another path (another tenant's, an admin API):
			// it would get our token all the same.
			return c.pageError(resourceType, page, newKindErr(ErrOrigin, "next link outside the FHIR base path refused", nil))
		case seen[nu.String()]:
			return c.pageError(resourceType, page, newKindErr(ErrProtocol, "next link repeats an earlier page", nil))
		}
		u = nu
	}
}

func (c *Client) pageError(resourceType string, page int, err error) error {
	return &Error{Method: http.MethodGet, Resource: resourceType,
		Err: fmt.Errorf("page %d: %w", page, err)}
}

// nextLink returns the page's Bundle.link[relation=next].url, or "" on the
// last page. It parses nothing else: decoding entries is fhirmap's job. The
// JSON error text is dropped because it quotes bytes of the body.
func nextLink(page []byte) (string, error) {
	var b struct {
		ResourceType string `json:"resourceType"`
		Link         []struct {
			Relation string `json:"relation"`
			URL      string `json:"url"`
		} `json:"link"`
	}
	if err := json.Unmarshal(page, &b); err != nil {
		return "", newKindErr(ErrProtocol, "not valid JSON", nil)
	}
	if b.ResourceType != "Bundle" {
		return "", newKindErr(ErrProtocol, "not a Bundle", nil)
	}
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL, nil
		}
	}
	return "", nil
}
