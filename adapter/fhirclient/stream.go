package fhirclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// NDJSONType is the media type of Bulk Data output files, sent as Accept by
// Download unless the request names another.
const NDJSONType = "application/fhir+ndjson"

// DownloadRequest is one file for Download, e.g. a Bulk Data output file.
type DownloadRequest struct {
	// URL is absolute, or relative to BaseURL.
	URL string

	// Auth sends the bearer token. It is refused with ErrOrigin, before any
	// request, when URL is outside the base's origin. Without it no
	// Authorization header is sent, not even to the base's origin (a Bulk
	// Data manifest with requiresAccessToken false says none is wanted).
	Auth bool

	// Accept is sent as the Accept header; "" means NDJSONType.
	Accept string

	// MaxBytes, when positive, is the most the file may hold; a longer body
	// fails with ErrProtocol and is not retried. Zero means the client's
	// MaxResponseBytes.
	MaxBytes int64

	// Allow, when set, must accept URL and every redirect target; others
	// are refused with ErrOrigin before any byte is sent to them (bulk
	// files come only from where the operator said they may).
	Allow func(*url.URL) bool
}

// Rewinder is implemented by writers Download can reset after a transfer
// that broke mid-body, so the retry starts from zero instead of failing.
// *os.File implements it.
type Rewinder interface {
	io.Seeker
	Truncate(size int64) error
}

// Download streams the body of GET d.URL to w and returns the bytes written
// by the attempt that succeeded (after a failure: what w was left holding).
// Only a 200 counts as success; any other status is an *Error like Do's,
// with nothing written to w.
//
// Retries follow Do's policy for failures before the body starts. A
// transfer that breaks after bytes have reached w is retried from zero only
// when w is a Rewinder (it is truncated back to where it stood when
// Download was called); otherwise the failure is final, since w already
// holds part of the file, and n reports how much. A failing w is never
// retried.
//
// Config.Timeout bounds each stretch without progress — until the response
// headers arrive, then between two reads of the body — rather than the
// whole transfer, so a large file on a slow link is not cut off while it
// still moves.
func (c *Client) Download(ctx context.Context, d DownloadRequest, w io.Writer) (int64, error) {
	if w == nil {
		return 0, errors.New("fhirclient: nil Writer for Download")
	}
	if d.MaxBytes < 0 {
		return 0, errors.New("fhirclient: negative MaxBytes")
	}
	u, err := c.resolve(d.URL)
	if err != nil {
		return 0, err
	}
	cl := &call{method: http.MethodGet, label: c.label(u), idempotent: true}
	if d.Allow != nil && !d.Allow(u) {
		return 0, &Error{Method: cl.method, Resource: cl.label,
			Err: newKindErr(ErrOrigin, "download from "+u.Host+" refused", nil)}
	}
	cl.allow = d.Allow
	if d.Auth {
		if !c.underBase(u) {
			// Only the host is named: a signed URL's query is a secret.
			return 0, &Error{Method: cl.method, Resource: cl.label,
				Err: newKindErr(ErrOrigin, "credentials for "+u.Host+" outside the FHIR base refused", nil)}
		}
		cl.creds = c.cfg.Auth != nil
	}
	dl := &download{c: c, ctx: ctx, cl: cl, u: u, w: w, max: orDefault(d.MaxBytes, c.cfg.MaxResponseBytes), accept: d.Accept}
	if dl.accept == "" {
		dl.accept = NDJSONType
	}
	if rw, ok := w.(Rewinder); ok {
		if start, err := rw.Seek(0, io.SeekCurrent); err == nil {
			dl.rw, dl.start = rw, start
		}
	}

	resp, err := dl.exchange()
	if err == nil && resp.StatusCode == http.StatusUnauthorized && cl.creds {
		// As in Do: one more try with a fresh token; nothing was written.
		c.cfg.Auth.Invalidate(cl.token)
		if fresh, terr := c.cfg.Auth.Token(ctx); terr == nil && fresh != cl.token {
			resp, err = dl.exchange()
		}
	}
	if err != nil {
		return dl.n, err
	}
	if resp.StatusCode == http.StatusOK {
		return dl.n, nil
	}
	body, err := readBody(resp.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		return 0, transportError(cl.method, cl.label, err)
	}
	if resp.StatusCode >= 400 {
		return 0, statusError(cl.method, cl.label, resp.StatusCode, body)
	}
	return 0, &Error{Status: resp.StatusCode, Method: cl.method, Resource: cl.label,
		Err: newKindErr(ErrProtocol, "expected 200 for a download", nil)}
}

// download is the state of one Download across its attempts.
type download struct {
	c      *Client
	ctx    context.Context
	cl     *call
	u      *url.URL
	w      io.Writer
	rw     Rewinder // w, when it can be reset
	start  int64    // w's offset when Download was called
	max    int64
	accept string
	n      int64 // bytes written by the successful attempt
}

// exchange runs one retryablehttp exchange whose response handler streams
// a 200 body into w, so that a body broken mid-way is retried (or not) by
// the same CheckRetry as a failure before the headers.
func (d *download) exchange() (*http.Response, error) {
	req, err := retryablehttp.NewRequestWithContext(withCall(d.ctx, d.cl), d.cl.method, d.u.String(), nil)
	if err != nil {
		return nil, &Error{Method: d.cl.method, Resource: d.cl.label, Err: errors.New("cannot build request")}
	}
	req.Header.Set("Accept", d.accept)
	req.Header.Set("User-Agent", d.c.cfg.UserAgent)
	if d.cl.creds {
		if err := d.c.authorize(req.Request, d.cl); err != nil {
			return nil, transportError(d.cl.method, d.cl.label, err)
		}
	}
	req.SetResponseHandler(d.handle)
	resp, err := d.c.streamClient().Do(req)
	d.cl.offset = d.cl.attempt
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		var nr *noRetry
		if errors.As(err, &nr) && nr.local {
			return nil, &Error{Method: d.cl.method, Resource: d.cl.label, Err: nr.err}
		}
		return nil, transportError(d.cl.method, d.cl.label, err)
	}
	return resp, nil
}

// handle is the response handler of the final attempt of an exchange.
func (d *download) handle(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		b, err := readBody(resp.Body, d.c.cfg.MaxResponseBytes)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		d.c.logAttempt(d.ctx, d.cl, resp.StatusCode, err)
		return err
	}
	n, err := d.copy(resp.Body)
	resp.Body.Close()
	resp.Body = http.NoBody
	d.c.logAttempt(d.ctx, d.cl, resp.StatusCode, err)
	d.n = n
	return err
}

// copy streams body into w and decides whether a failure may be retried.
// It returns what w holds of this attempt: all of the body on success, and
// nothing after a failure it could rewind.
func (d *download) copy(body io.Reader) (int64, error) {
	src := body
	if d.max > 0 {
		src = io.LimitReader(body, d.max+1)
	}
	tw := &trackedWriter{w: d.w}
	_, err := io.Copy(tw, src)
	switch {
	case tw.err != nil:
		return tw.n, &noRetry{err: fmt.Errorf("writing download: %w", tw.err), local: true}
	case d.max > 0 && tw.n > d.max:
		left := tw.n
		if d.rewind(tw.n) == nil {
			left = 0
		}
		return left, &noRetry{err: newKindErr(ErrProtocol, fmt.Sprintf("download exceeds the limit of %d bytes (decompressed)", d.max), errBodyTooLarge), local: true}
	case err == nil:
		return tw.n, nil
	case tw.n == 0:
		return 0, err
	}
	if rerr := d.rewind(tw.n); rerr != nil {
		// Part of the file is in w and cannot be taken back: a retry would
		// append a second copy after it.
		return tw.n, &noRetry{err: err}
	}
	return 0, err
}

// rewind puts w back where it stood before the first attempt.
func (d *download) rewind(written int64) error {
	if written == 0 {
		return nil
	}
	if d.rw == nil {
		return errors.New("writer cannot be rewound")
	}
	if err := d.rw.Truncate(d.start); err != nil {
		return err
	}
	_, err := d.rw.Seek(d.start, io.SeekStart)
	return err
}

// trackedWriter counts what reached w and keeps w's own error apart from
// the body's, because a full disk is no reason to ask the server again.
type trackedWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (t *trackedWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.n += int64(n)
	if err != nil {
		t.err = err
	}
	return n, err
}

// noRetry marks a handler failure that must end the exchange. local means
// the failure is ours (the writer, the size limit), not the transport's.
type noRetry struct {
	err   error
	local bool
}

func (e *noRetry) Error() string { return e.err.Error() }
func (e *noRetry) Unwrap() error { return e.err }

// streamClient is rc for downloads: the same hooks, but no whole-exchange
// http.Client timeout (it would cut a large file off mid-way); an idle
// timeout of Config.Timeout takes its place.
func (c *Client) streamClient() *retryablehttp.Client {
	hc := *c.rc.HTTPClient
	hc.Timeout = 0
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &idleTransport{base: base, idle: c.cfg.Timeout}
	return &retryablehttp.Client{
		HTTPClient:     &hc,
		RetryWaitMin:   c.rc.RetryWaitMin,
		RetryWaitMax:   c.rc.RetryWaitMax,
		RetryMax:       c.rc.RetryMax,
		CheckRetry:     c.checkStreamRetry,
		Backoff:        c.backoff,
		RequestLogHook: c.beforeAttempt,
		PrepareRetry:   c.prepareRetry,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
	}
}

// checkStreamRetry is checkRetry, except that a noRetry failure is final.
func (c *Client) checkStreamRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, cerr := c.checkRetry(ctx, resp, err)
	var nr *noRetry
	if errors.As(err, &nr) {
		return false, nil
	}
	return retry, cerr
}

// ResolveURL resolves ref, absolute or relative to the base, the way every
// request of the Client does. The reference is never named in the error.
func (c *Client) ResolveURL(ref string) (*url.URL, error) {
	return c.resolve(ref)
}

// SameOrigin reports whether u has the base's scheme, host and port.
func (c *Client) SameOrigin(u *url.URL) bool {
	return sameOrigin(u, c.base)
}

// UnderBase reports whether u lies under the base URL: its origin, and its
// path or below, with no dot segments. It is the only place the Client
// sends credentials, and where links from the server must point.
func (c *Client) UnderBase(u *url.URL) bool {
	return c.underBase(u)
}

// ParseRetryAfter parses a Retry-After value (RFC 9110 §10.2.3), delta
// seconds or an HTTP-date relative to now; a date in the past means zero.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	return retryAfter(v, now)
}
