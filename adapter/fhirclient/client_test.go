package fhirclient

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"a missing base URL", Config{}},
		{"a relative base URL", Config{BaseURL: "/fhir"}},
		{"a host without scheme", Config{BaseURL: "fhir.example.org/r4"}},
		{"an ftp base URL", Config{BaseURL: "ftp://fhir.example.org/r4"}},
		{"a base URL with a query", Config{BaseURL: "https://fhir.example.org/r4?tenant=a"}},
		{"a base URL with user info", Config{BaseURL: "https://u:p@fhir.example.org/r4"}},
		{"a negative timeout", Config{BaseURL: "https://fhir.example.org", Timeout: -time.Second}},
		{"a max wait below the min wait", Config{BaseURL: "https://fhir.example.org", RetryWaitMin: time.Minute, RetryWaitMax: time.Second}},
		{"a negative page limit", Config{BaseURL: "https://fhir.example.org", PageLimit: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			c, err := New(tt.cfg)
			assert.Error(t, err)
			assert.Nil(t, c)
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	c := newClient(t, Config{BaseURL: "https://fhir.example.org/r4", MaxRetries: -1})
	assert.Equal(t, 0, c.cfg.MaxRetries, "a negative MaxRetries disables retries")
	assert.Equal(t, DefaultTimeout, c.cfg.Timeout)
	assert.Equal(t, DefaultPageLimit, c.cfg.PageLimit)
	assert.Equal(t, "/r4/", c.base.Path)

	c = newClient(t, Config{BaseURL: "https://fhir.example.org/r4/"})
	assert.Equal(t, DefaultMaxRetries, c.cfg.MaxRetries)
	assert.Equal(t, "/r4/", c.base.Path)
}

func TestDoReturnsBulkStatusHeaders(t *testing.T) {
	srv := newScripted(t, reply{status: 202, header: map[string]string{
		"Content-Location": "/fhir/bulkstatus/7", "Retry-After": "5", "X-Progress": "40%",
	}})
	c := newClient(t, fastConfig(srv.URL+"/fhir"))

	resp, err := c.Do(t.Context(), &Request{
		URL:    "Group/g1/$export",
		Query:  url.Values{"_type": {"Observation"}},
		Header: http.Header{"Prefer": {"respond-async"}},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.Status)
	assert.Equal(t, "/fhir/bulkstatus/7", resp.Header.Get("Content-Location"))
	assert.Equal(t, "40%", resp.Header.Get("X-Progress"))
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	r := srv.request(0)
	assert.Equal(t, "/fhir/Group/g1/$export", r.URL.Path)
	assert.Equal(t, "_type=Observation", r.URL.RawQuery)
	assert.Equal(t, "respond-async", r.Header.Get("Prefer"))
}

func TestRedirectToAnotherOriginIsRefused(t *testing.T) {
	foreign := newCountingServer(t)
	srv := newScripted(t, reply{status: http.StatusFound, header: map[string]string{"Location": foreign.URL + "/fhir/Patient/p1"}})
	cfg := fastConfig(srv.URL)
	cfg.Auth = StaticToken("tok-redirect")
	c := newClient(t, cfg)

	_, err := c.Read(t.Context(), "Patient", "p1")
	assert.ErrorIs(t, err, ErrOrigin)
	assert.Equal(t, 1, srv.count(), "not retried")
	assert.Zero(t, foreign.hits.Load())
}

func TestLogsNameOnlyMethodResourceStatusAttemptDuration(t *testing.T) {
	var logs logBuffer
	srv := newScripted(t, reply{status: 503, body: "secret-42"}, reply{status: 200, body: emptyBundle})
	cfg := fastConfig(srv.URL + "/fhir")
	cfg.Logger = logs.logger()
	cfg.Auth = StaticToken("tok-logged-never")
	c := newClient(t, cfg)

	err := c.Search(t.Context(), "Observation", url.Values{"patient": {"Patient/secret-42"}}, func([]byte) error { return nil })
	require.NoError(t, err)
	_, err = c.Read(t.Context(), "Patient", "secret-42")
	require.NoError(t, err)

	out := logs.String()
	for _, banned := range []string{"secret-42", "patient=", "?", "tok-logged-never", "Bearer", srv.URL} {
		assert.NotContains(t, out, banned)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	for i, want := range []string{
		`"method":"GET","resource":"Observation","status":503,"attempt":1,"duration":`,
		`"method":"GET","resource":"Observation","status":200,"attempt":2,"duration":`,
		`"method":"GET","resource":"Patient","status":200,"attempt":1,"duration":`,
	} {
		assert.Contains(t, lines[i], want, fmt.Sprintf("line %d", i+1))
	}
}

// A redirect to another path of the same origin must not take the token
// along either (net/http keeps Authorization when the host is unchanged).
func TestRedirectOutsideBasePathIsRefused(t *testing.T) {
	var sawToken bool
	srv := newScriptedFunc(t, func(i int, r *http.Request) reply {
		if i == 0 {
			return reply{status: http.StatusTemporaryRedirect, header: map[string]string{"Location": "/admin/Patient/p1"}}
		}
		sawToken = r.Header.Get("Authorization") != ""
		return reply{status: 200, body: patientJSON}
	})
	cfg := fastConfig(srv.URL + "/fhir")
	cfg.Auth = StaticToken("tok-redirect")
	c := newClient(t, cfg)

	_, err := c.Read(t.Context(), "Patient", "p1")
	assert.ErrorIs(t, err, ErrOrigin)
	assert.Equal(t, 1, srv.count())
	assert.False(t, sawToken)
}

// A response is cut off at MaxResponseBytes of decompressed data while it
// is read: a few KB of gzip that inflate to gigabytes fail at once, with
// an upstream (protocol) error that names the limit, and are not retried.
func TestResponseSizeLimitStopsGzipBomb(t *testing.T) {
	// One gzip member of 1 MiB of zeros (about 1 KB), repeated: a gzip
	// stream may hold many members, and readers inflate them all.
	var member bytes.Buffer
	zw := gzip.NewWriter(&member)
	_, _ = zw.Write(make([]byte, 1<<20))
	require.NoError(t, zw.Close())
	bomb := bytes.NewBuffer(bytes.Repeat(member.Bytes(), 1024)) // 1 GiB inflated
	require.Less(t, bomb.Len(), 2<<20)

	var hits atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", fhirJSON)
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	})
	cfg := fastConfig(srv.URL)
	cfg.MaxResponseBytes = 1 << 20
	c := newClient(t, cfg)

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := c.Read(t.Context(), "Patient", "p1")
	assert.ErrorIs(t, err, ErrProtocol)
	assert.ErrorContains(t, err, "response exceeds the limit of 1048576 bytes (decompressed)")
	assert.Less(t, time.Since(start), 5*time.Second)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "the bomb was not inflated into memory")
	assert.Equal(t, int32(1), hits.Load(), "not retried")

	// Bulk files get the same limit when their request sets none.
	var sink bytes.Buffer
	_, err = c.Download(t.Context(), DownloadRequest{URL: srv.URL + "/Binary/b1"}, &sink)
	assert.ErrorIs(t, err, ErrProtocol)
	assert.ErrorContains(t, err, "exceeds the limit of 1048576 bytes")
	assert.LessOrEqual(t, sink.Len(), 1<<20+64<<10)

	// And the default is in the tens of MiB.
	assert.Equal(t, int64(32<<20), newClient(t, Config{BaseURL: srv.URL}).cfg.MaxResponseBytes)
}
