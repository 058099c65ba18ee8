// Package ig embeds rpm-adapter's implementation guide: the FHIR R4
// conformance resources (profiles, extensions, code systems, value sets,
// measures, examples and the ImplementationGuide resource) that SUSHI
// compiles from the FSH sources under input/fsh into fsh-generated/resources.
// The compiled JSON is committed; CI compiles the FSH again and fails when it
// differs (README, The implementation guide). serve answers these resources
// at GET /fhir/{type}/{id} (adapter/api, conformance.go).
package ig

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
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

var all, loadErr = load()

func load() ([]Resource, error) {
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
	return out, nil
}

var definitionTypes = map[string]bool{
	"StructureDefinition": true, "CodeSystem": true, "ValueSet": true,
	"Measure": true, "ImplementationGuide": true,
}

// All returns every resource of the guide, sorted by type and id. It fails
// only if the embedded files are broken, which the package's tests catch.
func All() ([]Resource, error) {
	if loadErr != nil {
		return nil, loadErr
	}
	return all, nil
}

// Get returns the resource of that type and id.
func Get(typ, id string) (Resource, bool) {
	for _, r := range all {
		if r.Type == typ && r.ID == id {
			return r, true
		}
	}
	return Resource{}, false
}

// ByURL returns the definition with that canonical url (a "|version"
// suffix is ignored).
func ByURL(url string) (Resource, bool) {
	url, _, _ = strings.Cut(url, "|")
	for _, r := range all {
		if r.URL != "" && r.URL == url {
			return r, true
		}
	}
	return Resource{}, false
}

// Types returns the resource types of the guide's definitions (examples
// aside), sorted.
func Types() []string {
	var types []string
	for _, r := range all {
		if r.Example {
			continue
		}
		if len(types) == 0 || types[len(types)-1] != r.Type {
			types = append(types, r.Type)
		}
	}
	return types
}
