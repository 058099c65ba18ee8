// Package ig embeds rpm-adapter's implementation guide: the FHIR R4
// conformance resources (profiles, extensions, code systems, value sets,
// measures, the OperationDefinitions and CapabilityStatement of serve,
// examples and the ImplementationGuide resource) that SUSHI compiles from the
// FSH sources under input/fsh into fsh-generated/resources. The compiled JSON
// is committed; CI compiles the FSH again and fails when it differs (README,
// The implementation guide). serve answers these resources at
// GET /fhir/{type}/{id} (adapter/api, conformance.go), under the canonical
// base it is configured with (Rebase).
package ig

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Canonical is the canonical base of every resource of the guide.
const Canonical = "http://rpm-adapter.org/fhir"

// GuideURL is the canonical URL of the ImplementationGuide resource.
const GuideURL = Canonical + "/ImplementationGuide/rpm-adapter.fhir"

//go:embed fsh-generated/resources/*.json
var files embed.FS

// Resource is one resource of the guide.
type Resource struct {
	Type string // resourceType, e.g. StructureDefinition
	ID   string
	URL  string // canonical url; "" for examples
	// Example is true for the guide's examples (MeasureReport, ChargeItem,
	// Task instances), which are served but are no definitions.
	Example bool
	JSON    []byte
}

// Guide is the guide's resources under one canonical base.
type Guide struct {
	canonical string
	all       []Resource
}

var def, loadErr = load()

func load() (*Guide, error) {
	names, err := fs.Glob(files, "fsh-generated/resources/*.json")
	if err != nil {
		return nil, err
	}
	out := make([]Resource, 0, len(names))
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			URL          string `json:"url"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			return nil, fmt.Errorf("ig: %s: %w", path.Base(name), err)
		}
		if head.ResourceType == "" || head.ID == "" {
			return nil, fmt.Errorf("ig: %s has no resourceType or id", path.Base(name))
		}
		out = append(out, Resource{
			Type: head.ResourceType, ID: head.ID, URL: head.URL,
			Example: !definitionTypes[head.ResourceType], JSON: b,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].ID < out[j].ID
	})
	return &Guide{canonical: Canonical, all: out}, nil
}

var definitionTypes = map[string]bool{
	"StructureDefinition": true, "CodeSystem": true, "ValueSet": true,
	"Measure": true, "ImplementationGuide": true, "OperationDefinition": true,
	"CapabilityStatement": true,
}

// Default returns the guide as compiled, under Canonical. It fails only if
// the embedded files are broken, which the package's tests catch.
func Default() (*Guide, error) { return def, loadErr }

// Rebase returns the guide with every URL under Canonical moved to the
// canonical base given (a deployment's --canonical; "" or Canonical is the
// guide as compiled): each resource's url and every reference to the
// guide's definitions inside it (profiles, bindings, value sets' systems,
// operations' definitions). URLs outside the base (FHIR core, CPT, UCUM)
// are left as they are. The base is joined as fhirmap.Canonical joins it,
// so the URLs are those the adapter writes under the same base.
func Rebase(canonical string) (*Guide, error) {
	if loadErr != nil {
		return nil, loadErr
	}
	if canonical == "" || canonical == Canonical {
		return def, nil
	}
	q, err := json.Marshal(canonical)
	if err != nil {
		return nil, err
	}
	esc := q[1 : len(q)-1] // as it is spelled inside a JSON string
	repl := append(bytes.ReplaceAll(esc, []byte("$"), []byte("$$")), "${1}"...)
	out := make([]Resource, len(def.all))
	for i, r := range def.all {
		b := baseRE.ReplaceAll(r.JSON, repl)
		if !json.Valid(b) {
			return nil, fmt.Errorf("ig: %s/%s under %s is no JSON", r.Type, r.ID, canonical)
		}
		r.JSON = b
		if r.URL != "" {
			r.URL = canonical + strings.TrimPrefix(r.URL, Canonical)
		}
		out[i] = r
	}
	return &Guide{canonical: canonical, all: out}, nil
}

// baseRE is the compiled base inside a JSON string: followed by a path, a
// version, a fragment or the string's end.
var baseRE = regexp.MustCompile(regexp.QuoteMeta(Canonical) + `([/|#"])`)

// Canonical is the guide's canonical base.
func (g *Guide) Canonical() string { return g.canonical }

// GuideURL is the canonical URL of its ImplementationGuide resource.
func (g *Guide) GuideURL() string { return g.canonical + strings.TrimPrefix(GuideURL, Canonical) }

// All returns every resource of the guide, sorted by type and id.
func (g *Guide) All() []Resource { return g.all }

// All returns every resource of the guide as compiled, sorted by type and
// id. It fails only if the embedded files are broken, which the package's
// tests catch.
func All() ([]Resource, error) {
	if loadErr != nil {
		return nil, loadErr
	}
	return def.all, nil
}

// Get returns the resource of the guide as compiled of that type and id.
func Get(typ, id string) (Resource, bool) { return def.Get(typ, id) }

// ByURL returns the definition of the guide as compiled with that
// canonical url (a "|version" suffix is ignored).
func ByURL(url string) (Resource, bool) { return def.ByURL(url) }

// Types returns the resource types of the compiled guide's definitions.
func Types() []string { return def.Types() }

// Get returns the resource of that type and id.
func (g *Guide) Get(typ, id string) (Resource, bool) {
	for _, r := range g.all {
		if r.Type == typ && r.ID == id {
			return r, true
		}
	}
	return Resource{}, false
}

// ByURL returns the definition with that canonical url (a "|version"
// suffix is ignored).
func (g *Guide) ByURL(url string) (Resource, bool) {
	url, _, _ = strings.Cut(url, "|")
	for _, r := range g.all {
		if r.URL != "" && r.URL == url {
			return r, true
		}
	}
	return Resource{}, false
}

// Types returns the resource types of the guide's definitions (examples
// aside), sorted.
func (g *Guide) Types() []string {
	var types []string
	for _, r := range g.all {
		if r.Example {
			continue
		}
		if len(types) == 0 || types[len(types)-1] != r.Type {
			types = append(types, r.Type)
		}
	}
	return types
}
