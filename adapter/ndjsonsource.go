package adapter

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// NDJSONSource reads a folder of Bulk Data export NDJSON files (any mix of
// types per file, named by type or not) in one streaming pass and keeps
// per-patient compact facts only: readings, interaction intervals, episode
// starts, charge items, and issues. Memory grows with patients × facts, not
// with the size of the resources.
type NDJSONSource struct {
	patients map[string]*PatientData
	groups   map[string][]string
	// Issues that belong to no patient (a malformed line, a resource without
	// a subject).
	Orphans []fhirmap.Issue
}

// pendingComm is a Communication waiting for its Encounter (R-TIME-2).
type pendingComm struct {
	pd   *PatientData
	comm *fhirmap.Communication
}

// LoadNDJSON reads every *.ndjson file of fsys.
func LoadNDJSON(ctx context.Context, fsys fs.FS, reader *fhirmap.Reader) (*NDJSONSource, error) {
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
	s := &NDJSONSource{patients: map[string]*PatientData{}, groups: map[string][]string{}}
	encounters := map[string]*fhirmap.Encounter{}
	var comms []pendingComm
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		err = reader.DecodeNDJSON(f, func(res fhirmap.Resource, issues []fhirmap.Issue) error {
			switch r := res.(type) {
			case *fhirmap.Patient:
				pd := s.patient(r.ID)
				pd.Zone = r.TimeZone
				pd.known = true
				pd.Issues = append(pd.Issues, issues...)
			case *fhirmap.Observation:
				pd := s.patient(r.Patient)
				pd.Readings = append(pd.Readings, r.Reading)
				pd.Issues = append(pd.Issues, issues...)
			case *fhirmap.Communication:
				pd := s.patient(r.Patient)
				comms = append(comms, pendingComm{pd, r})
				pd.Issues = append(pd.Issues, issues...)
			case *fhirmap.Encounter:
				encounters[r.ID] = r
				s.addIssues(r.Patient, issues)
			case *fhirmap.EpisodeOfCare:
				pd := s.patient(r.Patient)
				if r.Anchoring() {
					pd.Episodes = append(pd.Episodes, r)
				}
				pd.Issues = append(pd.Issues, issues...)
			case *fhirmap.ChargeItem:
				pd := s.patient(r.Patient)
				pd.Charges = append(pd.Charges, r)
				pd.Issues = append(pd.Issues, issues...)
			case *fhirmap.Group:
				s.groups[r.ID] = r.Members
				s.Orphans = append(s.Orphans, issues...)
			default:
				s.Orphans = append(s.Orphans, issues...)
			}
			return nil
		})
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	// R-TIME-2: a Communication's duration may live on its Encounter, which
	// may come later in the export; resolve once everything is read.
	for _, pc := range comms {
		in, issues := fhirmap.Interaction(pc.comm, encounters[pc.comm.Encounter])
		pc.pd.Interactions = append(pc.pd.Interactions, in)
		pc.pd.Issues = append(pc.pd.Issues, issues...)
	}
	// Nothing is silently skipped: data about a patient the export does not
	// hold cannot be evaluated, and says so.
	for _, id := range slices.Sorted(maps.Keys(s.patients)) {
		if pd := s.patients[id]; !pd.known {
			s.Orphans = append(s.Orphans, fhirmap.Issue{ResourceType: "Patient", ID: id, Code: "patient-not-in-export",
				Severity: fhirmap.SeverityWarning,
				Message:  "Resources reference a patient that the export does not hold; they were not evaluated."})
		}
	}
	return s, nil
}

func (s *NDJSONSource) patient(id string) *PatientData {
	pd, ok := s.patients[id]
	if !ok {
		pd = &PatientData{ID: id}
		s.patients[id] = pd
	}
	return pd
}

func (s *NDJSONSource) addIssues(patientID string, issues []fhirmap.Issue) {
	if len(issues) == 0 {
		return
	}
	if patientID == "" {
		s.Orphans = append(s.Orphans, issues...)
		return
	}
	pd := s.patient(patientID)
	pd.Issues = append(pd.Issues, issues...)
}

// Patients lists a group's members, or every Patient in the export.
func (s *NDJSONSource) Patients(_ context.Context, group string) ([]string, error) {
	if group != "" {
		m, ok := s.groups[group]
		if !ok {
			return nil, fmt.Errorf("group: %w", ErrNotFound)
		}
		return slices.Clone(m), nil
	}
	var ids []string
	for id, pd := range s.patients {
		if pd.known {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, strings.Compare)
	return ids, nil
}

// Load returns the patient's facts; the span does not matter here since the
// whole export is in hand (the rules trim to the windows).
func (s *NDJSONSource) Load(_ context.Context, id string, _ Span) (*PatientData, error) {
	pd, ok := s.patients[id]
	if !ok || !pd.known {
		return nil, fmt.Errorf("patient: %w", ErrNotFound)
	}
	return pd, nil
}

// compile-time check
var _ Source = (*NDJSONSource)(nil)
