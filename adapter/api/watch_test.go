package api

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeNotifier records the notifications the API passes on.
type fakeNotifier struct {
	mu      sync.Mutex
	bodies  []string
	refused int
}

func (f *fakeNotifier) Notify(_ context.Context, body []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies = append(f.bodies, string(body))
	return "queued", nil
}

func (f *fakeNotifier) Status(context.Context) ([]byte, error) { return []byte(`{"groups":[]}`), nil }

func (f *fakeNotifier) Refused() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused++
}

const testWatchSecret = "watch-secret-0123456789abcdef"

func TestWatchNotifyNeedsTheSecret(t *testing.T) {
	n := &fakeNotifier{}
	cfg := withTokens()
	cfg.Watch, cfg.WatchSecret = n, testWatchSecret
	s := newTestServer(t, cfg, nil)
	obs := `{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"}}`

	for _, hdr := range []map[string]string{nil, {WatchSecretHeader: "wrong"}, {WatchSecretHeader: testWatchSecret + "x"},
		{"Authorization": "Bearer " + fullToken}} {
		w := s.do(t, req{method: http.MethodPut, target: "/fhir/_watch/notify/Observation/o1", body: obs, header: hdr})
		require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
		assert.Equal(t, "OperationOutcome", outcomeOf(t, w).ResourceType)
	}
	assert.Empty(t, n.bodies, "nothing refused reaches the watcher")
	assert.Equal(t, 4, n.refused)

	// HAPI's full payload (PUT …/Type/id) and its empty ping (POST, form type).
	w := s.do(t, req{method: http.MethodPut, target: "/fhir/_watch/notify/Observation/o1", body: obs,
		header: map[string]string{WatchSecretHeader: testWatchSecret}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "notification queued")
	w = s.do(t, req{method: http.MethodPost, target: "/fhir/_watch/notify", contentType: "application/x-www-form-urlencoded",
		header: map[string]string{WatchSecretHeader: testWatchSecret}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, []string{obs, ""}, n.bodies)
}

func TestWatchStatusNeedsAToken(t *testing.T) {
	cfg := withTokens()
	cfg.Watch, cfg.WatchSecret = &fakeNotifier{}, testWatchSecret
	s := newTestServer(t, cfg, nil)
	assert.Equal(t, http.StatusUnauthorized, s.do(t, req{method: http.MethodGet, target: "/fhir/_watch"}).Code)
	w := s.do(t, req{method: http.MethodGet, target: "/fhir/_watch", token: readToken})
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"groups":[]}`, w.Body.String())
}

func TestNoWatchNoWatchRoutes(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	w := s.do(t, req{method: http.MethodPut, target: "/fhir/_watch/notify/Observation/o1", body: `{}`,
		header: map[string]string{WatchSecretHeader: testWatchSecret}})
	assert.Equal(t, http.StatusNotFound, w.Code)
}
