package fhirclient

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ndjsonBody = "{\"resourceType\":\"Observation\",\"id\":\"o1\"}\n{\"resourceType\":\"Observation\",\"id\":\"o2\"}\n"

func TestDownloadStreamsTheBodyWithNDJSONAccept(t *testing.T) {
	srv := newScripted(t, reply{status: 200, header: map[string]string{"Content-Type": NDJSONType}, body: ndjsonBody})
	cfg := fastConfig(srv.URL + "/fhir")
	cfg.Auth = StaticToken("tok-dl")
	c := newClient(t, cfg)

	for _, tt := range []struct {
		name     string
		auth     bool
		wantAuth string
	}{
		{"with Auth the token goes to the base origin", true, "Bearer tok-dl"},
		{"without Auth no token goes even to the base origin", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.count()
			var buf bytes.Buffer
			n, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/b1", Auth: tt.auth}, &buf)
			require.NoError(t, err)
			assert.Equal(t, ndjsonBody, buf.String())
			assert.EqualValues(t, len(ndjsonBody), n)
			r := srv.request(before)
			assert.Equal(t, "/fhir/Binary/b1", r.URL.Path)
			assert.Equal(t, NDJSONType, r.Header.Get("Accept"))
			assert.Equal(t, tt.wantAuth, r.Header.Get("Authorization"))
		})
	}
}

func TestDownloadWithAuthToAnotherOriginIsRefusedBeforeAnyRequest(t *testing.T) {
	own := newScripted(t, reply{status: 200})
	foreign := newCountingServer(t)
	cfg := fastConfig(own.URL + "/fhir")
	cfg.Auth = StaticToken("tok-foreign")
	c := newClient(t, cfg)

	_, err := c.Download(t.Context(), DownloadRequest{URL: foreign.URL + "/out/1.ndjson?sig=secret", Auth: true}, &bytes.Buffer{})
	assert.ErrorIs(t, err, ErrOrigin)
	assert.NotContains(t, err.Error(), "secret")
	assert.Zero(t, foreign.hits.Load())

	var buf bytes.Buffer
	_, err = c.Download(t.Context(), DownloadRequest{URL: foreign.URL + "/out/1.ndjson"}, &buf)
	require.NoError(t, err, "without Auth a foreign file (object storage) is fetched")
	assert.EqualValues(t, 1, foreign.hits.Load())
	assert.False(t, foreign.sawCreds.Load())
}

func TestDownloadStatusFailures(t *testing.T) {
	tests := []struct {
		name      string
		replies   []reply
		wantCalls int
		wantKind  error
		wantText  string
	}{
		{"503 then 200 is retried", []reply{{status: 503}, {status: 200, body: ndjsonBody}}, 2, nil, ""},
		{"404 with an OperationOutcome is final", []reply{{status: 404, body: `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Binary expired"}]}`}},
			1, ErrNotFound, "404 Not Found: error not-found"},
		{"204 is not a download", []reply{{status: 204}}, 1, ErrProtocol, "expected 200"},
		{"retries run out on 500", []reply{{status: 500}}, 4, ErrUnavailable, "500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScripted(t, tt.replies...)
			c := newClient(t, fastConfig(srv.URL))
			var buf bytes.Buffer
			_, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/b1"}, &buf)
			assert.Equal(t, tt.wantCalls, srv.count())
			if tt.wantKind == nil {
				require.NoError(t, err)
				assert.Equal(t, ndjsonBody, buf.String())
				return
			}
			assert.ErrorIs(t, err, tt.wantKind)
			assert.Contains(t, err.Error(), tt.wantText)
			assert.Zero(t, buf.Len(), "an error body never reaches the writer")
		})
	}
}

// breakingServer sends half of ndjsonBody and drops the connection on the
// first `breaks` requests, then the whole body.
func breakingServer(t *testing.T, breaks int32) (*scripted, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := newScriptedFunc(t, func(int, *http.Request) reply { return reply{} })
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Length", strconv.Itoa(len(ndjsonBody)))
		if i <= breaks {
			_, _ = w.Write([]byte(ndjsonBody[:len(ndjsonBody)/2]))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		_, _ = w.Write([]byte(ndjsonBody))
	})
	return srv, &n
}

func TestDownloadBrokenMidBodyRestartsAFileFromZero(t *testing.T) {
	srv, hits := breakingServer(t, 1)
	c := newClient(t, fastConfig(srv.URL))
	f, err := os.Create(filepath.Join(t.TempDir(), "out.ndjson"))
	require.NoError(t, err)
	defer f.Close()

	n, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/b1"}, f)
	require.NoError(t, err)
	assert.EqualValues(t, 2, hits.Load())
	assert.EqualValues(t, len(ndjsonBody), n)
	got, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.Equal(t, ndjsonBody, string(got), "the broken half was truncated away")
}

func TestDownloadBrokenMidBodyIsFinalForAWriterThatCannotRewind(t *testing.T) {
	srv, hits := breakingServer(t, 1)
	c := newClient(t, fastConfig(srv.URL))
	var buf bytes.Buffer

	n, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/b1"}, &buf)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.EqualValues(t, 1, hits.Load(), "not retried: the buffer already holds half the file")
	assert.EqualValues(t, len(ndjsonBody)/2, n)
}

func TestDownloadLimitAndWriterFailuresAreNotRetried(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: ndjsonBody})
	c := newClient(t, fastConfig(srv.URL))

	_, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/b1", MaxBytes: 10}, &bytes.Buffer{})
	assert.ErrorIs(t, err, ErrProtocol)
	assert.Contains(t, err.Error(), "exceeds the limit of 10 bytes")
	assert.Equal(t, 1, srv.count())

	_, err = c.Download(t.Context(), DownloadRequest{URL: "Binary/b1"}, failingWriter{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing download: disk full")
	assert.Equal(t, 2, srv.count())

	var buf bytes.Buffer
	_, err = c.Download(t.Context(), DownloadRequest{URL: "Binary/b1", MaxBytes: int64(len(ndjsonBody))}, &buf)
	require.NoError(t, err, "a body of exactly MaxBytes fits")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestDownloadIdleTimeoutOnlyCountsStretchesWithoutData(t *testing.T) {
	var stall atomic.Bool
	srv := newScriptedFunc(t, func(int, *http.Request) reply { return reply{} })
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Ten chunks 40 ms apart: 400 ms in all, above the 300 ms timeout,
		// but never 300 ms without data — unless told to stall.
		for i := range 10 {
			_, _ = w.Write([]byte(strings.Repeat("x", 9) + "\n"))
			w.(http.Flusher).Flush()
			if i == 4 && stall.Load() {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				return
			}
			time.Sleep(40 * time.Millisecond)
		}
	})
	cfg := fastConfig(srv.URL)
	cfg.Timeout = 300 * time.Millisecond
	cfg.MaxRetries = -1
	c := newClient(t, cfg)

	var buf bytes.Buffer
	n, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/b1"}, &buf)
	require.NoError(t, err)
	assert.EqualValues(t, 100, n)

	stall.Store(true)
	buf.Reset()
	start := time.Now()
	_, err = c.Download(t.Context(), DownloadRequest{URL: "Binary/b1"}, &buf)
	assert.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), 1500*time.Millisecond)
}

// rotatingAuth hands out tok-1, tok-2, ... and forgets a token on Invalidate.
type rotatingAuth struct {
	mu  sync.Mutex
	n   int
	cur string
}

func (a *rotatingAuth) Token(context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == "" {
		a.n++
		a.cur = "tok-" + strconv.Itoa(a.n)
	}
	return a.cur, nil
}

func (a *rotatingAuth) Invalidate(tok string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == tok {
		a.cur = ""
	}
}

func TestDownloadRefreshesARejectedTokenOnce(t *testing.T) {
	srv := newScriptedFunc(t, func(_ int, r *http.Request) reply {
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			return reply{status: 401}
		}
		return reply{status: 200, body: ndjsonBody}
	})
	cfg := fastConfig(srv.URL)
	cfg.Auth = &rotatingAuth{}
	c := newClient(t, cfg)

	var buf bytes.Buffer
	_, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/b1", Auth: true}, &buf)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.count())
	assert.Equal(t, ndjsonBody, buf.String())
}

func TestDownloadLogsNoURLOrToken(t *testing.T) {
	var logs logBuffer
	srv := newScripted(t, reply{status: 503}, reply{status: 200, body: ndjsonBody})
	cfg := fastConfig(srv.URL + "/fhir")
	cfg.Logger = logs.logger()
	cfg.Auth = StaticToken("tok-logged-never")
	c := newClient(t, cfg)

	_, err := c.Download(t.Context(), DownloadRequest{URL: "Binary/secret-42?sig=abc", Auth: true}, &bytes.Buffer{})
	require.NoError(t, err)
	out := logs.String()
	for _, banned := range []string{"secret-42", "sig=", "tok-logged-never", srv.URL} {
		assert.NotContains(t, out, banned)
	}
	assert.Contains(t, out, `"resource":"Binary","status":200,"attempt":2`)
}

func TestResolveURLAndSameOrigin(t *testing.T) {
	c := newClient(t, Config{BaseURL: "https://fhir.example.org/r4"})
	u, err := c.ResolveURL("$export-poll-status?_jobId=7")
	require.NoError(t, err)
	assert.Equal(t, "https://fhir.example.org/r4/$export-poll-status?_jobId=7", u.String())
	assert.True(t, c.SameOrigin(u))
	other, err := c.ResolveURL("https://fhir.example.org:8443/r4/x")
	require.NoError(t, err)
	assert.False(t, c.SameOrigin(other), "another port is another origin")

	d, ok := ParseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	assert.True(t, ok)
	assert.Equal(t, 30*time.Second, d)
}
