package fhirclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/hashicorp/go-retryablehttp"
)

const fhirJSON = "application/fhir+json"

// errBodyTooLarge marks a response cut off at the size limit; it travels
// inside an ErrProtocol error that names the limit.
var errBodyTooLarge = errors.New("response body too large")

// Client talks to one FHIR server. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL // always ends in "/"
	rc   *retryablehttp.Client
}

// Request is one FHIR interaction for Do.
type Request struct {
	Method string // GET when empty
	URL    string // relative to BaseURL (e.g. "metadata") or absolute, e.g. a status URL
	// Path, instead of URL, names the target as path segments under the
	// base (e.g. "Group", id, "$export"): each is escaped and none is
	// resolved, so an id cannot climb out of the base. Ids made only of
	// dots are refused.
	Path   []string
	Query  url.Values  // added to the URL's query
	Header http.Header // extra headers, e.g. "Prefer: respond-async"
	Body   []byte      // sent as application/fhir+json

	// Idempotent lets a POST be retried after a 5xx or a broken connection;
	// GET, HEAD, PUT, DELETE and OPTIONS always are. Set it only when
	// applying the request twice is harmless, e.g. a transaction of PUTs
	// with deterministic ids.
	Idempotent bool

	label string // resource type for logs and errors; derived from URL when empty
}

// Response is a successful (status < 400) answer with its body read in full.
type Response struct {
	Status int
	Header http.Header // e.g. Content-Location, Retry-After, X-Progress for bulk data
	Body   []byte
}

// New returns a Client for cfg, or an error when cfg is incomplete or invalid.
func New(cfg Config) (*Client, error) {
	cfg, base, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, base: base}
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		hc = &cp
	}
	hc.Timeout = cfg.Timeout
	hc.CheckRedirect = c.checkRedirect
	c.rc = &retryablehttp.Client{
		HTTPClient:     hc,
		Logger:         nil, // its messages carry full URLs; we log ourselves
		RetryWaitMin:   cfg.RetryWaitMin,
		RetryWaitMax:   cfg.RetryWaitMax,
		RetryMax:       cfg.MaxRetries,
		CheckRetry:     c.checkRetry,
		Backoff:        c.backoff,
		RequestLogHook: c.beforeAttempt,
		PrepareRetry:   c.prepareRetry,
		// Passthrough keeps retryablehttp's "giving up" text, which embeds the
		// URL and query, out of our errors; Do builds its own.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c, nil
}

// Do performs r and returns the response when its status is below 400, and
// an *Error otherwise. Credentials go only to the BaseURL's origin; a 401
// from it makes Do fetch a fresh token and try once more.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if r == nil {
		return nil, errors.New("fhirclient: nil Request")
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var u *url.URL
	var err error
	switch {
	case r.Path != nil && r.URL != "":
		return nil, errors.New("fhirclient: Request has both URL and Path")
	case r.Path != nil:
		u, err = c.pathURL(r.Path...)
	default:
		u, err = c.resolve(r.URL)
	}
	if err != nil {
		return nil, err
	}
	if len(r.Query) > 0 {
		q := u.Query()
		for k, vs := range r.Query {
			q[k] = append(q[k], vs...)
		}
		u.RawQuery = q.Encode()
	}
	cl := &call{method: method, label: r.label, idempotent: r.Idempotent || idempotentMethod(method)}
	if cl.label == "" {
		cl.label = c.label(u)
	}
	cl.creds = c.cfg.Auth != nil && c.underBase(u)

	resp, err := c.send(ctx, cl, u, r)
	if err == nil && resp.Status == http.StatusUnauthorized && cl.creds {
		// The token may have been revoked or expired early. The server
		// refused before doing anything, so one more try is safe for any
		// method; a second 401 is final.
		c.cfg.Auth.Invalidate(cl.token)
		if fresh, terr := c.cfg.Auth.Token(ctx); terr == nil && fresh != cl.token {
			resp, err = c.send(ctx, cl, u, r)
		}
	}
	if err != nil {
		return nil, err
	}
	if resp.Status >= 400 {
		return nil, statusError(method, cl.label, resp.Status, resp.Body)
	}
	return resp, nil
}

// send runs one retryablehttp exchange (first attempt plus retries).
func (c *Client) send(ctx context.Context, cl *call, u *url.URL, r *Request) (*Response, error) {
	var body any
	if r.Body != nil {
		body = r.Body
	}
	req, err := retryablehttp.NewRequestWithContext(withCall(ctx, cl), cl.method, u.String(), body)
	if err != nil {
		return nil, &Error{Method: cl.method, Resource: cl.label, Err: errors.New("cannot build request")}
	}
	req.Header.Set("Accept", fhirJSON)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if r.Body != nil {
		req.Header.Set("Content-Type", fhirJSON)
	}
	for k, vs := range r.Header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if cl.creds {
		if err := c.authorize(req.Request, cl); err != nil {
			return nil, transportError(cl.method, cl.label, err)
		}
	}
	// Reading the body inside the exchange lets a connection that breaks
	// mid-body be retried like any other transport failure.
	req.SetResponseHandler(func(resp *http.Response) error {
		b, err := readBody(resp.Body, c.cfg.MaxResponseBytes)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		c.logAttempt(req.Context(), cl, resp.StatusCode, err)
		return err
	})

	resp, err := c.rc.Do(req)
	cl.offset = cl.attempt
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, transportError(cl.method, cl.label, err)
	}
	// Buffered by the handler, or raw when retries ran out on a status.
	b, err := readBody(resp.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		return nil, transportError(cl.method, cl.label, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// authorize sets the bearer token; prepareRetry calls it again before each
// retry so a long Retry-After wait cannot outlive the token.
func (c *Client) authorize(req *http.Request, cl *call) error {
	tok, err := c.cfg.Auth.Token(req.Context())
	if err != nil {
		return err
	}
	cl.token = tok
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

func (c *Client) prepareRetry(req *http.Request) error {
	if cl := callFrom(req.Context()); cl != nil && cl.creds {
		return c.authorize(req, cl)
	}
	return nil
}

// checkRedirect refuses to carry credentials outside the base. net/http
// strips Authorization only when the host name changes, not the port,
// scheme or path, and a FHIR server has no business redirecting us
// elsewhere. A call may narrow where it goes further (bulk files).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if via[0].Header.Get("Authorization") != "" && !c.underBase(req.URL) {
		return newKindErr(ErrOrigin, "redirect to "+req.URL.Host+" outside the FHIR base refused", nil)
	}
	if cl := callFrom(req.Context()); cl != nil && cl.allow != nil && !cl.allow(req.URL) {
		return newKindErr(ErrOrigin, "redirect to "+req.URL.Host+" refused", nil)
	}
	return nil
}

// readBody reads a whole body, and stops reading as soon as it holds more
// than limit bytes. net/http decompresses gzip on the fly, so the limit is
// on decompressed bytes and a small compressed bomb is cut off after limit
// bytes of output, not inflated into memory first.
func readBody(rc io.ReadCloser, limit int64) ([]byte, error) {
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, bodyTooLarge(limit)
	}
	return b, nil
}

func bodyTooLarge(limit int64) error {
	return newKindErr(ErrProtocol, fmt.Sprintf("response exceeds the limit of %d bytes (decompressed)", limit), errBodyTooLarge)
}

func idempotentMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}
