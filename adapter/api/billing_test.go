package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// recordingExporter stands in for the command's wiring of adapter/billing
// (tested there and end to end in cmd/rpm-adapter): it records the
// requests and answers a batch per format.
type recordingExporter struct {
	mu   sync.Mutex
	reqs []BillingRequest
	err  error
}

func (e *recordingExporter) ExportBilling(_ context.Context, r BillingRequest) (*BillingBatch, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqs = append(e.reqs, r)
	if e.err != nil {
		return nil, e.err
	}
	if r.Format == "hl7v2" {
		return &BillingBatch{ID: int64(len(e.reqs)), MediaType: "application/hl7-v2; charset=utf-8", Body: []byte("FHS|^~\\&\r")}, nil
	}
	return &BillingBatch{ID: int64(len(e.reqs)), MediaType: "text/csv; charset=utf-8", Body: []byte("batch,line\n")}, nil
}

func TestBillingExportAnswersTheFileForTheWriteRole(t *testing.T) {
	ex := &recordingExporter{}
	cfg := withTokens()
	cfg.Billing = ex
	s := newTestServer(t, cfg, nil)

	w := s.do(t, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export?month=2026-10&format=csv", token: fullToken})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	require.Equal(t, "1", w.Header().Get("X-Export-Batch"))
	require.Equal(t, "batch,line\n", w.Body.String())
	require.Equal(t, BillingRequest{Month: "2026-10", Format: "csv", RequestedBy: fullLabel}, ex.reqs[0])

	// The same in a Parameters body, %24 spelled out.
	w = s.do(t, req{method: http.MethodPost, target: "/fhir/%24rpm-billing-export", token: fullToken,
		body: `{"resourceType":"Parameters","parameter":[{"name":"month","valueDate":"2026-10"},{"name":"format","valueCode":"hl7v2"}]}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "application/hl7-v2; charset=utf-8", w.Header().Get("Content-Type"))
	require.Equal(t, BillingRequest{Month: "2026-10", Format: "hl7v2", RequestedBy: fullLabel}, ex.reqs[1])
}

func TestBillingExportIsRefusedBeforeItChangesAnything(t *testing.T) {
	ex := &recordingExporter{}
	cfg := withTokens()
	cfg.Billing = ex
	s := newTestServer(t, cfg, nil)
	tokenless := Config{Billing: ex}
	open := newTestServer(t, tokenless, nil)
	const ok = "/fhir/$rpm-billing-export?month=2026-10&format=csv"
	for name, c := range map[string]struct {
		s      *testServer
		r      req
		status int
	}{
		"no token":                {s, req{method: http.MethodPost, target: ok}, http.StatusUnauthorized},
		"the read role":           {s, req{method: http.MethodPost, target: ok, token: readToken}, http.StatusForbidden},
		"no tokens at all":        {open, req{method: http.MethodPost, target: ok}, http.StatusForbidden},
		"GET":                     {s, req{method: http.MethodGet, target: ok, token: fullToken}, http.StatusMethodNotAllowed},
		"a form post":             {s, req{method: http.MethodPost, target: ok, token: fullToken, contentType: "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		"no month":                {s, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export?format=csv", token: fullToken}, http.StatusBadRequest},
		"a bad month":             {s, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export?month=2026-1&format=csv", token: fullToken}, http.StatusBadRequest},
		"a bad format":            {s, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export?month=2026-10&format=x12", token: fullToken}, http.StatusBadRequest},
		"an unknown parameter":    {s, req{method: http.MethodPost, target: ok + "&patient=p1", token: fullToken}, http.StatusBadRequest},
		"a month given twice":     {s, req{method: http.MethodPost, target: ok, token: fullToken, body: `{"resourceType":"Parameters","parameter":[{"name":"month","valueDate":"2026-11"}]}`}, http.StatusBadRequest},
		"a body that is not JSON": {s, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export", token: fullToken, body: `month=2026-10`}, http.StatusBadRequest},
		"a cross-site request":    {s, req{method: http.MethodPost, target: ok, token: fullToken, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, http.StatusForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			w := c.s.do(t, c.r)
			require.Equal(t, c.status, w.Code, w.Body.String())
			require.Equal(t, "OperationOutcome", outcomeOf(t, w).ResourceType)
		})
	}
	require.Empty(t, ex.reqs, "no refused request reached the exporter")

	ex.err = errors.New("store: disk full at /secret/path")
	w := s.do(t, req{method: http.MethodPost, target: ok, token: fullToken})
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.NotContains(t, w.Body.String(), "/secret/path")
}

func TestBillingExportWithoutAnExporterIsNotFound(t *testing.T) {
	s := newTestServer(t, withTokens(), nil)
	w := s.do(t, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export?month=2026-10&format=csv", token: fullToken})
	require.Equal(t, http.StatusNotFound, w.Code)
}

func TestBillingExportIsAudited(t *testing.T) {
	aud := &recordingAuditor{}
	cfg := withTokens()
	cfg.Billing = &recordingExporter{}
	cfg.Auditor = aud
	s := newTestServer(t, cfg, nil)
	w := s.do(t, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export?month=2026-10&format=csv", token: fullToken})
	require.Equal(t, http.StatusOK, w.Code)
	w = s.do(t, req{method: http.MethodPost, target: "/fhir/$rpm-billing-export?month=2026-10&format=csv", token: readToken})
	require.Equal(t, http.StatusForbidden, w.Code)
	evs := aud.events()
	require.Len(t, evs, 2)
	for i, want := range []struct {
		label  string
		status int
	}{{fullLabel, 200}, {readLabel, 403}} {
		require.Equal(t, adapter.AuditBillingExport, evs[i].Operation)
		require.Equal(t, want.label, evs[i].Token)
		require.Equal(t, want.status, evs[i].Status)
		require.True(t, evs[i].Write)
	}
}
