package bulk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

func TestExportHappyPath(t *testing.T) {
	srv := newBulkServer(t)
	srv.status = func(poll int, w http.ResponseWriter, r *http.Request) {
		if poll == 1 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-Progress", "40% done")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		srv.complete(w)
	}
	srv.manifest = manifest(true,
		[]string{"Observation {base}/fhir/files/obs1 2", "Observation {base}/fhir/files/obs2 1", "Patient {base}/fhir/files/pat1"},
		"OperationOutcome {base}/fhir/files/oo1")
	srv.files = map[string]string{"obs1": obs1, "obs2": obs2, "pat1": pat1, "oo1": oo1}
	var sl sleeps
	opts := testOptions(&sl)
	var progress []Progress
	opts.OnProgress = func(p Progress) { progress = append(progress, p) }
	dir := filepath.Join(t.TempDir(), "export")
	since := time.Date(2026, 2, 1, 0, 0, 0, 0, time.FixedZone("EST", -5*3600))

	m, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1", Types: []string{"Observation", "Patient"}, Since: since}, dir, opts)
	require.NoError(t, err)

	kick := srv.requests(http.MethodGet, "/fhir/Group/")
	require.Len(t, kick, 1)
	assert.Equal(t, "/fhir/Group/g1/$export", kick[0].URL.Path)
	assert.Equal(t, "respond-async", kick[0].Header.Get("Prefer"))
	assert.Equal(t, "application/fhir+json", kick[0].Header.Get("Accept"))
	q := kick[0].URL.Query()
	assert.Equal(t, "Observation,Patient", q.Get("_type"), "_type is comma-joined")
	assert.NotContains(t, q, "_typeFilter")
	assert.Equal(t, "2026-02-01T05:00:00.000Z", q.Get("_since"), "_since is a FHIR instant in UTC")
	assert.Equal(t, "application/fhir+ndjson", q.Get("_outputFormat"))

	assert.Equal(t, []time.Duration{DefaultPollInterval, time.Second}, sl.all(), "Retry-After: 1 honoured")
	assert.Equal(t, []Progress{{Poll: 1, Text: "40% done", Wait: time.Second}}, progress)

	assert.Equal(t, time.Date(2026, 3, 1, 11, 59, 0, 123e6, time.UTC), m.TransactionTime.UTC())
	assert.True(t, m.RequiresAccessToken)
	assert.NoError(t, m.Cleanup)
	want := []File{
		{Type: "Observation", Count: 2, Path: filepath.Join(dir, "Observation-1.ndjson"), Lines: 2, Bytes: int64(len(obs1))},
		{Type: "Observation", Count: 1, Path: filepath.Join(dir, "Observation-2.ndjson"), Lines: 1, Bytes: int64(len(obs2))},
		{Type: "Patient", Count: -1, Path: filepath.Join(dir, "Patient-1.ndjson"), Lines: 1, Bytes: int64(len(pat1))},
	}
	assert.Equal(t, want, withoutURLs(m.Output))
	require.Len(t, m.Error, 1)
	assert.Equal(t, filepath.Join(dir, "error", "OperationOutcome-1.ndjson"), m.Error[0].Path)
	assert.Equal(t, oo1, readFile(t, m.Error[0].Path))
	assert.Equal(t, obs1, readFile(t, m.Output[0].Path))
	assert.Equal(t, obs2, readFile(t, m.Output[1].Path))
	assert.Equal(t, []string{"Observation-1.ndjson", "Observation-2.ndjson", "Patient-1.ndjson", "error", "error/OperationOutcome-1.ndjson"},
		entries(t, dir), "no .part files left; error files apart from the resources")

	for _, r := range srv.requests(http.MethodGet, "/fhir/") {
		assert.Equal(t, "Bearer tok-bulk", r.Header.Get("Authorization"), r.URL.Path)
	}
	for _, r := range srv.requests(http.MethodGet, "/fhir/files/") {
		assert.Equal(t, fhirclient.NDJSONType, r.Header.Get("Accept"))
	}
	del := srv.requests(http.MethodDelete, "/fhir/")
	require.Len(t, del, 1, "the finished job is deleted")
	assert.Equal(t, "/fhir/status/j1", del[0].URL.Path)
	assert.Equal(t, "Bearer tok-bulk", del[0].Header.Get("Authorization"))
}

func withoutURLs(files []File) []File {
	out := append([]File(nil), files...)
	for i := range out {
		out[i].src = nil
	}
	return out
}

func TestExportWithoutAccessTokenSendsNoAuthorizationToFiles(t *testing.T) {
	srv := newBulkServer(t)
	foreign := newBulkServer(t)
	foreign.files["obs2"] = obs2
	srv.files["obs1"] = obs1
	srv.manifest = manifest(false, []string{"Observation {base}/fhir/files/obs1", "Observation " + foreign.URL + "/fhir/files/obs2?X-Sig=abc"})

	opts := testOptions(&sleeps{})
	opts.FileOrigins = []string{foreign.URL}
	m, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), opts)
	require.NoError(t, err)
	assert.False(t, m.RequiresAccessToken)
	assert.Equal(t, []int64{2, 1}, []int64{m.Output[0].Lines, m.Output[1].Lines})
	files := append(srv.requests(http.MethodGet, "/fhir/files/"), foreign.requests(http.MethodGet, "/fhir/files/")...)
	require.Len(t, files, 2)
	for _, r := range files {
		assert.Empty(t, r.Header.Get("Authorization"), "requiresAccessToken false: no token, not even to our own server")
	}
	for _, r := range srv.requests(http.MethodGet, "/fhir/status/") {
		assert.Equal(t, "Bearer tok-bulk", r.Header.Get("Authorization"), "status requests still carry it")
	}
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", m, m, m), "X-Sig", "file URLs are not printed")
}

func TestExportRefusesAFileOnAnotherOriginWhenTheTokenIsRequired(t *testing.T) {
	srv := newBulkServer(t)
	foreign := newBulkServer(t)
	foreign.files["obs2"] = obs2
	srv.files["obs1"] = obs1
	srv.manifest = manifest(true, []string{"Observation {base}/fhir/files/obs1", "Observation " + foreign.URL + "/fhir/files/obs2"})
	dir := t.TempDir()

	_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, dir, testOptions(&sleeps{}))
	assert.ErrorIs(t, err, fhirclient.ErrOrigin)
	assert.Contains(t, err.Error(), "output file 2: Observation file on 127.0.0.1:")
	assert.Contains(t, err.Error(), "needs the access token")
	assert.Empty(t, foreign.requests(http.MethodGet, "/"), "nothing went to the foreign origin")
	assert.Empty(t, srv.requests(http.MethodGet, "/fhir/files/"), "checked before any download")
	assert.Empty(t, entries(t, dir))
	assert.Len(t, srv.requests(http.MethodDelete, "/fhir/status/j1"), 1, "the job is still deleted")
}

func TestExportCountMismatchFailsAndLeavesNothing(t *testing.T) {
	srv := newBulkServer(t)
	srv.files = map[string]string{"obs1": obs1, "pat1": pat1}
	srv.manifest = manifest(true, []string{"Patient {base}/fhir/files/pat1 1", "Observation {base}/fhir/files/obs1 3"})
	dir := t.TempDir()

	_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, dir, testOptions(&sleeps{}))
	assert.ErrorIs(t, err, ErrCountMismatch)
	assert.Contains(t, err.Error(), "output file 2 (Observation): 2 lines, the manifest says 3")
	assert.Empty(t, entries(t, dir), "the Patient file already written is removed too")
	assert.Len(t, srv.requests(http.MethodDelete, "/fhir/status/j1"), 1)
}

func TestExportStatusFailures(t *testing.T) {
	outcome := `{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"exception","diagnostics":"Export job failed: out of disk"}]}`
	tests := []struct {
		name     string
		status   func(poll int, w http.ResponseWriter, r *http.Request)
		wantKind error
		wantText string
	}{
		{"500 with an OperationOutcome is an error with its text", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, outcome)
		}, fhirclient.ErrUnavailable, "export status: fhirclient: GET other: 500 Internal Server Error: fatal exception"},
		{"404 on the status URL is an error", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
		}, fhirclient.ErrNotFound, "404 Not Found"},
		{"a 204 is not a status answer", func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, fhirclient.ErrProtocol, "export status answered 204"},
		{"a manifest that is not JSON", func(_ int, w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"transactionTime": "https://signed.example/secret`)
		}, fhirclient.ErrProtocol, "manifest page 1 is not valid JSON"},
		{"a manifest without transactionTime", func(_ int, w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"requiresAccessToken":true,"output":[]}`)
		}, fhirclient.ErrProtocol, "transactionTime"},
		{"a file type that is no resource type", func(_ int, w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"transactionTime":"2026-03-01T12:00:00Z","requiresAccessToken":true,"output":[{"type":"../../etc","url":"files/x"}]}`)
		}, fhirclient.ErrProtocol, "output file 1: type is not a resource type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newBulkServer(t)
			srv.status = tt.status
			dir := t.TempDir()
			_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, dir, testOptions(&sleeps{}))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantKind)
			assert.Contains(t, err.Error(), tt.wantText)
			assert.NotContains(t, err.Error(), "secret")
			assert.Len(t, srv.requests(http.MethodDelete, "/fhir/status/j1"), 1, "the failed job is deleted")
			assert.Empty(t, entries(t, dir))
		})
	}
}

func TestExportKickOffFailures(t *testing.T) {
	tests := []struct {
		name     string
		kickOff  func(w http.ResponseWriter, r *http.Request)
		wantKind error
		wantText string
	}{
		{"200 (a synchronous answer) is refused", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"resourceType":"Bundle"}`)
		}, fhirclient.ErrProtocol, "kick-off answered 200, not 202 Accepted"},
		{"400 with an OperationOutcome is an error with its text", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported","diagnostics":"Bulk export is not enabled"}]}`)
		}, nil, "kick-off: fhirclient: GET Group: 400 Bad Request: error not-supported"},
		{"403 is an auth error", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusForbidden)
		}, fhirclient.ErrAuth, "403 Forbidden"},
		{"202 without Content-Location is refused", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusAccepted)
		}, fhirclient.ErrProtocol, "without Content-Location"},
		{"a status URL on another origin is refused", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Location", "http://elsewhere.test:9/status/j1")
			w.WriteHeader(http.StatusAccepted)
		}, fhirclient.ErrOrigin, "status URL on elsewhere.test:9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newBulkServer(t)
			srv.kickOff = tt.kickOff
			_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), testOptions(&sleeps{}))
			require.Error(t, err)
			if tt.wantKind != nil {
				assert.ErrorIs(t, err, tt.wantKind)
			}
			assert.Contains(t, err.Error(), tt.wantText)
			assert.Len(t, srv.requests(http.MethodGet, "/fhir/Group/"), 1, "a kick-off is never repeated")
			assert.Empty(t, srv.requests(http.MethodGet, "/fhir/status/"))
			assert.Empty(t, srv.requests(http.MethodDelete, "/"), "there is no job to delete")
		})
	}
}

func TestExportResolvesARelativeContentLocationAgainstTheKickOffURL(t *testing.T) {
	for _, tt := range []struct{ loc, wantPath string }{
		{"/fhir/status/j1", "/fhir/status/j1"},
		{"../../status/j1", "/fhir/status/j1"},
	} {
		t.Run(tt.loc, func(t *testing.T) {
			srv := newBulkServer(t)
			srv.kickOff = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Location", tt.loc)
				w.WriteHeader(http.StatusAccepted)
			}
			srv.manifest = manifest(true, nil)
			m, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), testOptions(&sleeps{}))
			require.NoError(t, err)
			assert.Empty(t, m.Output)
			assert.Len(t, srv.requests(http.MethodGet, tt.wantPath), 1)
		})
	}
}

func TestCancellationDeletesTheRunningJob(t *testing.T) {
	srv := newBulkServer(t)
	srv.status = func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusAccepted)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := testOptions(&sleeps{})
	opts.OnProgress = func(p Progress) {
		if p.Poll == 2 {
			cancel()
		}
	}

	_, err := Export(ctx, srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), opts)
	assert.ErrorIs(t, err, context.Canceled)
	del := srv.requests(http.MethodDelete, "/fhir/status/j1")
	require.Len(t, del, 1, "a DELETE goes out although ctx is cancelled")
	assert.Equal(t, "Bearer tok-bulk", del[0].Header.Get("Authorization"))
}

func TestOverallDeadlineEndsPollingWithRealWaits(t *testing.T) {
	srv := newBulkServer(t)
	srv.status = func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "0") // raised to PollMin
		w.WriteHeader(http.StatusAccepted)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	var mu sync.Mutex
	polls := 0
	opts := Options{PollMin: 20 * time.Millisecond, PollMax: 40 * time.Millisecond, OnProgress: func(Progress) {
		mu.Lock()
		polls++
		mu.Unlock()
	}}

	start := time.Now()
	_, err := Export(ctx, srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), opts)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	mu.Lock()
	assert.GreaterOrEqual(t, polls, 1)
	assert.LessOrEqual(t, polls, 8, "Retry-After: 0 was raised to PollMin: at most one poll per 20 ms")
	mu.Unlock()
	assert.Len(t, srv.requests(http.MethodDelete, "/fhir/status/j1"), 1)
}

func TestFinalDeleteFailureIsAWarningNotAFailure(t *testing.T) {
	for _, tt := range []struct {
		name    string
		code    int
		wantErr bool
	}{
		{"202 is a clean delete", http.StatusAccepted, false},
		{"404 means nothing is left to delete", http.StatusNotFound, false},
		{"500 is reported in Cleanup", http.StatusInternalServerError, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newBulkServer(t)
			srv.del = tt.code
			srv.files["pat1"] = pat1
			srv.manifest = manifest(true, []string{"Patient {base}/fhir/files/pat1 1"})
			m, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), testOptions(&sleeps{}))
			require.NoError(t, err)
			assert.Equal(t, pat1, readFile(t, m.Output[0].Path))
			if tt.wantErr {
				assert.ErrorIs(t, m.Cleanup, fhirclient.ErrUnavailable)
				assert.Contains(t, m.Cleanup.Error(), "deleting the export job")
			} else {
				assert.NoError(t, m.Cleanup)
			}
		})
	}
}

func TestExportRefusesBadInputBeforeAnyRequest(t *testing.T) {
	srv := newBulkServer(t)
	full := t.TempDir()
	require.NoError(t, writeFile(filepath.Join(full, "old.ndjson"), pat1))
	tests := []struct {
		name string
		req  ExportRequest
		dir  string
		opts Options
		want string
	}{
		{"a Group id with a slash", ExportRequest{Group: "g1/../Patient"}, t.TempDir(), Options{}, "Group must be a FHIR id"},
		{"a Group id of one dot", ExportRequest{Group: "."}, t.TempDir(), Options{}, "Group must be a FHIR id"},
		{"a Group id of two dots", ExportRequest{Group: ".."}, t.TempDir(), Options{}, "Group must be a FHIR id"},
		{"a file origin with a path", ExportRequest{Group: "g1"}, t.TempDir(), Options{FileOrigins: []string{"https://b.example/x"}}, "is not scheme://host"},
		{"an empty Group", ExportRequest{}, t.TempDir(), Options{}, "Group must be a FHIR id"},
		{"a type that is a query", ExportRequest{Group: "g1", Types: []string{"Observation?code=x"}}, t.TempDir(), Options{}, "is not a resource type"},
		{"a CSV output format", ExportRequest{Group: "g1", OutputFormat: "text/csv"}, t.TempDir(), Options{}, "is not NDJSON"},
		{"a folder holding an earlier export", ExportRequest{Group: "g1"}, full, Options{}, "is not empty"},
		{"no folder", ExportRequest{Group: "g1"}, "", Options{}, "output folder is required"},
		{"PollMax below PollMin", ExportRequest{Group: "g1"}, t.TempDir(), Options{PollMin: time.Second, PollMax: time.Millisecond}, "PollMax is less than PollMin"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := Export(t.Context(), srv.client(t), tt.req, tt.dir, tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	assert.Empty(t, srv.requests(http.MethodGet, "/"))
	_, err := Export(t.Context(), nil, ExportRequest{Group: "g1"}, t.TempDir(), Options{})
	assert.Error(t, err)
}

func TestExportFollowsPagedManifestsAndKeepsDeletedFilesApart(t *testing.T) {
	srv := newBulkServer(t)
	srv.files = map[string]string{"obs1": obs1, "obs2": obs2, "del1": `{"resourceType":"Bundle","type":"transaction"}` + "\n"}
	srv.status = func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			fmt.Fprintf(w, `{"transactionTime":"2026-03-01T12:00:00Z","requiresAccessToken":true,"output":[{"type":"Observation","url":"%s/fhir/files/obs2"}]}`, srv.URL)
			return
		}
		fmt.Fprintf(w, `{"transactionTime":"2026-03-01T11:00:00Z","requiresAccessToken":true,"output":[{"type":"Observation","url":"files/obs1"}],`+
			`"deleted":[{"type":"Bundle","url":"files/del1","count":1}],"error":[],"link":[{"relation":"next","url":"status/j1?page=2"}]}`)
	}
	dir := t.TempDir()

	m, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1", Since: testNow}, dir, testOptions(&sleeps{}))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), m.TransactionTime, "from the first page")
	require.Len(t, m.Output, 2)
	assert.Equal(t, obs2, readFile(t, filepath.Join(dir, "Observation-2.ndjson")))
	require.Len(t, m.Deleted, 1)
	assert.Equal(t, filepath.Join(dir, "deleted", "Bundle-1.ndjson"), m.Deleted[0].Path)
	assert.Equal(t, []string{"Observation-1.ndjson", "Observation-2.ndjson", "deleted", "deleted/Bundle-1.ndjson"}, entries(t, dir))
}

func TestExportRestartsABrokenFileFromZero(t *testing.T) {
	srv := newBulkServer(t)
	var broke sync.Once
	mux := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fhir/files/obs1" {
			done := true
			broke.Do(func() { done = false })
			if !done {
				w.Header().Set("Content-Length", fmt.Sprint(len(obs1)))
				fmt.Fprint(w, obs1[:len(obs1)-10])
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}
		}
		mux.ServeHTTP(w, r)
	})
	srv.files["obs1"] = obs1
	srv.manifest = manifest(true, []string{"Observation {base}/fhir/files/obs1 2"})

	m, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), testOptions(&sleeps{}))
	require.NoError(t, err)
	assert.EqualValues(t, 2, m.Output[0].Lines, "the count restarted with the file")
	assert.Equal(t, obs1, readFile(t, m.Output[0].Path))
}

func TestExportFileErrorsNameTheFileNotItsURL(t *testing.T) {
	srv := newBulkServer(t)
	srv.manifest = manifest(true, []string{"Observation {base}/fhir/files/gone?sig=secret"})
	dir := t.TempDir()

	_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, dir, testOptions(&sleeps{}))
	assert.ErrorIs(t, err, fhirclient.ErrNotFound)
	assert.Contains(t, err.Error(), "bulk: output file 1 (Observation): fhirclient: GET other: 404 Not Found")
	assert.False(t, strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "gone"))
	assert.Empty(t, entries(t, dir))
}

func TestWaitsBetweenPolls(t *testing.T) {
	o, err := Options{PollMin: time.Second, PollMax: time.Minute, PollInterval: 2 * time.Second, Now: func() time.Time { return testNow }}.withDefaults()
	require.NoError(t, err)
	h := func(v string) http.Header {
		if v == "" {
			return http.Header{}
		}
		return http.Header{"Retry-After": {v}}
	}
	tests := []struct {
		name        string
		retryAfter  string
		backoff     time.Duration
		wantWait    time.Duration
		wantBackoff time.Duration
	}{
		{"seconds are honoured", "5", 2 * time.Second, 5 * time.Second, 2 * time.Second},
		{"0 is raised to PollMin", "0", 2 * time.Second, time.Second, 2 * time.Second},
		{"an hour is cut to PollMax", "3600", 2 * time.Second, time.Minute, 2 * time.Second},
		{"an HTTP-date is a wait from now", testNow.Add(30 * time.Second).Format(http.TimeFormat), 2 * time.Second, 30 * time.Second, 2 * time.Second},
		{"an HTTP-date in the past is PollMin", testNow.Add(-time.Hour).Format(http.TimeFormat), 2 * time.Second, time.Second, 2 * time.Second},
		{"no Retry-After backs off by half", "", 2 * time.Second, 2 * time.Second, 3 * time.Second},
		{"garbage is no Retry-After", "soon", 4 * time.Second, 4 * time.Second, 6 * time.Second},
		{"the back-off stops at PollMax", "", 50 * time.Second, 50 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, next := o.nextWait(h(tt.retryAfter), tt.backoff)
			assert.Equal(t, tt.wantWait, wait)
			assert.Equal(t, tt.wantBackoff, next)
		})
	}
}

func TestHTTPDateRetryAfterDuringAnExport(t *testing.T) {
	srv := newBulkServer(t)
	srv.kickOff = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Location", srv.URL+"/fhir/status/j1")
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusAccepted)
	}
	srv.status = func(poll int, w http.ResponseWriter, _ *http.Request) {
		switch poll {
		case 1:
			w.Header().Set("Retry-After", testNow.Add(20*time.Second).Format(http.TimeFormat))
			w.WriteHeader(http.StatusAccepted)
		case 2:
			w.WriteHeader(http.StatusAccepted)
		default:
			srv.complete(w)
		}
	}
	srv.manifest = manifest(true, nil)
	var sl sleeps
	_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), testOptions(&sl))
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{3 * time.Second, 20 * time.Second, DefaultPollInterval}, sl.all())
}

func TestOptionDefaults(t *testing.T) {
	o, err := Options{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{DefaultPollMin, DefaultPollMax, DefaultPollInterval, DefaultCleanupTimeout},
		[]time.Duration{o.PollMin, o.PollMax, o.PollInterval, o.CleanupTimeout})
	o, err = Options{PollMax: 5 * time.Millisecond}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{5 * time.Millisecond, 5 * time.Millisecond}, []time.Duration{o.PollMin, o.PollInterval},
		"a small PollMax pulls the defaults down with it")
	_, err = Options{PollMin: -1}.withDefaults()
	assert.Error(t, err)
	assert.True(t, errors.Is(sleep(canceled(), time.Hour), context.Canceled))
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
