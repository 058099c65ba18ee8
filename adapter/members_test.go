package adapter_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirserver"
	"github.com/rpm-adapter/rpm-adapter/adapter/ndjson"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// memberServer is a FHIR server under /fhir holding Group g1 (whose body
// is built from the server's own base) and patients with a time zone and
// no data. It records the paths it was asked for.
type memberServer struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newMemberServer(t *testing.T, group func(base string) string) *memberServer {
	t.Helper()
	s := &memberServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/fhir+json")
		switch {
		case r.URL.Path == "/fhir/Group/g1":
			_, _ = w.Write([]byte(group("http://" + r.Host + "/fhir")))
		case strings.HasPrefix(r.URL.Path, "/fhir/Patient/"):
			id := strings.TrimPrefix(r.URL.Path, "/fhir/Patient/")
			_, _ = w.Write([]byte(`{"resourceType":"Patient","id":"` + id + `","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/timezone","valueCode":"America/Chicago"}]}`))
		default:
			_, _ = w.Write([]byte(`{"resourceType":"Bundle","type":"searchset"}`))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *memberServer) asked(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.paths {
		if p == path {
			return true
		}
	}
	return false
}

func memberSource(t *testing.T, base string) *fhirserver.Source {
	t.Helper()
	c, err := fhirclient.New(fhirclient.Config{BaseURL: base, MaxRetries: -1})
	require.NoError(t, err)
	reader, err := fhirmap.NewReader(fhirmap.Options{})
	require.NoError(t, err)
	src, err := fhirserver.NewSource(c, reader, rules.DefaultPolicy())
	require.NoError(t, err)
	return src
}

func member(ref string) string { return `{"entity":{"reference":"` + ref + `"}}` }

// A member https://other-hospital.example/fhir/Patient/p2 is another
// hospital's patient who shares an id with ours: it is listed by its
// reference, reported as not evaluated, and never read, evaluated or
// written as the local Patient/p2.
func TestForeignGroupMemberIsReported(t *testing.T) {
	srv := newMemberServer(t, func(base string) string {
		return `{"resourceType":"Group","id":"g1","member":[` + strings.Join([]string{
			member("Patient/p1"),
			member(base + "/Patient/p3"), // absolute, but ours
			member("https://other-hospital.example/fhir/Patient/p2"),
			member(strings.Replace(base, "/fhir", "/other-tenant", 1) + "/Patient/p4"), // our host, another base
		}, ",") + `]}`
	})
	src := memberSource(t, srv.URL+"/fhir")

	ids, err := src.Patients(t.Context(), "g1")
	require.NoError(t, err)
	foreign := []string{"https://other-hospital.example/fhir/Patient/p2", srv.URL + "/other-tenant/Patient/p4"}
	assert.Equal(t, []string{"p1", "p3", foreign[0], foreign[1]}, ids)

	sink := &memorySink{}
	r := &adapter.Runner{Source: src, Sink: sink, Evaluator: newEvaluator(t, octoberRun), Concurrency: 2}
	sum := runSample(t, r, ids...)
	require.Zero(t, sum.Failed())
	byID := map[string]*adapter.Outcome{}
	for _, row := range sum.Rows {
		byID[row.PatientID] = row.Outcome
	}
	for _, f := range foreign {
		require.NotNil(t, byID[f], f)
		assert.Equal(t, adapter.NotEvaluatedForeignMember, byID[f].NotEvaluated)
		assert.Nil(t, byID[f].Result)
		_, written := sink.resources[f]
		assert.False(t, written, "nothing written for a foreign member")
	}
	assert.NotNil(t, byID["p1"].Result)
	assert.NotNil(t, byID["p3"].Result)
	assert.False(t, srv.asked("/fhir/Patient/p2"), "the local p2 was never read")
	assert.False(t, srv.asked("/fhir/Patient/p4"))

	// The API's path (Service) answers the same, without a request.
	svc, err := adapter.NewService(src, newEvaluator(t, octoberRun), sink)
	require.NoError(t, err)
	job, err := adapter.ParseJob("2026-10", "", "")
	require.NoError(t, err)
	out, err := svc.EvaluatePatient(t.Context(), foreign[0], job, true)
	require.NoError(t, err)
	assert.Equal(t, adapter.NotEvaluatedForeignMember, out.NotEvaluated)
	assert.False(t, srv.asked("/fhir/Patient/p2"))
}

// "." and ".." pass the R4 id regex; as Group members (Patient/.. is the
// server's base once resolved) and as NDJSON ids they are refused.
func TestDotIDsAreRefused(t *testing.T) {
	srv := newMemberServer(t, func(string) string {
		return `{"resourceType":"Group","id":"g1","member":[` +
			member("Patient/.") + "," + member("Patient/..") + "," + member("Patient/p1") + `]}`
	})
	ids, err := memberSource(t, srv.URL+"/fhir").Patients(t.Context(), "g1")
	require.NoError(t, err)
	assert.Equal(t, []string{"p1"}, ids)

	tz := `"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/timezone","valueCode":"America/Chicago"}]`
	fsys := fstest.MapFS{"export.ndjson": {Data: []byte(strings.Join([]string{
		`{"resourceType":"Patient","id":"..",` + tz + `}`,
		`{"resourceType":"Patient","id":".",` + tz + `}`,
		`{"resourceType":"Patient","id":"p1",` + tz + `}`,
		`{"resourceType":"Group","id":"g1","member":[` + member("Patient/..") + "," + member("Patient/p1") + `]}`,
	}, "\n") + "\n")}}
	reader, err := fhirmap.NewReader(fhirmap.Options{})
	require.NoError(t, err)
	nd, err := ndjson.Load(context.Background(), fsys, reader)
	require.NoError(t, err)
	all, err := nd.Patients(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"p1"}, all)
	members, err := nd.Patients(t.Context(), "g1")
	require.NoError(t, err)
	assert.Equal(t, []string{"p1"}, members)
	codes := map[string]bool{}
	for _, is := range nd.Orphans {
		codes[is.Code] = true
	}
	assert.True(t, codes[fhirmap.CodeInvalidID] || codes[fhirmap.CodeBadReference], "the dot ids are reported: %v", codes)
}

// An export has no base of its own, so an absolute member there is
// foreign too.
func TestForeignGroupMemberInAnExportIsReported(t *testing.T) {
	fsys := fstest.MapFS{"export.ndjson": {Data: []byte(
		`{"resourceType":"Group","id":"g1","member":[` + member("Patient/p1") + "," +
			member("https://other-hospital.example/fhir/Patient/p1") + `]}` + "\n" +
			`{"resourceType":"Patient","id":"p1"}` + "\n")}}
	nd, err := ndjson.Load(context.Background(), fsys, nil)
	require.NoError(t, err)
	members, err := nd.Patients(t.Context(), "g1")
	require.NoError(t, err)
	assert.Equal(t, []string{"p1", "https://other-hospital.example/fhir/Patient/p1"}, members)
}
