package e2etest

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// WrittenTypes are the resource types the adapter writes back.
var WrittenTypes = []string{fhirmap.TypeMeasureReport, fhirmap.TypeChargeItem, fhirmap.TypeTask}

// GeneratedTag is the _tag search value of the adapter's resources under
// the default canonical base.
var GeneratedTag = fhirmap.Canonical("", fhirmap.PathGeneratedTagSys) + "|" + fhirmap.GeneratedTagCode

// Item is one written resource as the tests compare it.
type Item struct {
	Type, ID, Version string
	Patient           string // server patient id
	Identifier        string // value of the adapter's identifier
	Status            string
	Code              string // CPT code (ChargeItem) or task code (Task)
	Units             string // ChargeItem quantity
	Period            string // start..end of the window
	Score             string // MeasureReport measure score
	Measure           string
}

// Key is the item's identity and content without its version.
func (it Item) Key() string {
	return fmt.Sprintf("%s/%s %s %s %s x%s %s score=%s", it.Type, it.ID, it.Identifier, it.Status, it.Code, it.Units, it.Period, it.Score)
}

// Content is Key without the ids and identifiers, which hash the patient
// id: two copies of the same sample patient under different prefixes have
// the same Content. Patient is the sample id given.
func (it Item) Content(patient string) string {
	return fmt.Sprintf("%s %s %s %s %s x%s %s score=%s", patient, it.Type, it.Status, it.Code, it.Measure, it.Units, it.Period, it.Score)
}

// State is what the adapter wrote for some patients: every generated
// MeasureReport, ChargeItem and Task whose subject is one of them.
type State struct {
	Items []Item // sorted by Type, Patient, Period, Code, ID
	// Duplicates lists identifier values carried by more than one resource.
	Duplicates []string
}

// Snapshot searches the server (fresh) for what the adapter wrote for the
// given server patient ids: one search per type for up to 25 patients
// (subject=Patient/a,Patient/b,… is an OR).
func Snapshot(ctx context.Context, srv *Server, patients []string) (*State, error) {
	st := &State{}
	seen := map[string]int{}
	for chunk := range slices.Chunk(patients, 25) {
		refs := make([]string, len(chunk))
		for i, p := range chunk {
			refs[i] = "Patient/" + p
		}
		for _, typ := range WrittenTypes {
			rs, err := srv.Search(ctx, typ, url.Values{"subject": {strings.Join(refs, ",")}, "_tag": {GeneratedTag}})
			if err != nil {
				return nil, fmt.Errorf("%s search: %w", typ, err)
			}
			sys := IdentifierSystem(typ)
			for _, r := range rs {
				it := Item{Type: r.Type, ID: r.ID, Version: r.Version, Patient: strings.TrimPrefix(r.Subject(), "Patient/"),
					Identifier: r.Identifier(sys), Status: r.Status(), Units: r.Units(), Period: r.Period(),
					Score: r.Score(), Measure: r.Measure()}
				if typ != fhirmap.TypeMeasureReport {
					it.Code = r.Code()
				}
				st.Items = append(st.Items, it)
				seen[typ+"|"+it.Identifier]++
			}
		}
	}
	slices.SortFunc(st.Items, func(a, b Item) int {
		return strings.Compare(a.Type+"|"+a.Patient+"|"+a.Period+"|"+a.Code+"|"+a.ID, b.Type+"|"+b.Patient+"|"+b.Period+"|"+b.Code+"|"+b.ID)
	})
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		if seen[k] > 1 {
			st.Duplicates = append(st.Duplicates, k)
		}
	}
	return st, nil
}

// IdentifierSystem is the system of the adapter's identifiers of a type
// under the default canonical base.
func IdentifierSystem(typ string) string {
	return fhirmap.Canonical("", fhirmap.PathIdentifier) + strings.ToLower(typ)
}

// Keys lists Item.Key of every item, sorted.
func (s *State) Keys() []string {
	out := make([]string, len(s.Items))
	for i, it := range s.Items {
		out[i] = it.Key()
	}
	slices.Sort(out)
	return out
}

// Versions maps Type/ID to meta.versionId.
func (s *State) Versions() map[string]string {
	out := make(map[string]string, len(s.Items))
	for _, it := range s.Items {
		out[it.Type+"/"+it.ID] = it.Version
	}
	return out
}

// Contents lists Item.Content of every item with the dataset's prefix
// stripped from the patient, sorted.
func (s *State) Contents(ds *Dataset) []string {
	out := make([]string, len(s.Items))
	for i, it := range s.Items {
		out[i] = it.Content(ds.Orig(it.Patient))
	}
	slices.Sort(out)
	return out
}

// Of returns the items of one type and server patient id.
func (s *State) Of(typ, patient string) []Item {
	var out []Item
	for _, it := range s.Items {
		if it.Type == typ && it.Patient == patient {
			out = append(out, it)
		}
	}
	return out
}
