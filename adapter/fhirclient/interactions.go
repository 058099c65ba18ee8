package fhirclient

import (
	"context"
	"errors"
	"net/http"
)

// Read fetches one resource: GET [base]/[resourceType]/[id]. A missing or
// deleted resource is an *Error matching ErrNotFound.
func (c *Client) Read(ctx context.Context, resourceType, id string) ([]byte, error) {
	if err := checkType(resourceType); err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	resp, err := c.Do(ctx, &Request{Path: []string{resourceType, id}, label: resourceType})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Get fetches an absolute URL, or one relative to the base, e.g. a bulk-data
// status URL taken from Content-Location. Credentials are attached only when
// the URL has the base's origin; elsewhere (bulk output on object storage)
// the request goes without them. The returned Response carries the status
// and headers the bulk-data protocol needs (202 plus X-Progress and
// Retry-After while running, 200 when done).
func (c *Client) Get(ctx context.Context, rawURL string) (*Response, error) {
	return c.Do(ctx, &Request{URL: rawURL})
}

// Transaction posts a transaction Bundle to the base and returns the
// response Bundle. Set idempotent only when replaying the Bundle is harmless
// (PUTs with deterministic ids, fhir-mapping §3): it lets a 5xx or a broken
// connection be retried, where otherwise the server might apply it twice.
func (c *Client) Transaction(ctx context.Context, bundle []byte, idempotent bool) ([]byte, error) {
	if len(bundle) == 0 {
		return nil, errors.New("fhirclient: empty transaction Bundle")
	}
	r := &Request{Method: http.MethodPost, Body: bundle, Idempotent: idempotent, label: "transaction"}
	if c.cfg.TransactionPrefer != "" {
		r.Header = http.Header{"Prefer": {c.cfg.TransactionPrefer}}
	}
	resp, err := c.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
