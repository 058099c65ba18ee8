package ndjson

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Source reads a folder of Bulk Data export NDJSON files (any mix of
// types per file, named by type or not) and keeps per-patient compact facts
// only: readings (in a compact log, see readingLog), interaction intervals,
// episode starts, charge items, and issues. Memory grows with patients ×
// facts, not with the size of the resources.
//
// The files are read by all cores at once: large files are cut into
// line-aligned chunks decoded in parallel, and the facts are merged in file
// and line order, so the result (and every issue's line number) is the same
// as one sequential pass.
type Source struct {
	mu       sync.RWMutex // Forget against Load
	patients map[string]*patientFacts
	groups   map[string][]string
	// Issues that belong to no patient (a malformed line, a resource without
	// a subject).
	Orphans []fhirmap.Issue
}

// patientFacts is one patient's part of the export.
type patientFacts struct {
	zone         string
	name, mrn    string // for the store's worklist (fhir-mapping §7)
	known        bool   // the export holds the Patient resource itself
	forgotten    bool   // see Forget
	readings     readingLog
	episodes     []*fhirmap.EpisodeOfCare
	interactions []rules.Interaction
	charges      []*fhirmap.ChargeItem
	payer        payerFacts
	issues       []fhirmap.Issue
}

// loadOptions tune the parallel read; tests use tiny chunks.
type loadOptions struct {
	chunkBytes int64
	workers    int
}

// Load reads every *.ndjson file of fsys, with every core.
func Load(ctx context.Context, fsys fs.FS, reader *fhirmap.Reader) (*Source, error) {
	return load(ctx, fsys, reader, loadOptions{chunkBytes: defaultChunkBytes, workers: runtime.GOMAXPROCS(0)})
}

func load(ctx context.Context, fsys fs.FS, reader *fhirmap.Reader, opts loadOptions) (*Source, error) {
	if reader == nil {
		var err error
		if reader, err = fhirmap.NewReader(fhirmap.Options{}); err != nil {
			return nil, err
		}
	}
	names, err := fs.Glob(fsys, "*.ndjson")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no .ndjson files in the source folder")
	}
	slices.Sort(names)
	var chunks []chunk
	for i, name := range names {
		cs, err := planChunks(fsys, i, name, opts.chunkBytes)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		chunks = append(chunks, cs...)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(opts.workers, 1)
	// At most this many chunks are decoded but not yet merged, which bounds
	// the memory of results that finish out of order.
	window := make(chan struct{}, 2*workers)
	tasks := make(chan int)
	results := make(chan *chunkFacts, 2*workers)
	var wg sync.WaitGroup
	for range min(workers, len(chunks)) {
		wg.Go(func() {
			for i := range tasks {
				results <- decodeChunk(ctx, fsys, reader, chunks[i], i)
			}
		})
	}
	go func() {
		defer close(tasks)
		for i := range chunks {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case tasks <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	m := newMerger()
	pending := map[int]*chunkFacts{}
	next := 0
	var firstErr error
	for cf := range results {
		if firstErr != nil {
			continue // drain
		}
		pending[cf.seq] = cf
		for pending[next] != nil {
			cf := pending[next]
			delete(pending, next)
			next++
			<-window
			if cf.err != nil {
				firstErr = fmt.Errorf("reading %s: %w", cf.c.name, cf.err)
				cancel()
				break
			}
			m.merge(cf)
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.finish(), nil
}

// merger folds chunk facts into the source in chunk order.
type merger struct {
	s          *Source
	encounters map[string]*fhirmap.Encounter
	comms      []pendingComm
	file       int
	lineBase   int // lines of the current file before the chunk
}

func newMerger() *merger {
	return &merger{
		s:          &Source{patients: map[string]*patientFacts{}, groups: map[string][]string{}},
		encounters: map[string]*fhirmap.Encounter{},
	}
}

func (m *merger) patient(id string) *patientFacts {
	pf, ok := m.s.patients[id]
	if !ok {
		pf = &patientFacts{}
		m.s.patients[id] = pf
	}
	return pf
}

func (m *merger) merge(cf *chunkFacts) {
	if cf.c.file != m.file {
		m.file, m.lineBase = cf.c.file, 0
	}
	base := m.lineBase
	fix := func(is []fhirmap.Issue) []fhirmap.Issue {
		for i := range is {
			if is[i].Line > 0 {
				is[i].Line += base
			}
		}
		return is
	}
	// Map order does not matter here: each patient's facts keep their own
	// line order, and the lists below are per patient.
	for id, cp := range cf.patients {
		pf := m.patient(id)
		if cp.patient != nil {
			pf.zone, pf.known = cp.patient.TimeZone, true
			pf.name, pf.mrn = cp.patient.DisplayName, cp.patient.MRN
		}
		pf.readings.appendSegment(&cp.obs)
		pf.episodes = append(pf.episodes, cp.episodes...)
		pf.charges = append(pf.charges, cp.charges...)
		pf.payer.merge(cp.payer)
		pf.issues = append(pf.issues, fix(cp.issues)...)
	}
	m.comms = append(m.comms, cf.comms...)
	maps.Copy(m.encounters, cf.encounters)
	for _, g := range cf.groups {
		m.s.groups[g.id] = g.members
	}
	m.s.Orphans = append(m.s.Orphans, fix(cf.orphans)...)
	m.lineBase += cf.lines
}

func (m *merger) finish() *Source {
	// R-TIME-2: a Communication's duration may live on its Encounter, which
	// may come later in the export; resolve once everything is read.
	for _, pc := range m.comms {
		in, issues := fhirmap.Interaction(pc.comm, m.encounters[pc.comm.Encounter])
		pf := m.patient(pc.patient)
		pf.interactions = append(pf.interactions, in)
		pf.issues = append(pf.issues, issues...)
	}
	// Nothing is silently skipped: data about a patient the export does not
	// hold cannot be evaluated, and says so.
	s := m.s
	for _, id := range slices.Sorted(maps.Keys(s.patients)) {
		if pf := s.patients[id]; !pf.known {
			s.Orphans = append(s.Orphans, fhirmap.Issue{ResourceType: "Patient", ID: id, Code: "patient-not-in-export",
				Severity: fhirmap.SeverityWarning,
				Message:  "Resources reference a patient that the export does not hold; they were not evaluated."})
		}
	}
	return s
}

// Patients lists a group's members, or every Patient in the export.
func (s *Source) Patients(_ context.Context, group string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if group != "" {
		m, ok := s.groups[group]
		if !ok {
			return nil, fmt.Errorf("group: %w", adapter.ErrNotFound)
		}
		return slices.Clone(m), nil
	}
	var ids []string
	for id, pf := range s.patients {
		if pf.known {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, strings.Compare)
	return ids, nil
}

// Load returns the patient's facts; the span does not matter here since the
// whole export is in hand (the rules trim to the windows). Each call decodes
// the readings afresh, so the caller may keep or drop the result.
func (s *Source) Load(_ context.Context, id string, _ adapter.Span) (*adapter.PatientData, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	pf, ok := s.patients[id]
	if !ok || !pf.known {
		return nil, fmt.Errorf("patient: %w", adapter.ErrNotFound)
	}
	if pf.forgotten {
		return nil, errors.New("patient: the facts were dropped after an earlier run (Runner.Forget)")
	}
	readings, err := pf.readings.readings()
	if err != nil {
		return nil, err
	}
	pd := &adapter.PatientData{ID: id, Zone: pf.zone, DisplayName: pf.name, MRN: pf.mrn, Episodes: pf.episodes, Readings: readings,
		Interactions: pf.interactions, Charges: pf.charges, Issues: pf.issues}
	pf.payer.into(pd)
	return pd, nil
}

// Forget drops the patient's facts; the patient stays listed, and Load
// fails for it. A one-pass population run (adapter.Runner.Forget) calls it
// once the patient is written, so memory shrinks as the run goes.
func (s *Source) Forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pf, ok := s.patients[id]; ok {
		*pf = patientFacts{zone: pf.zone, known: pf.known, forgotten: true}
	}
}

// Stats sums what the source holds, for benchmarks and logs (counts only,
// no patient data).
func (s *Source) Stats() SourceStats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var st SourceStats
	for _, pf := range s.patients {
		if pf.known {
			st.Patients++
		}
		st.Readings += pf.readings.n
		st.ReadingBytes += pf.readings.size()
		st.Interactions += len(pf.interactions)
	}
	return st
}

// SourceStats counts a Source's facts.
type SourceStats struct {
	Patients, Readings, Interactions int
	// ReadingBytes is the memory of the compact reading logs.
	ReadingBytes int
}

// compile-time check
var _ adapter.Source = (*Source)(nil)
