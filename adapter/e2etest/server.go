package e2etest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a plain FHIR client for the tests' own reads, searches and
// writes, kept apart from the adapter's fhirclient so that a bug there
// cannot hide itself in the checks.
type Server struct {
	Base string
	HTTP *http.Client
}

// NewServer returns the test server of Base(t).
func NewServer(t testing.TB) *Server {
	t.Helper()
	return &Server{Base: Base(t), HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// StatusError is a FHIR answer with a status of 400 or more.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	body := e.Body
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.Path, e.Status, body)
}

// Do sends one request to [base]/path and returns the body of a 2xx/3xx
// answer and its headers.
func (s *Server) Do(ctx context.Context, method, path string, body []byte, hdr http.Header) ([]byte, http.Header, error) {
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = s.Base
		if path != "" {
			u += "/" + path
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/fhir+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	res, err := s.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode >= 400 {
		return b, res.Header, &StatusError{Method: method, Path: path, Status: res.StatusCode, Body: string(b)}
	}
	return b, res.Header, nil
}

// Transaction posts a transaction Bundle and checks that every entry of the
// response succeeded.
func (s *Server) Transaction(ctx context.Context, bundle []byte) ([]byte, error) {
	b, _, err := s.Do(ctx, http.MethodPost, "", bundle, nil)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Type  string `json:"type"`
		Entry []struct {
			Response struct {
				Status string `json:"status"`
			} `json:"response"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, fmt.Errorf("transaction response: %w", err)
	}
	if resp.Type != "transaction-response" {
		return nil, fmt.Errorf("transaction answered a %q Bundle", resp.Type)
	}
	for i, e := range resp.Entry {
		if !strings.HasPrefix(e.Response.Status, "2") {
			return nil, fmt.Errorf("transaction entry %d: %s", i, e.Response.Status)
		}
	}
	return b, nil
}

// Read returns one resource, or a *StatusError (404/410 when missing).
func (s *Server) Read(ctx context.Context, typ, id string) (*Resource, error) {
	b, _, err := s.Do(ctx, http.MethodGet, typ+"/"+id, nil, nil)
	if err != nil {
		return nil, err
	}
	return ParseResource(b)
}

// Update PUTs r (its Raw JSON as changed by the caller) to [type]/[id],
// with If-Match when ifMatch is set, and returns the stored resource.
func (s *Server) Update(ctx context.Context, r *Resource, ifMatch string) (*Resource, error) {
	raw, err := json.Marshal(r.JSON)
	if err != nil {
		return nil, err
	}
	var hdr http.Header
	if ifMatch != "" {
		hdr = http.Header{"If-Match": {`W/"` + ifMatch + `"`}}
	}
	b, _, err := s.Do(ctx, http.MethodPut, r.Type+"/"+r.ID, raw, hdr)
	if err != nil {
		return nil, err
	}
	return ParseResource(b)
}

// Modify reads a resource, lets fn change its JSON, and writes it back with
// If-Match on the version read.
func (s *Server) Modify(ctx context.Context, typ, id string, fn func(map[string]any)) (*Resource, error) {
	r, err := s.Read(ctx, typ, id)
	if err != nil {
		return nil, err
	}
	fn(r.JSON)
	return s.Update(ctx, r, r.Version)
}

// SearchPageSize is the _count of Search unless the query names one; HAPI's
// launcher allows up to 500.
const SearchPageSize = 500

// Search runs a search with Cache-Control: no-cache (HAPI answers identical
// searches from a cache for a minute otherwise) and follows every next link,
// returning all the matches.
func (s *Server) Search(ctx context.Context, typ string, q url.Values) ([]*Resource, error) {
	q = cloneValues(q)
	if q.Get("_count") == "" {
		q.Set("_count", strconv.Itoa(SearchPageSize))
	}
	next := typ + "?" + q.Encode()
	var out []*Resource
	for pages := 0; next != ""; pages++ {
		if pages > 200 {
			return nil, fmt.Errorf("search %s: more than 200 pages", typ)
		}
		b, _, err := s.Do(ctx, http.MethodGet, next, nil, http.Header{"Cache-Control": {"no-cache"}})
		if err != nil {
			return nil, err
		}
		var page struct {
			ResourceType string `json:"resourceType"`
			Link         []struct {
				Relation, URL string
			} `json:"link"`
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
				Search   struct {
					Mode string `json:"mode"`
				} `json:"search"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &page); err != nil || page.ResourceType != "Bundle" {
			return nil, fmt.Errorf("search %s: not a Bundle", typ)
		}
		for _, e := range page.Entry {
			if e.Search.Mode != "" && e.Search.Mode != "match" {
				continue // _include
			}
			r, err := ParseResource(e.Resource)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		next = ""
		for _, l := range page.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
	}
	return out, nil
}

// Count returns the number of matches of a search (_summary=count, fresh).
func (s *Server) Count(ctx context.Context, typ string, q url.Values) (int, error) {
	q = cloneValues(q)
	q.Set("_summary", "count")
	b, _, err := s.Do(ctx, http.MethodGet, typ+"?"+q.Encode(), nil, http.Header{"Cache-Control": {"no-cache"}})
	if err != nil {
		return 0, err
	}
	var page struct {
		Total *int `json:"total"`
	}
	if err := json.Unmarshal(b, &page); err != nil || page.Total == nil {
		return 0, fmt.Errorf("count %s: no total", typ)
	}
	return *page.Total, nil
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
