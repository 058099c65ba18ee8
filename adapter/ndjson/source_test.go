package ndjson

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/generate"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// sequential is the reference reading of an export: one pass over the files
// in name order with fhirmap.DecodeNDJSON, keeping whole rules.Readings. The
// parallel, chunked, compact source must give exactly the same facts.
type sequential struct {
	patients map[string]*adapter.PatientData
	known    map[string]bool // the export holds the Patient resource itself
	groups   map[string][]string
	orphans  []fhirmap.Issue
}

func loadSequentially(t *testing.T, fsys fs.FS, reader *fhirmap.Reader) *sequential {
	t.Helper()
	names, err := fs.Glob(fsys, "*.ndjson")
	require.NoError(t, err)
	slices.Sort(names)
	s := &sequential{patients: map[string]*adapter.PatientData{}, known: map[string]bool{}, groups: map[string][]string{}}
	pd := func(id string) *adapter.PatientData {
		p, ok := s.patients[id]
		if !ok {
			p = &adapter.PatientData{ID: id}
			s.patients[id] = p
		}
		return p
	}
	encounters := map[string]*fhirmap.Encounter{}
	type pending struct {
		pd   *adapter.PatientData
		comm *fhirmap.Communication
	}
	var comms []pending
	for _, name := range names {
		f, err := fsys.Open(name)
		require.NoError(t, err)
		err = reader.DecodeNDJSON(f, func(res fhirmap.Resource, issues []fhirmap.Issue) error {
			switch r := res.(type) {
			case *fhirmap.Patient:
				p := pd(r.ID)
				p.Zone, s.known[r.ID] = r.TimeZone, true
				p.DisplayName, p.MRN = r.DisplayName, r.MRN
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.Observation:
				p := pd(r.Patient)
				p.Readings = append(p.Readings, r.Reading)
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.Communication:
				p := pd(r.Patient)
				comms = append(comms, pending{p, r})
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.Encounter:
				encounters[r.ID] = r
				if len(issues) > 0 {
					if r.Patient == "" {
						s.orphans = append(s.orphans, issues...)
					} else {
						p := pd(r.Patient)
						p.Issues = append(p.Issues, issues...)
					}
				}
			case *fhirmap.EpisodeOfCare:
				p := pd(r.Patient)
				if r.Anchoring() {
					p.Episodes = append(p.Episodes, r)
				}
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.ChargeItem:
				p := pd(r.Patient)
				p.Charges = append(p.Charges, r)
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.Coverage:
				p := pd(r.Patient)
				p.Coverages = append(p.Coverages, r.Rules())
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.Condition:
				p := pd(r.Patient)
				p.Conditions = append(p.Conditions, r.Rules())
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.Consent:
				p := pd(r.Patient)
				p.Consents = append(p.Consents, r.Rules())
				p.Issues = append(p.Issues, issues...)
			case *fhirmap.Group:
				s.groups[r.ID] = r.Members
				s.orphans = append(s.orphans, issues...)
			default:
				s.orphans = append(s.orphans, issues...)
			}
			return nil
		})
		f.Close()
		require.NoError(t, err)
	}
	for _, pc := range comms {
		in, issues := fhirmap.Interaction(pc.comm, encounters[pc.comm.Encounter])
		pc.pd.Interactions = append(pc.pd.Interactions, in)
		pc.pd.Issues = append(pc.pd.Issues, issues...)
	}
	for _, id := range slices.Sorted(maps.Keys(s.patients)) {
		if !s.known[id] {
			s.orphans = append(s.orphans, fhirmap.Issue{ResourceType: "Patient", ID: id, Code: "patient-not-in-export",
				Severity: fhirmap.SeverityWarning,
				Message:  "Resources reference a patient that the export does not hold; they were not evaluated."})
		}
	}
	return s
}

// sameAsSequential loads fsys with the given chunking and compares every
// patient, group and orphan issue with the sequential pass.
func sameAsSequential(t *testing.T, fsys fs.FS, reader *fhirmap.Reader, opts loadOptions) {
	t.Helper()
	want := loadSequentially(t, fsys, reader)
	got, err := load(context.Background(), fsys, reader, opts)
	require.NoError(t, err)
	assert.Equal(t, want.orphans, got.Orphans, "orphan issues")
	assert.Equal(t, want.groups, got.groups, "groups")
	ids, err := got.Patients(context.Background(), "")
	require.NoError(t, err)
	var wantIDs []string
	for id := range want.patients {
		if want.known[id] {
			wantIDs = append(wantIDs, id)
		}
	}
	slices.Sort(wantIDs)
	require.Equal(t, wantIDs, ids)
	for _, id := range ids {
		pd, err := got.Load(context.Background(), id, adapter.Span{})
		require.NoError(t, err)
		w := want.patients[id]
		if len(w.Readings) == 0 {
			w.Readings = nil
		}
		assert.Equal(t, w, pd, "patient %s", id)
	}
}

func sampleFS(t *testing.T) fs.FS {
	t.Helper()
	return os.DirFS("../../testdata/sample-export")
}

func TestChunkedLoadEqualsOneSequentialPass(t *testing.T) {
	reader, err := fhirmap.NewReader(fhirmap.Options{})
	require.NoError(t, err)
	gen := t.TempDir()
	opts := generate.Options{Patients: 60, Months: 2, ReadingsPerDay: 3, EdgeShare: 0.6, Seed: 3, WorkedCases: true}
	_, err = generate.Write(gen, opts)
	require.NoError(t, err)
	exports := map[string]fs.FS{"the sample": sampleFS(t), "a generated population": os.DirFS(gen), "a messy export": messyExport()}
	for name, fsys := range exports {
		for _, o := range []loadOptions{
			{chunkBytes: defaultChunkBytes, workers: 1},
			{chunkBytes: 1, workers: 3},   // one line a chunk
			{chunkBytes: 700, workers: 2}, // cuts inside lines, aligned forward
			{chunkBytes: 64 << 10, workers: 4},
		} {
			t.Run(fmt.Sprintf("%s, %d-byte chunks, %d workers", name, o.chunkBytes, o.workers), func(t *testing.T) {
				sameAsSequential(t, fsys, reader, o)
			})
		}
	}
}

// messyExport mixes types in one file, puts a Communication before its
// Encounter, repeats a Patient, and has blank, CRLF, malformed, unknown and
// over-long lines, so line numbers must survive the chunking.
func messyExport() fs.FS {
	lines := []string{
		`{"resourceType":"Communication","id":"c1","status":"completed","subject":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},"sent":"2026-10-02T10:00:00Z","medium":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationMode","code":"PHONE"}]}]}`,
		``,
		`{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-02T08:00:00-04:00","device":{"reference":"Device/d1"},"valueQuantity":{"value":1}}` + "\r",
		`not json at all`,
		`{"resourceType":"Observation","id":"o2","status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-03","device":{"reference":"Device/d2"},"valueQuantity":{"value":1}}`,
		`{"resourceType":"Observation","id":"o3","status":"weird","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-10-03T08:00:00Z"}`,
		`{"resourceType":"Patient","id":"p1","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/timezone","valueCode":"America/New_York"}]}`,
		`{"resourceType":"Observation","id":"o4","status":"final","subject":{"reference":"Patient/ghost"},"effectiveDateTime":"2026-10-03T08:00:00Z","valueQuantity":{"value":1}}`,
		`{"resourceType":"Observation","id":"` + strings.Repeat("x", 3000) + `","status":"final"}`,
		`{"resourceType":"Medication","id":"m1"}`,
		`{"resourceType":"Encounter","id":"e1","status":"finished","subject":{"reference":"Patient/p1"},"period":{"start":"2026-10-02T10:00:00Z","end":"2026-10-02T10:25:00Z"}}`,
		`{"resourceType":"Encounter","id":"e2","status":"finished","period":{"start":"bad"}}`,
		`{"resourceType":"Patient","id":"p1"}`,
		`{"resourceType":"Group","id":"g","member":[{"entity":{"reference":"Patient/p1"}},{"entity":{"reference":"Device/x"}}]}`,
		`{"resourceType":"EpisodeOfCare","id":"eoc","status":"active","type":[{"coding":[{"system":"http://rpm-adapter.org/fhir/CodeSystem/program","code":"rpm"}]}],"patient":{"reference":"Patient/p1"},"period":{"start":"2026-09-01"}}`,
		`{"resourceType":"ChargeItem","id":"ci","status":"billable","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99454"}]},"subject":{"reference":"Patient/p1"},"occurrenceDateTime":"2026-10-01"}`,
	}
	mixed := strings.Join(lines, "\n")
	return fstest.MapFS{
		"a-mixed.ndjson":   {Data: []byte(mixed)}, // no final line end
		"b-crlf.ndjson":    {Data: []byte(strings.ReplaceAll(mixed, "\n", "\r\n") + "\r\n")},
		"c-empty.ndjson":   {Data: nil},
		"d-blank.ndjson":   {Data: []byte("\n\n\n")},
		"ignored.json":     {Data: []byte("{")},
		"e-patient.ndjson": {Data: []byte(lines[6] + "\n" + lines[12] + "\n" + lines[6] + "\n")},
	}
}

func TestOverLongLinesAreReportedWithTheirLineAcrossChunks(t *testing.T) {
	reader, err := fhirmap.NewReader(fhirmap.Options{MaxLineBytes: 1000})
	require.NoError(t, err)
	for _, chunkBytes := range []int64{1, 500, 2000, 1 << 20} {
		t.Run(fmt.Sprintf("%d-byte chunks", chunkBytes), func(t *testing.T) {
			sameAsSequential(t, messyExport(), reader, loadOptions{chunkBytes: chunkBytes, workers: 2})
		})
	}
	src, err := load(context.Background(), messyExport(), reader, loadOptions{chunkBytes: 500, workers: 2})
	require.NoError(t, err)
	var tooLong []int
	for _, is := range src.Orphans {
		if is.Code == fhirmap.CodeLineTooLong {
			tooLong = append(tooLong, is.Line)
		}
	}
	assert.Equal(t, []int{9, 9}, tooLong, "line 9 of a-mixed and of b-crlf")
}

// failingFS serves a file whose reads fail after some bytes.
type failingFS struct{ fstest.MapFS }

type failingFile struct {
	fs.File
	n int
}

func (f *failingFile) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	p = p[:min(len(p), f.n)]
	n, err := f.File.Read(p)
	f.n -= n
	return n, err
}

func (f failingFS) Open(name string) (fs.File, error) {
	file, err := f.MapFS.Open(name)
	if err != nil || !strings.HasPrefix(name, "bad") {
		return file, err
	}
	return &failingFile{File: file, n: 100}, nil // no ReaderAt: read whole
}

func TestAReadErrorNamesTheFileAndStopsTheLoad(t *testing.T) {
	body := []byte(strings.Repeat(`{"resourceType":"Medication","id":"m"}`+"\n", 100))
	fsys := failingFS{fstest.MapFS{"a.ndjson": {Data: body}, "bad.ndjson": {Data: body}, "c.ndjson": {Data: body}}}
	_, err := load(context.Background(), fsys, nil, loadOptions{chunkBytes: 64, workers: 2})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading bad.ndjson")
	assert.Contains(t, err.Error(), "disk on fire")
}

func TestACancelledLoadReturnsTheContextError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := load(ctx, sampleFS(t), nil, loadOptions{chunkBytes: 1 << 10, workers: 2})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAFolderWithoutNDJSONIsAnError(t *testing.T) {
	_, err := Load(context.Background(), fstest.MapFS{"x.json": {Data: []byte("{}")}}, nil)
	assert.ErrorContains(t, err, "no .ndjson files")
}

func TestChunksAreLineAligned(t *testing.T) {
	data := "aaaa\nbb\n\ncccccccccccc\nd"
	fsys := fstest.MapFS{"x.ndjson": {Data: []byte(data)}}
	cs, err := planChunks(fsys, 0, "x.ndjson", 3)
	require.NoError(t, err)
	var parts []string
	for _, c := range cs {
		parts = append(parts, data[c.off:c.off+c.size])
	}
	assert.Equal(t, []string{"aaaa\n", "bb\n\n", "cccccccccccc\n", "d"}, parts)
	assert.True(t, cs[len(cs)-1].lastInFile)
	var lc lineCounter
	lc.r = strings.NewReader(data)
	_, _ = io.Copy(io.Discard, &lc)
	assert.Equal(t, 4, lc.lines)
}
