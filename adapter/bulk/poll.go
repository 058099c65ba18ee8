package bulk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// poll requests the status URL until the job completes and returns its
// manifest. A 202 means "still running"; a 4xx or 5xx (after the client's
// own retries of 429 and 5xx) means the job or the request failed, and the
// error carries the OperationOutcome's text.
func poll(ctx context.Context, c *fhirclient.Client, status *url.URL, wait time.Duration, opts Options) (*Manifest, error) {
	backoff := opts.PollInterval
	for n := 1; ; n++ {
		if err := opts.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("bulk: waiting for the export: %w", err)
		}
		resp, err := c.Do(ctx, &fhirclient.Request{URL: status.String()})
		if err != nil {
			return nil, fmt.Errorf("bulk: export status: %w", err)
		}
		switch resp.Status {
		case http.StatusOK:
			return readManifest(ctx, c, resp.Body, opts)
		case http.StatusAccepted:
			wait, backoff = opts.nextWait(resp.Header, backoff)
			if opts.OnProgress != nil {
				opts.OnProgress(Progress{Poll: n, Text: truncate(resp.Header.Get("X-Progress"), 100), Wait: wait})
			}
		default:
			return nil, fmt.Errorf("bulk: export status answered %d: %w", resp.Status, fhirclient.ErrProtocol)
		}
	}
}

// firstWait is the wait before the first status request: the kick-off's
// Retry-After when it sent one, else PollInterval.
func (o Options) firstWait(h http.Header) time.Duration {
	wait, _ := o.nextWait(h, o.PollInterval)
	return wait
}

// nextWait returns the wait before the next status request and the
// back-off to use after it. Retry-After (seconds or HTTP-date) is honoured
// within [PollMin, PollMax]; without it the wait grows by half each time.
func (o Options) nextWait(h http.Header, backoff time.Duration) (wait, next time.Duration) {
	if d, ok := fhirclient.ParseRetryAfter(h.Get("Retry-After"), o.Now()); ok {
		return min(max(d, o.PollMin), o.PollMax), backoff
	}
	return backoff, min(backoff+backoff/2, o.PollMax)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
