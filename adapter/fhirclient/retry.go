package fhirclient

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// call is the state of one Do, carried through retryablehttp's hooks in the
// request context. Hooks run on the caller's goroutine, one at a time.
type call struct {
	method     string
	label      string
	idempotent bool
	creds      bool
	token      string
	allow      func(*url.URL) bool // where redirects may go; nil: anywhere checkRedirect allows

	offset  int // attempts made by earlier exchanges (the 401 refresh)
	attempt int // 1-based number of the current attempt
	start   time.Time
	logged  int // last attempt already logged
	status  int // outcome of the last attempt, for RetryEvent
	reason  string
}

type callKey struct{}

func withCall(ctx context.Context, cl *call) context.Context {
	return context.WithValue(ctx, callKey{}, cl)
}

func callFrom(ctx context.Context) *call {
	cl, _ := ctx.Value(callKey{}).(*call)
	return cl
}

// beforeAttempt is retryablehttp's RequestLogHook: it runs before every
// attempt, which makes it the one place that knows a retry is happening.
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	cl := callFrom(req.Context())
	if cl == nil {
		return
	}
	cl.attempt = cl.offset + i + 1
	cl.start = time.Now()
	if i > 0 && c.cfg.OnRetry != nil {
		c.cfg.OnRetry(RetryEvent{Method: cl.method, Resource: cl.label, Attempt: cl.attempt,
			Status: cl.status, Reason: cl.reason})
	}
}

// checkRetry is retryablehttp's CheckRetry. The policy (fhir-mapping §4):
//   - 408 and 429 are retried for every method: the server says it did not
//     process the request;
//   - other 5xx (but not 501) and transport failures are retried only when
//     the request is idempotent, since a POST may already have been applied;
//   - every other status is final.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl := callFrom(ctx)
	retry, cerr := c.policy(ctx, cl, resp, err)
	if cl != nil {
		cl.status, cl.reason = 0, errReason(err)
		if resp != nil && err == nil {
			cl.status, cl.reason = resp.StatusCode, "status"
		}
		// A response that is neither retried nor failed is logged by the
		// response handler once its body is read, duration included.
		if resp == nil || err != nil || retry || cerr != nil {
			c.logAttempt(ctx, cl, cl.status, err)
		}
	}
	return retry, cerr
}

func (c *Client) policy(ctx context.Context, cl *call, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	idempotent := cl == nil || cl.idempotent
	if err != nil {
		if !idempotent || errors.Is(err, ErrOrigin) || errors.Is(err, errBodyTooLarge) {
			return false, nil
		}
		// Reuse retryablehttp's list of permanent transport errors (bad
		// certificate, bad scheme, redirect loop).
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests, s == http.StatusRequestTimeout:
		return true, nil
	case s >= 500 && s != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// backoff is retryablehttp's Backoff: Retry-After on 429/503 when given
// (seconds or HTTP-date), capped at MaxRetryAfter; otherwise exponential.
func (c *Client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()); ok {
			return min(d, c.cfg.MaxRetryAfter)
		}
	}
	return expJitter(lo, hi, attempt)
}

// retryAfter parses a Retry-After value (RFC 9110 §10.2.3): delta seconds or
// an HTTP-date. A date in the past means "now".
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) { // avoid Duration overflow; capped later anyway
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// expJitter waits between half and all of lo·2^attempt, capped at hi. The
// random half spreads the retries of many workers hit by the same outage.
func expJitter(lo, hi time.Duration, attempt int) time.Duration {
	ceiling := hi
	if attempt < 32 {
		if d := lo << attempt; d > 0 && d < hi {
			ceiling = d
		}
	}
	half := ceiling / 2
	return half + rand.N(ceiling-half+1)
}

// errReason classifies a transport error for RetryEvent and logs without
// its text, which can name hosts and paths.
func errReason(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, errBodyTooLarge), errors.Is(err, io.ErrUnexpectedEOF):
		return "body"
	case errors.Is(err, ErrOrigin):
		return "origin"
	}
	return "connection"
}

// logAttempt writes the one record per attempt: method, resource type,
// status or error kind, attempt, duration. Never the URL, query, body or
// token.
func (c *Client) logAttempt(ctx context.Context, cl *call, status int, err error) {
	if cl.logged == cl.attempt {
		return
	}
	cl.logged = cl.attempt
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("resource", cl.label),
		slog.Int("status", status),
		slog.Int("attempt", cl.attempt),
		slog.Duration("duration", time.Since(cl.start)),
	}
	level := slog.LevelDebug
	if err != nil {
		attrs = append(attrs, slog.String("error", errReason(err)))
		level = slog.LevelWarn
	} else if status >= 400 {
		level = slog.LevelWarn
	}
	c.cfg.Logger.LogAttrs(ctx, level, "fhir request", attrs...)
}
