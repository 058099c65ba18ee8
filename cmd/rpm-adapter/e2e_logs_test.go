package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
)

// TestE2ELogsOfAFullRunHoldNoPatientData runs the service and the command
// line against HAPI through a proxy that injects 503s, 429s and dropped
// connections (so that the FHIR client logs its retries), exercises every
// kind of call (Patient GET and POST with write, a sync and an async Group,
// an unknown patient, a bad parameter, a missing patient on the command
// line), and checks that nothing they wrote to stdout or stderr, the slog
// records included, holds a name, an identifier value (MRN, device serial),
// a birth date, a phone number, an address line or a search's query string
// of the loaded patients, nor a patient id (ids belong in results only).
func TestE2ELogsOfAFullRunHoldNoPatientData(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	patients := []string{"wc-c01", "wc-c08", "wc-c10", "edge-no-timezone", "pt-00006"}
	ds := e2etest.Load(t, srv, patients...)
	group := ds.Prefix + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ds.IDs()))
	phi, err := e2etest.PHI(patients...)
	require.NoError(t, err)
	require.Greater(t, len(phi), 20)

	schedule := make([]e2etest.Fault, 12)
	schedule[1], schedule[5], schedule[9] = e2etest.Unavailable, e2etest.Drop, e2etest.TooMany
	proxy := e2etest.NewProxy(t, srv.Base, schedule...)
	api, serveLogs, stop := serveE2E(t, e2eWriter, "--fhir-base", proxy.URL, "--max-retries", "6")
	for _, p := range ds.IDs() {
		code, _, body := apiCall(t, http.MethodGet, api+"/Patient/"+p+"/$rpm-eligibility?month=2026-10", e2eWriteSecret, nil, nil)
		assert.Equal(t, http.StatusOK, code, string(body))
	}
	code, _, body := apiCall(t, http.MethodPost, api+"/Patient/"+ds.ID("wc-c10")+"/$rpm-eligibility-write", e2eWriteSecret, parameters("2026-10"), nil)
	assert.Equal(t, http.StatusOK, code, string(body))
	code, _, _ = apiCall(t, http.MethodPost, api+"/Group/"+group+"/$rpm-eligibility", e2eWriteSecret, parameters("2026-10"), nil)
	assert.Equal(t, http.StatusOK, code)
	code, hdr, _ := apiCall(t, http.MethodPost, api+"/Group/"+group+"/$rpm-eligibility-write", e2eWriteSecret, parameters("2026-10"),
		map[string]string{"Prefer": "respond-async"})
	require.Equal(t, http.StatusAccepted, code)
	code, _, _ = pollJob(t, hdr.Get("Content-Location"), e2eWriteSecret)
	assert.Equal(t, http.StatusOK, code)
	code, _, _ = apiCall(t, http.MethodGet, api+"/Patient/"+ds.ID("nobody")+"/$rpm-eligibility?month=2026-10", e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusNotFound, code)
	code, _, _ = apiCall(t, http.MethodGet, api+"/Patient/"+ds.ID("wc-c08")+"/$rpm-eligibility?month=2026-13&birthdate=1957-09-04", e2eWriteSecret, nil, nil)
	assert.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, exitOK, stop())

	var cliOut, cliErr string
	code, cliOut, cliErr = run(t, nil, "evaluate", "--fhir-base", proxy.URL, "--month", "2026-10", "--write",
		"--max-retries", "6", "--patient", strings.Join(append(ds.IDs(), ds.ID("nobody")), ","))
	assert.Equal(t, exitPartial, code, cliErr)
	t.Logf("faults injected: %v", proxy.Injected())
	require.Positive(t, proxy.Injected()[e2etest.Unavailable], "the FHIR client had retries to log")

	logs := serveLogs.String()
	require.Contains(t, logs, `"msg":"http request"`, "the service wrote its request log")
	require.Contains(t, logs, `"msg":"fhir request"`, "the FHIR client logged its retries")
	for name, text := range map[string]string{"serve stdout+stderr": logs, "evaluate stderr": cliErr, "evaluate stdout": cliOut} {
		for _, v := range phi {
			assert.NotContains(t, text, v, "%s holds patient data", name)
		}
		for _, q := range []string{"month=", "date=ge", "patient=", "_getpages", "birthdate"} {
			assert.NotContains(t, text, q, "%s holds a query string", name)
		}
	}
	// Patient ids belong in results (the table on stdout), not in logs.
	for _, id := range append(ds.IDs(), ds.ID("nobody")) {
		assert.NotContains(t, logs, id, "serve logs name a patient")
		assert.NotContains(t, cliErr, id, "evaluate's stderr names a patient")
	}
}
