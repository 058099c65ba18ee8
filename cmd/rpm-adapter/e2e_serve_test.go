package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
)

// apiCall is one request to the service as an integration engine sends it.
func apiCall(t testing.TB, method, url, token string, body []byte, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/fhir+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, b
}

// parameters builds a Parameters body: month as valueString, its declared
// type. Writing back is $rpm-eligibility-write, not a parameter.
func parameters(month string) []byte {
	b, _ := json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "month", "valueString": month},
	}})
	return b
}

// pollJob polls an async status URL until it answers something other than
// 202, honouring Retry-After up to half a second, and returns that answer.
func pollJob(t *testing.T, status, token string) (int, []byte, int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	polls := 0
	for time.Now().Before(deadline) {
		code, hdr, body := apiCall(t, http.MethodGet, status, token, nil, nil)
		polls++
		if code != http.StatusAccepted {
			return code, body, polls
		}
		assert.NotEmpty(t, hdr.Get("X-Progress"), "a running job says how far it is")
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the job did not finish in two minutes")
	return 0, nil, polls
}

// e2eWriter is the token of the serve tests that write back: writing
// needs a token with the write role (issue 11, point 1).
const e2eWriteSecret = "e2e-write-token-7c1d2e3f4a5b6c7d"

var e2eWriter = map[string]string{"RPM_API_TOKENS": "e2e:write:" + e2eWriteSecret}

// TestE2EServePatientEligibilityGetAndPost runs `serve --fhir-base` against
// HAPI and calls Patient/{id}/$rpm-eligibility as an integration engine
// would: GET with query parameters (evaluate only: nothing on the server),
// POST $rpm-eligibility-write with a Parameters body (the same Bundle, and
// the resources on the server), an unevaluable patient (an OperationOutcome
// entry), an unknown patient (404), write=true on $rpm-eligibility (400)
// and $rpm-eligibility-write over GET (405).
func TestE2EServePatientEligibilityGetAndPost(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	ds := e2etest.Load(t, srv, "wc-c09", "wc-c10", "edge-no-timezone")
	api, _, stop := serveE2E(t, e2eWriter, "--fhir-base", srv.Base)

	c09 := ds.ID("wc-c09")
	code, hdr, body := apiCall(t, http.MethodGet, api+"/Patient/"+c09+"/$rpm-eligibility?month=2026-10", e2eWriteSecret, nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, "application/fhir+json", strings.Split(hdr.Get("Content-Type"), ";")[0])
	assert.NotEmpty(t, hdr.Get("X-Request-Id"))
	ev := e2etest.OracleCase(t, "wc-c09").Evaluations[0]
	assert.Equal(t, e2etest.ExpectedCharges(ev), charges(bundleResources(t, body), c09))
	st, err := e2etest.Snapshot(ctx, srv, []string{c09})
	require.NoError(t, err)
	assert.Empty(t, st.Items, "$rpm-eligibility writes nothing")

	c10 := ds.ID("wc-c10")
	code, _, body = apiCall(t, http.MethodPost, api+"/Patient/"+c10+"/$rpm-eligibility-write", e2eWriteSecret, parameters("2026-10"), nil)
	require.Equal(t, http.StatusOK, code, string(body))
	ev = e2etest.OracleCase(t, "wc-c10").Evaluations[0]
	assert.Equal(t, e2etest.ExpectedCharges(ev), charges(bundleResources(t, body), c10))
	st, err = e2etest.Snapshot(ctx, srv, []string{c10})
	require.NoError(t, err)
	assert.Equal(t, e2etest.ExpectedCharges(ev), st.Charges(c10, nil), "$rpm-eligibility-write wrote to HAPI")

	code, _, body = apiCall(t, http.MethodGet, api+"/Patient/"+ds.ID("edge-no-timezone")+"/$rpm-eligibility?month=2026-10", e2eWriteSecret, nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	rs := bundleResources(t, body)
	require.NotEmpty(t, rs)
	assert.Equal(t, "OperationOutcome", rs[len(rs)-1].Type)
	assert.Contains(t, string(body), "not evaluated")

	code, _, body = apiCall(t, http.MethodGet, api+"/Patient/"+ds.ID("nobody")+"/$rpm-eligibility?month=2026-10", e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Contains(t, string(body), `"OperationOutcome"`)

	code, _, _ = apiCall(t, http.MethodGet, api+"/Patient/"+c09+"/$rpm-eligibility?month=2026-10&write=true", e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusBadRequest, code)
	code, _, _ = apiCall(t, http.MethodGet, api+"/Patient/"+c09+"/$rpm-eligibility-write?month=2026-10", e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Equal(t, exitOK, stop())
}

// TestE2EServeGroupJobPolledToCompletion creates a Group on HAPI and calls
// Group/{id}/$rpm-eligibility: synchronously (a Bundle of every member's
// resources), then $rpm-eligibility-write with Prefer: respond-async (202 and a
// Content-Location polled until 200 with the result Bundle, the resources
// on the server), then DELETE of the finished job (204, then 404).
func TestE2EServeGroupJobPolledToCompletion(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	ds := e2etest.Load(t, srv, cliPatients...)
	group := ds.Prefix + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ds.IDs()))
	api, _, stop := serveE2E(t, e2eWriter, "--fhir-base", srv.Base)
	op := api + "/Group/" + group + "/$rpm-eligibility"

	code, _, body := apiCall(t, http.MethodPost, op, e2eWriteSecret, parameters("2026-10"), nil)
	require.Equal(t, http.StatusOK, code, string(body))
	rs := bundleResources(t, body)
	for _, p := range cliPatients {
		ev := e2etest.OracleCase(t, p).Evaluations[0]
		assert.Equal(t, e2etest.ExpectedCharges(ev), charges(rs, ds.ID(p)), "sync group answer for %s", p)
	}

	code, hdr, body := apiCall(t, http.MethodPost, op+"-write", e2eWriteSecret, parameters("2026-10"), map[string]string{"Prefer": "respond-async"})
	require.Equal(t, http.StatusAccepted, code, string(body))
	status := hdr.Get("Content-Location")
	require.True(t, strings.HasPrefix(status, strings.TrimSuffix(api, "/fhir")), status)
	code, body, polls := pollJob(t, status, e2eWriteSecret)
	require.Equal(t, http.StatusOK, code, string(body))
	t.Logf("job done after %d polls", polls)
	rs = bundleResources(t, body)
	st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Empty(t, st.Duplicates)
	for _, p := range cliPatients {
		ev := e2etest.OracleCase(t, p).Evaluations[0]
		assert.Equal(t, e2etest.ExpectedCharges(ev), charges(rs, ds.ID(p)), "async job result for %s", p)
	}
	checkOracle(t, st, ds, cliPatients...)

	code, _, _ = apiCall(t, http.MethodDelete, status, e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusNoContent, code, "deleting a finished job's result")
	code, _, _ = apiCall(t, http.MethodGet, status, e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, exitOK, stop())
}

// TestE2EServeCancelledGroupJob starts an async Group job whose FHIR
// traffic goes through a proxy that slows every request, cancels it with
// DELETE while it runs (202), and checks that its status URL is gone (404)
// and that the job stops sending requests to the FHIR server.
func TestE2EServeCancelledGroupJob(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	ds := e2etest.Load(t, srv, cliPatients...)
	group := ds.Prefix + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ds.IDs()))
	proxy := e2etest.NewProxy(t, srv.Base, e2etest.Slow)
	proxy.Delay = 400 * time.Millisecond
	api, _, stop := serveE2E(t, e2eWriter, "--fhir-base", proxy.URL)

	code, hdr, body := apiCall(t, http.MethodPost, api+"/Group/"+group+"/$rpm-eligibility-write", e2eWriteSecret,
		parameters("2026-10"), map[string]string{"Prefer": "respond-async"})
	require.Equal(t, http.StatusAccepted, code, string(body))
	status := hdr.Get("Content-Location")
	code, hdr, _ = apiCall(t, http.MethodGet, status, e2eWriteSecret, nil, nil)
	require.Equal(t, http.StatusAccepted, code, "the job is still running")
	t.Logf("progress before cancelling: %s", hdr.Get("X-Progress"))

	code, _, body = apiCall(t, http.MethodDelete, status, e2eWriteSecret, nil, nil)
	require.Equal(t, http.StatusAccepted, code, "cancelling a running job: %s", body)
	code, _, _ = apiCall(t, http.MethodGet, status, e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusNotFound, code, "a cancelled job is gone")

	// The in-flight requests end within one proxy delay; after that the
	// cancelled job sends nothing more.
	time.Sleep(2 * proxy.Delay)
	n := proxy.Requests()
	time.Sleep(3 * proxy.Delay)
	assert.Equal(t, n, proxy.Requests(), "the cancelled job stopped calling the FHIR server")
	st, err := e2etest.Snapshot(ctx, srv, ds.IDs())
	require.NoError(t, err)
	assert.Less(t, len(st.Items), 3*len(cliPatients), "the job did not run to the end")
	assert.Equal(t, exitOK, stop())
}

// TestE2EServeRefusesMissingOrWrongTokens sets RPM_API_TOKENS and checks
// that the operation and the job status URL answer 401 (with a
// WWW-Authenticate challenge and an OperationOutcome) without a token and
// with a wrong one, that metadata stays open, and that the right token
// gets the evaluation from HAPI.
func TestE2EServeRefusesMissingOrWrongTokens(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	ds := e2etest.Load(t, srv, "wc-c08", "wc-c13")
	group := ds.Prefix + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ds.IDs()))
	const token = "e2e-token-5f1c2a9b7d3e4f60"
	api, _, stop := serveE2E(t, map[string]string{"RPM_API_TOKENS": token}, "--fhir-base", srv.Base)
	op := api + "/Patient/" + ds.ID("wc-c08") + "/$rpm-eligibility?month=2026-10"

	for name, tok := range map[string]string{"no token": "", "wrong token": "e2e-wrong-token-00000000"} {
		code, hdr, body := apiCall(t, http.MethodGet, op, tok, nil, nil)
		assert.Equal(t, http.StatusUnauthorized, code, name)
		assert.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer", name)
		assert.Contains(t, string(body), `"OperationOutcome"`, name)
		code, _, _ = apiCall(t, http.MethodPost, api+"/Group/"+group+"/$rpm-eligibility-write", tok,
			parameters("2026-10"), map[string]string{"Prefer": "respond-async"})
		assert.Equal(t, http.StatusUnauthorized, code, name)
	}
	code, _, _ := apiCall(t, http.MethodGet, api+"/metadata", "", nil, nil)
	assert.Equal(t, http.StatusOK, code, "the CapabilityStatement is open")

	code, _, body := apiCall(t, http.MethodGet, op, token, nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	ev := e2etest.OracleCase(t, "wc-c08").Evaluations[0]
	assert.Equal(t, e2etest.ExpectedCharges(ev), charges(bundleResources(t, body), ds.ID("wc-c08")))
	code, _, _ = apiCall(t, http.MethodPost, api+"/Patient/"+ds.ID("wc-c08")+"/$rpm-eligibility-write", token,
		parameters("2026-10"), nil)
	assert.Equal(t, http.StatusForbidden, code, "a bare token reads; writing needs the write role")
	st, err := e2etest.Snapshot(ctx, srv, []string{ds.ID("wc-c08")})
	require.NoError(t, err)
	assert.Empty(t, st.Items, "nothing was written")

	code, hdr, _ := apiCall(t, http.MethodPost, api+"/Group/"+group+"/$rpm-eligibility", token,
		parameters("2026-10"), map[string]string{"Prefer": "respond-async"})
	require.Equal(t, http.StatusAccepted, code)
	status := hdr.Get("Content-Location")
	code, _, _ = apiCall(t, http.MethodGet, status, "", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, code, "the status URL needs the token too")
	code, _, _ = apiCall(t, http.MethodDelete, status, "e2e-wrong-token-00000000", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, code, "a wrong token cannot cancel the job")
	code, body, _ = pollJob(t, status, token)
	assert.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, exitOK, stop())
}
