package fhirclient

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLabel(t *testing.T) {
	c := newClient(t, Config{BaseURL: "https://fhir.example.org/r4"})
	tests := []struct{ name, url, want string }{
		{"a resource type is named", "https://fhir.example.org/r4/Observation?patient=1", "Observation"},
		{"an instance names only its type", "https://fhir.example.org/r4/Patient/secret-42", "Patient"},
		{"an operation is named", "https://fhir.example.org/r4/$export", "$export"},
		{"the base itself", "https://fhir.example.org/r4", "base"},
		{"a lower-case segment could be an id", "https://fhir.example.org/r4/secret-42", "other"},
		{"a path outside the base", "https://fhir.example.org/bulk/secret-42", "other"},
		{"another origin", "https://files.example.org/r4/Patient", "external"},
		{"another port is another origin", "https://fhir.example.org:8443/r4/Patient", "external"},
		{"an explicit default port is the same origin", "https://FHIR.example.org:443/r4/Patient", "Patient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.label(u))
		})
	}
}

func TestResolve(t *testing.T) {
	c := newClient(t, Config{BaseURL: "https://fhir.example.org/r4"})
	tests := []struct{ name, ref, want string }{
		{"a relative reference lands under the base", "Group/g1/$export", "https://fhir.example.org/r4/Group/g1/$export"},
		{"an absolute path keeps the host", "/bulkstatus/7", "https://fhir.example.org/bulkstatus/7"},
		{"an absolute URL is kept as given", "https://files.example.org/o/1.ndjson?sig=x", "https://files.example.org/o/1.ndjson?sig=x"},
		{"the empty reference is the base without its slash", "", "https://fhir.example.org/r4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := c.resolve(tt.ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want, u.String())
		})
	}
	_, err := c.resolve("ftp://fhir.example.org/r4/Patient")
	assert.Error(t, err, "a non-http scheme is refused")
}

func TestReadRefusesIdsThatRewriteThePath(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: patientJSON})
	c := newClient(t, fastConfig(srv.URL))
	for _, id := range []string{"", "../Group/g1", "p1?_format=xml", "p1/_history/2", strings.Repeat("a", 65)} {
		_, err := c.Read(t.Context(), "Patient", id)
		assert.Error(t, err, "id %q", id)
	}
	_, err := c.Read(t.Context(), "patient", "p1")
	assert.Error(t, err, "lower-case resource type")
	assert.Zero(t, srv.count())
}

// "." and ".." pass the R4 id regex but resolve to the parent path: they
// are refused, and paths are built from escaped segments, never resolved.
func TestDotIDsAreRefused(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: patientJSON})
	c := newClient(t, fastConfig(srv.URL+"/fhir"))
	for _, id := range []string{".", "..", "...", "...."} {
		_, err := c.Read(t.Context(), "Patient", id)
		assert.ErrorContains(t, err, "invalid resource id", id)
	}
	_, err := c.Do(t.Context(), &Request{Path: []string{"Group", "..", "$export"}})
	assert.Error(t, err)
	assert.Zero(t, srv.count(), "no request was sent")

	// Dots inside an id are legal FHIR and stay one segment.
	_, err = c.Read(t.Context(), "Patient", "a..b")
	require.NoError(t, err)
	assert.Equal(t, "/fhir/Patient/a..b", srv.request(0).URL.Path)
	_, err = c.Do(t.Context(), &Request{Path: []string{"Group", "g.1", "$export"}})
	require.NoError(t, err)
	assert.Equal(t, "/fhir/Group/g.1/$export", srv.request(1).URL.Path)
}

func TestUnderBase(t *testing.T) {
	c := newClient(t, Config{BaseURL: "https://fhir.test/tenant-a/r4"})
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"https://fhir.test/tenant-a/r4", true},
		{"https://fhir.test/tenant-a/r4/", true},
		{"https://fhir.test/tenant-a/r4?_getpages=x", true},
		{"https://fhir.test/tenant-a/r4/Observation?page=2", true},
		{"https://fhir.test/tenant-a/r4/$export-poll-status?_jobId=1", true},
		{"https://fhir.test/tenant-a/r4x/Observation", false},
		{"https://fhir.test/tenant-b/r4/Observation", false},
		{"https://fhir.test/other-tenant/admin/users", false},
		{"https://fhir.test/tenant-a/r4/%2e%2e/admin", false},
		{"https://fhir.test/tenant-a/r4/..%2fadmin", false},
		{"http://fhir.test/tenant-a/r4/Observation", false},
		{"https://fhir.test:8443/tenant-a/r4/Observation", false},
	} {
		u, err := url.Parse(tt.url)
		require.NoError(t, err)
		assert.Equal(t, tt.want, c.UnderBase(u), tt.url)
	}
}
