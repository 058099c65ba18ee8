package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter/e2etest"
)

// validateOnHAPI sends a resource to HAPI's $validate (R4 core: HAPI's
// instance validator) and returns its error and fatal issues.
func validateOnHAPI(t *testing.T, srv *e2etest.Server, body []byte) []string {
	t.Helper()
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	require.NoError(t, json.Unmarshal(body, &head), string(body))
	res, err := srv.HTTP.Post(srv.Base+"/"+head.ResourceType+"/$validate", "application/fhir+json", bytes.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var oo struct {
		Issue []struct {
			Severity, Diagnostics string
			Location              []string
		}
	}
	require.NoError(t, json.Unmarshal(raw, &oo), string(raw))
	var errs []string
	for _, is := range oo.Issue {
		if is.Severity == "error" || is.Severity == "fatal" {
			errs = append(errs, fmt.Sprintf("%s %s", is.Diagnostics, strings.Join(is.Location, ",")))
		}
	}
	return errs
}

// TestE2EServeAnswersPassHAPIsValidator sends what `serve` answers to the
// HAPI server's $validate (the R4 core definitions): the Bundles of both
// fullUrl forms (with --fhir-base and on the embedded sample), Patient and
// Group, read and write, a job's result, error OperationOutcomes (404, 406),
// the CapabilityStatement with rest.security, the OperationDefinitions and
// their searchset. Before issue 16 every Bundle entry failed ("Bundle entry
// missing fullUrl", and the relative references inside it). With
// --fhir-base, each fullUrl is the resource's URL on the FHIR server, and
// after $rpm-eligibility-write the server answers it.
func TestE2EServeAnswersPassHAPIsValidator(t *testing.T) {
	ctx := context.Background()
	srv := e2etest.NewServer(t)
	requireClockAfter(t, "2026-11-01")
	ds := e2etest.Load(t, srv, cliPatients...)
	group := ds.Prefix + "cohort"
	require.NoError(t, e2etest.PutGroup(ctx, srv, group, ds.IDs()))
	tokens := map[string]string{"RPM_API_TOKENS": "e2e:write:" + e2eWriteSecret}
	answers := map[string][]byte{}
	get := func(name, method, url string, body []byte, hdr map[string]string, want int) []byte {
		code, _, b := apiCall(t, method, url, e2eWriteSecret, body, hdr)
		require.Equal(t, want, code, "%s: %s", name, b)
		answers[name] = b
		return b
	}

	api, _, stop := serveE2E(t, tokens, "--fhir-base", srv.Base)
	c10 := ds.ID("wc-c10")
	get("Patient read, FHIR base", http.MethodGet, api+"/Patient/"+c10+"/$rpm-eligibility?month=2026-10", nil, nil, 200)
	written := get("Patient write, FHIR base", http.MethodPost, api+"/Patient/"+c10+"/$rpm-eligibility-write", parameters("2026-10"), nil, 200)
	get("Group, FHIR base", http.MethodPost, api+"/Group/"+group+"/$rpm-eligibility", parameters("2026-10"), nil, 200)
	get("unknown patient (404)", http.MethodGet, api+"/Patient/"+ds.ID("nobody")+"/$rpm-eligibility?month=2026-10", nil, nil, 404)
	get("XML asked for (406)", http.MethodGet, api+"/metadata", nil, map[string]string{"Accept": "application/fhir+xml"}, 406)
	get("CapabilityStatement", http.MethodGet, api+"/metadata?_pretty=true", nil, nil, 200)
	get("OperationDefinition", http.MethodGet, api+"/OperationDefinition/Group-rpm-eligibility-write", nil, nil, 200)
	get("OperationDefinition search", http.MethodGet, api+"/OperationDefinition?code=rpm-eligibility", nil, nil, 200)

	// With a FHIR base, the fullUrls are the server's URLs of the resources.
	var b struct {
		Entry []struct {
			FullURL  string `json:"fullUrl"`
			Resource struct {
				ResourceType, ID string
			} `json:"resource"`
		} `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(written, &b))
	checked := 0
	for _, e := range b.Entry {
		if e.Resource.ID == "" {
			assert.True(t, strings.HasPrefix(e.FullURL, "urn:uuid:"), e.FullURL)
			continue
		}
		require.Equal(t, srv.Base+"/"+e.Resource.ResourceType+"/"+e.Resource.ID, e.FullURL)
		res, err := srv.HTTP.Get(e.FullURL)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "the written resource is at its fullUrl: %s", e.FullURL)
		checked++
	}
	assert.Positive(t, checked)
	assert.Equal(t, exitOK, stop())

	// The embedded sample: urn:uuid fullUrls, references rewritten to them.
	api, _, stop = serveE2E(t, tokens)
	get("Patient read, urn", http.MethodGet, api+"/Patient/wc-c10/$rpm-eligibility?month=2026-10", nil, nil, 200)
	get("Patient write, urn", http.MethodPost, api+"/Patient/wc-c10/$rpm-eligibility-write", parameters("2026-10"), nil, 200)
	_, hdr, accepted := apiCall(t, http.MethodPost, api+"/Group/rpm-cohort/$rpm-eligibility", e2eWriteSecret, parameters("2026-10"),
		map[string]string{"Prefer": "respond-async"})
	answers["202 of an async job"] = accepted
	code, body, _ := pollJob(t, hdr.Get("Content-Location"), e2eWriteSecret)
	require.Equal(t, http.StatusOK, code, string(body))
	answers["Group job result, urn"] = body
	assert.Equal(t, exitOK, stop())

	for name, body := range answers {
		assert.Empty(t, validateOnHAPI(t, srv, body), "HAPI's validator on %s", name)
	}
	t.Logf("%d answers validated on HAPI", len(answers))
}
