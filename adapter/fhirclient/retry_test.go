package fhirclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryPolicy(t *testing.T) {
	ok := reply{status: 200, body: patientJSON}
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		replies   []reply
		post      bool // a transaction instead of a read
		idem      bool
		wantCalls int
		wantKind  error // nil: success
		wantText  string
	}{
		{"429 with Retry-After seconds then success", []reply{{status: 429, header: map[string]string{"Retry-After": "1"}}, ok}, false, false, 2, nil, ""},
		{"429 with Retry-After HTTP-date then success", []reply{{status: 429, header: map[string]string{"Retry-After": future}}, ok}, false, false, 2, nil, ""},
		{"503 then success", []reply{{status: 503}, ok}, false, false, 2, nil, ""},
		{"503 with Retry-After then success", []reply{{status: 503, header: map[string]string{"Retry-After": "0"}}, ok}, false, false, 2, nil, ""},
		{"500 on a read is retried", []reply{{status: 500}, {status: 502}, ok}, false, false, 3, nil, ""},
		{"408 is retried", []reply{{status: 408}, ok}, false, false, 2, nil, ""},
		{"retries run out on 503", []reply{{status: 503}}, false, false, 4, ErrUnavailable, "503 Service Unavailable"},
		{"500 on a POST transaction is not retried", []reply{{status: 500}, ok}, true, false, 1, ErrUnavailable, "POST transaction: 500"},
		{"500 on an idempotent POST transaction is retried", []reply{{status: 500}, ok}, true, true, 2, nil, ""},
		{"503 on a POST transaction is not retried", []reply{{status: 503}, ok}, true, false, 1, ErrUnavailable, ""},
		{"429 on a POST transaction is retried", []reply{{status: 429}, ok}, true, false, 2, nil, ""},
		{"400 with OperationOutcome is not retried", []reply{{status: 400, body: outcome400}, ok}, false, false, 1, nil, "400 Bad Request: error invalid"},
		{"404 is not retried", []reply{{status: 404}, ok}, false, false, 1, ErrNotFound, "GET Patient: 404 Not Found"},
		{"403 is not retried", []reply{{status: 403}, ok}, false, false, 1, ErrAuth, ""},
		{"409 is not retried", []reply{{status: 409}, ok}, true, true, 1, ErrConflict, ""},
		{"501 is not retried", []reply{{status: 501}, ok}, false, false, 1, ErrUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScripted(t, tt.replies...)
			cfg := fastConfig(srv.URL)
			// A slow fallback backoff proves a fast success came from
			// honouring Retry-After, not from the exponential wait.
			if tt.replies[0].header["Retry-After"] != "" {
				cfg.RetryWaitMin, cfg.RetryWaitMax = 10*time.Second, 10*time.Second
			}
			c := newClient(t, cfg)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()

			var err error
			if tt.post {
				_, err = c.Transaction(ctx, []byte(`{"resourceType":"Bundle","type":"transaction"}`), tt.idem)
			} else {
				_, err = c.Read(ctx, "Patient", "p1")
			}
			assert.Equal(t, tt.wantCalls, srv.count(), "requests sent")
			if tt.wantKind == nil && tt.wantText == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			if tt.wantKind != nil {
				assert.ErrorIs(t, err, tt.wantKind)
			}
			assert.Contains(t, err.Error(), tt.wantText)
		})
	}
}

func TestBackoff(t *testing.T) {
	clock := newFakeClock()
	c := newClient(t, Config{BaseURL: "http://fhir.test", MaxRetryAfter: 90 * time.Second, Now: clock.Now})
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name     string
		resp     *http.Response
		want     time.Duration // exact, or upper bound when jitter applies
		jittered bool
	}{
		{"delta seconds are honoured on 429", resp(429, "7"), 7 * time.Second, false},
		{"an HTTP-date is honoured on 503", resp(503, clock.Now().Add(30*time.Second).Format(http.TimeFormat)), 30 * time.Second, false},
		{"an HTTP-date in the past means now", resp(429, clock.Now().Add(-time.Minute).Format(http.TimeFormat)), 0, false},
		{"Retry-After beyond the cap is cut to MaxRetryAfter", resp(429, "86400"), 90 * time.Second, false},
		{"Retry-After on a 500 is ignored", resp(500, "7"), 2 * time.Second, true},
		{"an unreadable Retry-After falls back to backoff", resp(429, "soon"), 2 * time.Second, true},
		{"a transport error backs off exponentially", nil, 2 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.backoff(time.Second, time.Minute, 1, tt.resp)
			if !tt.jittered {
				assert.Equal(t, tt.want, got)
				return
			}
			assert.LessOrEqual(t, got, tt.want)
			assert.GreaterOrEqual(t, got, tt.want/2)
		})
	}
}

func TestExponentialBackoffIsBounded(t *testing.T) {
	for attempt := range 70 {
		d := expJitter(time.Second, 30*time.Second, attempt)
		require.LessOrEqual(t, d, 30*time.Second, "attempt %d", attempt)
		require.Positive(t, d, "attempt %d", attempt)
	}
}

func TestSlowResponseTimesOut(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	cfg := fastConfig(srv.URL)
	cfg.Timeout = 50 * time.Millisecond
	cfg.MaxRetries = 1
	c := newClient(t, cfg)

	start := time.Now()
	_, err := c.Read(t.Context(), "Patient", "p1")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestContextCancelDuringRetryAfterWaitReturnsPromptly(t *testing.T) {
	srv := newScripted(t, reply{status: 429, header: map[string]string{"Retry-After": "30"}})
	cfg := fastConfig(srv.URL)
	cfg.MaxRetryAfter = time.Minute
	c := newClient(t, cfg)

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Read(ctx, "Patient", "p1")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), time.Second)
	assert.Equal(t, 1, srv.count())
}

func TestConnectionErrors(t *testing.T) {
	srv := newScripted(t, reply{status: 200})
	base := srv.URL
	srv.Close() // nothing listens there any more

	tests := []struct {
		name        string
		post        bool
		wantRetries int
	}{
		{"a read is retried after a refused connection", false, 3},
		{"a POST transaction is not retried after a refused connection", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var events []RetryEvent
			cfg := fastConfig(base)
			cfg.OnRetry = func(e RetryEvent) { mu.Lock(); events = append(events, e); mu.Unlock() }
			c := newClient(t, cfg)
			var err error
			if tt.post {
				_, err = c.Transaction(t.Context(), []byte(`{}`), false)
			} else {
				_, err = c.Read(t.Context(), "Patient", "p1")
			}
			assert.ErrorIs(t, err, ErrUnavailable)
			assert.NotContains(t, err.Error(), base, "no URL in the error")
			require.Len(t, events, tt.wantRetries)
			if tt.wantRetries > 0 {
				assert.Equal(t, RetryEvent{Method: "GET", Resource: "Patient", Attempt: 2, Reason: "connection"}, events[0])
			}
		})
	}
}

func TestOnRetryReportsStatusAndAttempt(t *testing.T) {
	srv := newScripted(t, reply{status: 503}, reply{status: 429}, reply{status: 200, body: emptyBundle})
	var events []RetryEvent
	cfg := fastConfig(srv.URL)
	cfg.OnRetry = func(e RetryEvent) { events = append(events, e) }
	c := newClient(t, cfg)

	require.NoError(t, c.Search(t.Context(), "Observation", url.Values{"patient": {"p1"}}, func([]byte) error { return nil }))
	assert.Equal(t, []RetryEvent{
		{Method: "GET", Resource: "Observation", Attempt: 2, Status: 503, Reason: "status"},
		{Method: "GET", Resource: "Observation", Attempt: 3, Status: 429, Reason: "status"},
	}, events)
}

func TestBodyCutMidwayIsRetried(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			// Promise more than is sent, then drop the connection.
			w.Header().Set("Content-Length", "500")
			_, _ = w.Write([]byte(`{"resourceType":`))
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		_, _ = w.Write([]byte(patientJSON))
	})
	c := newClient(t, fastConfig(srv.URL))

	body, err := c.Read(t.Context(), "Patient", "p1")
	require.NoError(t, err)
	assert.JSONEq(t, patientJSON, string(body))
	assert.Equal(t, 2, calls)
}

func TestErrorsNeverCarryTheQuery(t *testing.T) {
	srv := newScripted(t, reply{status: 500, body: "<html>secret-42</html>"})
	c := newClient(t, fastConfig(srv.URL))

	err := c.Search(t.Context(), "Observation", url.Values{"patient": {"Patient/secret-42"}}, func([]byte) error { return nil })
	require.Error(t, err)
	var fe *Error
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, 500, fe.Status)
	assert.Equal(t, "fhirclient: GET Observation: 500 Internal Server Error", err.Error())
}
