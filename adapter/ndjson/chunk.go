package ndjson

import (
	"context"
	"io"
	"io/fs"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// chunkFacts is what one chunk contributed, in line order, with line
// numbers local to the chunk until it is merged.
type chunkFacts struct {
	seq      int // position of the chunk in the whole export
	c        chunk
	lines    int // line ends read
	patients map[string]*chunkPatient
	comms    []pendingComm
	// encounters and groups: a later line with the same id wins, as in one
	// sequential pass.
	encounters map[string]*fhirmap.Encounter
	groups     []namedGroup
	orphans    []fhirmap.Issue
	err        error
}

type chunkPatient struct {
	obs      readingEncoder
	patient  *fhirmap.Patient // the last Patient resource of the chunk
	episodes []*fhirmap.EpisodeOfCare
	charges  []*fhirmap.ChargeItem
	payer    payerFacts
	issues   []fhirmap.Issue
}

type namedGroup struct {
	id      string
	members []string
}

// pendingComm is a Communication waiting for its Encounter (R-TIME-2),
// which may come later in the export.
type pendingComm struct {
	patient string
	comm    *fhirmap.Communication
}

// decodeChunk reads one chunk with its own decoder state.
func decodeChunk(ctx context.Context, fsys fs.FS, reader *fhirmap.Reader, c chunk, seq int) *chunkFacts {
	cf := &chunkFacts{seq: seq, c: c, patients: map[string]*chunkPatient{}}
	f, err := fsys.Open(c.name)
	if err != nil {
		cf.err = err
		return cf
	}
	defer f.Close()
	var in io.Reader = f
	if !c.whole {
		in = io.NewSectionReader(f.(io.ReaderAt), c.off, c.size)
	}
	lc := &lineCounter{r: in}
	var last *chunkPatient // consecutive lines are usually one patient's
	var lastID string
	pat := func(id string) *chunkPatient {
		if last != nil && id == lastID {
			return last
		}
		cp, ok := cf.patients[id]
		if !ok {
			cp = &chunkPatient{}
			cf.patients[id] = cp
		}
		last, lastID = cp, id
		return cp
	}
	n := 0
	cf.err = reader.DecodeNDJSON(lc, func(res fhirmap.Resource, issues []fhirmap.Issue) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		switch r := res.(type) {
		case *fhirmap.Observation:
			cp := pat(r.Patient)
			cp.obs.add(&r.Reading)
			cp.issues = append(cp.issues, issues...)
		case *fhirmap.Patient:
			cp := pat(r.ID)
			cp.patient = r
			cp.issues = append(cp.issues, issues...)
		case *fhirmap.Communication:
			cp := pat(r.Patient)
			cf.comms = append(cf.comms, pendingComm{r.Patient, r})
			cp.issues = append(cp.issues, issues...)
		case *fhirmap.Encounter:
			if cf.encounters == nil {
				cf.encounters = map[string]*fhirmap.Encounter{}
			}
			cf.encounters[r.ID] = r
			if len(issues) > 0 {
				if r.Patient == "" {
					cf.orphans = append(cf.orphans, issues...)
				} else {
					cp := pat(r.Patient)
					cp.issues = append(cp.issues, issues...)
				}
			}
		case *fhirmap.EpisodeOfCare:
			cp := pat(r.Patient)
			if r.Anchoring() {
				cp.episodes = append(cp.episodes, r)
			}
			cp.issues = append(cp.issues, issues...)
		case *fhirmap.ChargeItem:
			cp := pat(r.Patient)
			cp.charges = append(cp.charges, r)
			cp.issues = append(cp.issues, issues...)
		case *fhirmap.Coverage, *fhirmap.Condition, *fhirmap.Consent:
			cp := pat(patientOf(r))
			cp.payer.add(r)
			cp.issues = append(cp.issues, issues...)
		case *fhirmap.Group:
			// An export has no base of its own: an absolute member
			// reference is foreign.
			cf.groups = append(cf.groups, namedGroup{r.ID, adapter.GroupPopulation(r, nil)})
			cf.orphans = append(cf.orphans, issues...)
		default:
			cf.orphans = append(cf.orphans, issues...)
		}
		return nil
	})
	cf.lines = lc.lines
	return cf
}
