package fhirclient

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadSendsFHIRHeaders(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: patientJSON})
	cfg := fastConfig(srv.URL + "/fhir/")
	cfg.UserAgent = "rpm-test/1"
	c := newClient(t, cfg)

	body, err := c.Read(t.Context(), "Patient", "p1")
	require.NoError(t, err)
	assert.JSONEq(t, patientJSON, string(body))
	r := srv.request(0)
	assert.Equal(t, "/fhir/Patient/p1", r.URL.Path)
	assert.Equal(t, fhirJSON, r.Header.Get("Accept"))
	assert.Equal(t, "rpm-test/1", r.Header.Get("User-Agent"))
	assert.Empty(t, r.Header.Get("Authorization"), "no Auth configured")
	assert.Empty(t, r.Header.Get("Cache-Control"), "no-cache is for searches")
}

func TestTransactionPostsToBase(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: `{"resourceType":"Bundle","type":"transaction-response"}`})
	cfg := fastConfig(srv.URL + "/fhir")
	cfg.TransactionPrefer = "return=minimal"
	c := newClient(t, cfg)
	bundle := `{"resourceType":"Bundle","type":"transaction","entry":[]}`

	got, err := c.Transaction(t.Context(), []byte(bundle), true)
	require.NoError(t, err)
	assert.Contains(t, string(got), "transaction-response")
	r := srv.request(0)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/fhir", r.URL.Path)
	assert.Equal(t, fhirJSON, r.Header.Get("Content-Type"))
	assert.Equal(t, "return=minimal", r.Header.Get("Prefer"))

	_, err = c.Transaction(t.Context(), nil, true)
	assert.Error(t, err, "an empty Bundle is refused")
}

func TestGetSendsCredentialsOnlyToTheBaseOrigin(t *testing.T) {
	own := newScripted(t, reply{status: 200, body: `{}`})
	foreign := newCountingServer(t)
	cfg := fastConfig(own.URL + "/fhir")
	cfg.Auth = StaticToken("tok-get")
	c := newClient(t, cfg)

	_, err := c.Get(t.Context(), "bulkstatus/7")
	require.NoError(t, err)
	_, err = c.Get(t.Context(), own.URL+"/fhir/bulkstatus/7")
	require.NoError(t, err)
	_, err = c.Get(t.Context(), foreign.URL+"/output/1.ndjson")
	require.NoError(t, err)

	assert.Equal(t, "/fhir/bulkstatus/7", own.request(0).URL.Path)
	assert.Equal(t, "Bearer tok-get", own.request(0).Header.Get("Authorization"))
	assert.Equal(t, "Bearer tok-get", own.request(1).Header.Get("Authorization"))
	assert.EqualValues(t, 1, foreign.hits.Load())
	assert.False(t, foreign.sawCreds.Load())
}
