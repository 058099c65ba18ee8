package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Tokens of the test servers.
const (
	fullToken = "full-token-0123456789abcdef"
	readToken = "read-token-0123456789abcdef"
)

// testNow is the clock of every test server.
var testNow = time.Date(2024, time.March, 15, 12, 0, 0, 0, time.UTC)

// patientName is patient data the fake puts into its resources; no log may
// ever contain it.
const patientName = "Chalmers"

// fakeService is a hand-written Service for handler tests. It stands in for
// the command's wiring, not for a FHIR server.
type fakeService struct {
	mu       sync.Mutex
	errs     map[string]error            // patient id → error
	outcomes map[string]*adapter.Outcome // patient id → outcome (default: resourcesFor)
	groups   map[string][]string         // group id → members
	groupErr error
	readyErr error
	panicOn  string          // patient id whose evaluation panics
	gate     chan struct{}   // when set, evaluations wait for it (or their context)
	gated    map[string]bool // when set, only these patients wait for gate
	calls    []call
	active   int // evaluations running now
	maxSeen  int // the most that ran at once
}

type call struct {
	id    string
	job   adapter.Job
	write bool
}

func newFake() *fakeService {
	return &fakeService{errs: map[string]error{}, outcomes: map[string]*adapter.Outcome{},
		groups: map[string][]string{}}
}

func (f *fakeService) EvaluatePatient(ctx context.Context, id string, job adapter.Job, write bool) (*adapter.Outcome, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{id, job, write})
	f.active++
	f.maxSeen = max(f.maxSeen, f.active)
	defer func() { f.mu.Lock(); f.active--; f.mu.Unlock() }()
	gate, err, out, panicOn := f.gate, f.errs[id], f.outcomes[id], f.panicOn
	if f.gated != nil && !f.gated[id] {
		gate = nil
	}
	f.mu.Unlock()
	if id == panicOn {
		panic("evaluating " + patientName) // a custom value must not reach the log
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	if out != nil {
		return out, nil
	}
	return &adapter.Outcome{PatientID: id, Result: &rules.Result{}, Resources: resourcesFor(id)}, nil
}

func (f *fakeService) GroupMembers(_ context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.groupErr != nil {
		return nil, f.groupErr
	}
	m, ok := f.groups[id]
	if !ok {
		return nil, fmt.Errorf("group: %w", adapter.ErrNotFound)
	}
	return m, nil
}

func (f *fakeService) Ready(context.Context) error { return f.readyErr }

func (f *fakeService) lastCall(t *testing.T) call {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(t, f.calls)
	return f.calls[len(f.calls)-1]
}

// resourcesFor is a valid R4 MeasureReport and ChargeItem for a patient,
// carrying the patient's name as a display.
func resourcesFor(id string) []adapter.Resource {
	subject := fmt.Sprintf(`{"reference":"Patient/%s","display":"Peter %s"}`, id, patientName)
	return []adapter.Resource{
		{Type: "MeasureReport", ID: "mr-" + id, JSON: []byte(`{"resourceType":"MeasureReport","id":"mr-` + id +
			`","status":"complete","type":"individual","measure":"http://rpm-adapter.org/fhir/Measure/rpm-device-days","subject":` +
			subject + `,"period":{"start":"2024-02-15","end":"2024-03-15"}}`)},
		{Type: "ChargeItem", ID: "ci-" + id, JSON: []byte(`{"resourceType":"ChargeItem","id":"ci-` + id +
			`","status":"billable","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99454"}]},"subject":` +
			subject + `}`)},
	}
}

// syncBuffer is a log sink safe for the handlers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is a Server over a fake with captured JSON logs.
type testServer struct {
	*Server
	fake *fakeService
	logs *syncBuffer
}

func newTestServer(t *testing.T, cfg Config, fake *fakeService) *testServer {
	t.Helper()
	if fake == nil {
		fake = newFake()
	}
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	cfg.Location = time.UTC
	if cfg.AllowedHosts == nil {
		cfg.AllowedHosts = []string{"example.com"} // httptest.NewRequest's Host
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = testListen
	}
	cfg = withRiver(t, cfg)
	s, err := New(cfg, fake)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
	})
	return &testServer{Server: s, fake: fake, logs: logs}
}

// Labels of the test tokens.
const (
	fullLabel = "ehr"
	readLabel = "dashboard"
)

// withTokens is a Config with one write and one read token.
func withTokens() Config {
	return Config{Tokens: []Token{{Label: fullLabel, Role: RoleWrite, Secret: fullToken},
		{Label: readLabel, Role: RoleRead, Secret: readToken}}}
}

// writeOnly is a Config with the write token alone.
func writeOnly() Config {
	return Config{Tokens: []Token{{Label: fullLabel, Role: RoleWrite, Secret: fullToken}}}
}

// testListen is the ListenAddr of the test servers, the base of job links.
const testListen = "127.0.0.1:8080"

// noContentType as req.contentType sends a POST without Content-Type.
const noContentType = "none"

// req describes a request; token "" sends no Authorization. A POST gets
// Content-Type application/fhir+json unless contentType says otherwise.
type req struct {
	method, target string
	body           string
	contentType    string
	token          string
	header         map[string]string
}

func (s *testServer) do(t *testing.T, r req) *httptest.ResponseRecorder {
	t.Helper()
	return serve(s, newRequest(r))
}

func newRequest(r req) *http.Request {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.target, body)
	switch {
	case r.contentType == noContentType:
	case r.contentType != "":
		hr.Header.Set("Content-Type", r.contentType)
	case r.method == http.MethodPost:
		hr.Header.Set("Content-Type", "application/fhir+json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	return hr
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// outcomeOf decodes an OperationOutcome body.
type outcomeBody struct {
	ResourceType string `json:"resourceType"`
	Issue        []struct {
		Severity    string `json:"severity"`
		Code        string `json:"code"`
		Diagnostics string `json:"diagnostics"`
	} `json:"issue"`
}

func outcomeOf(t *testing.T, w *httptest.ResponseRecorder) outcomeBody {
	t.Helper()
	require.Equal(t, fhirJSON, w.Header().Get("Content-Type"))
	var oo outcomeBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &oo), w.Body.String())
	require.Equal(t, "OperationOutcome", oo.ResourceType)
	require.NotEmpty(t, oo.Issue)
	return oo
}

// bundleOf decodes a Bundle and checks it with google/fhir's validating
// unmarshaller: what the API returns must be valid R4.
type bundleBody struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

func bundleOf(t *testing.T, w *httptest.ResponseRecorder) bundleBody {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, fhirJSON, w.Header().Get("Content-Type"))
	validR4(t, w.Body.Bytes())
	var b bundleBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	require.Equal(t, "Bundle", b.ResourceType)
	require.Equal(t, "collection", b.Type)
	return b
}

func validR4(t *testing.T, body []byte) {
	t.Helper()
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	require.NoError(t, err)
	_, err = u.Unmarshal(body)
	require.NoError(t, err, string(body))
}

// typesOf lists the resourceType of each entry.
func typesOf(t *testing.T, b bundleBody) []string {
	t.Helper()
	var out []string
	for _, e := range b.Entry {
		var r struct {
			ResourceType string `json:"resourceType"`
		}
		require.NoError(t, json.Unmarshal(e.Resource, &r))
		out = append(out, r.ResourceType)
	}
	return out
}

// lastOutcome decodes the bundle's last entry as an OperationOutcome.
func lastOutcome(t *testing.T, b bundleBody) outcomeBody {
	t.Helper()
	require.NotEmpty(t, b.Entry)
	var oo outcomeBody
	require.NoError(t, json.Unmarshal(b.Entry[len(b.Entry)-1].Resource, &oo))
	require.Equal(t, "OperationOutcome", oo.ResourceType)
	return oo
}
