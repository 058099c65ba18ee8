package bulk

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// A manifest with requiresAccessToken false may name files on any host; a
// cloud metadata address or an internal service must not be fetched and
// read as input. Files come from under the FHIR base or from the origins
// the operator listed (issue 11, point 15).
func TestBulkFileFromForeignOriginIsRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		url  func(srv, foreign *bulkServer) string
	}{
		{"another origin", func(_, f *bulkServer) string { return f.URL + "/latest/meta-data/iam" }},
		{"the base's host outside the base path", func(s, _ *bulkServer) string { return s.URL + "/admin/files/obs1" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newBulkServer(t)
			foreign := newBulkServer(t)
			srv.files["obs1"] = obs1
			srv.manifest = manifest(false, []string{"Observation {base}/fhir/files/obs1", "Observation " + tt.url(srv, foreign)})
			dir := t.TempDir()

			_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, dir, testOptions(&sleeps{}))
			assert.ErrorIs(t, err, fhirclient.ErrOrigin)
			assert.ErrorContains(t, err, "output file 2: Observation file on 127.0.0.1:")
			assert.ErrorContains(t, err, "neither under the FHIR base nor on an allowed file origin")
			assert.NotContains(t, err.Error(), "meta-data")
			assert.Empty(t, foreign.requests(http.MethodGet, "/"), "nothing went to the foreign origin")
			assert.Empty(t, srv.requests(http.MethodGet, "/admin/"))
			assert.Empty(t, srv.requests(http.MethodGet, "/fhir/files/"), "checked before any download")
			assert.Empty(t, entries(t, dir))
		})
	}
}

// An allowed file origin may not redirect the download anywhere else.
func TestBulkFileRedirectToForeignOriginIsRefused(t *testing.T) {
	srv := newBulkServer(t)
	metadata := newBulkServer(t)
	metadata.files["obs1"] = obs1
	storage := httptest.NewServer(http.RedirectHandler(metadata.URL+"/fhir/files/obs1", http.StatusFound))
	t.Cleanup(storage.Close)
	srv.manifest = manifest(false, []string{"Observation " + storage.URL + "/obs1?sig=x"})
	opts := testOptions(&sleeps{})
	opts.FileOrigins = []string{storage.URL}

	_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), opts)
	assert.ErrorIs(t, err, fhirclient.ErrOrigin)
	assert.Empty(t, metadata.requests(http.MethodGet, "/"), "the redirect was not followed")
}

// Bulk files get the client's per-response limit when Options set none.
func TestBulkFileSizeLimitIsTheResponseLimit(t *testing.T) {
	srv := newBulkServer(t)
	srv.files["big"] = strings.Repeat(`{"resourceType":"Observation","id":"o1"}`+"\n", 1000)
	srv.manifest = manifest(true, []string{"Observation {base}/fhir/files/big"})
	c, err := fhirclient.New(fhirclient.Config{BaseURL: srv.URL + "/fhir", MaxResponseBytes: 4096, MaxRetries: -1})
	require.NoError(t, err)
	dir := t.TempDir()

	_, err = Export(t.Context(), c, ExportRequest{Group: "g1"}, dir, testOptions(&sleeps{}))
	assert.ErrorIs(t, err, fhirclient.ErrProtocol)
	assert.ErrorContains(t, err, "exceeds the limit of 4096 bytes")
	assert.Empty(t, entries(t, dir))
}

func TestStatusURLOutsideBasePathIsRefused(t *testing.T) {
	srv := newBulkServer(t)
	srv.kickOff = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Location", srv.URL+"/other-tenant/status/j1")
		w.WriteHeader(http.StatusAccepted)
	}
	_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), testOptions(&sleeps{}))
	assert.ErrorIs(t, err, fhirclient.ErrOrigin)
	assert.ErrorContains(t, err, "status URL is outside the FHIR base path")
	assert.Empty(t, srv.requests(http.MethodGet, "/other-tenant/"))
	assert.Empty(t, srv.requests(http.MethodDelete, "/other-tenant/"))
}

func TestManifestLinkOutsideBasePathIsRefused(t *testing.T) {
	srv := newBulkServer(t)
	srv.manifest = `{"transactionTime":"2026-03-01T11:59:00Z","requiresAccessToken":true,"output":[],` +
		`"link":[{"relation":"next","url":"{base}/other-tenant/manifest/2"}]}`
	_, err := Export(t.Context(), srv.client(t), ExportRequest{Group: "g1"}, t.TempDir(), testOptions(&sleeps{}))
	assert.ErrorIs(t, err, fhirclient.ErrOrigin)
	assert.ErrorContains(t, err, "manifest next link outside the FHIR base path refused")
	assert.Empty(t, srv.requests(http.MethodGet, "/other-tenant/"))
}
