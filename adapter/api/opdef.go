package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	"github.com/rpm-adapter/rpm-adapter/ig"
)

// writeOperationName is the code of the operation that writes the results
// back. $rpm-eligibility never changes state, so it may be served by GET
// and says affectsState false; writing is its own operation, POST only,
// affectsState true (issue 16).
const writeOperationName = "rpm-eligibility-write"

// billingOperationName is the code of the billing export, a system-level
// operation (billing.go).
const billingOperationName = "rpm-billing-export"

// The OperationDefinitions are the implementation guide's (package ig,
// ig/input/fsh/operations.fsh), under the configured canonical: the one
// source of the parameters, their types and documentation. Only what
// depends on the configuration is set here: the version (the software's,
// when it has one) and, in the Group operations' return documentation, the
// group limits (the guide's text gives the defaults).

// opDef is one OperationDefinition as served.
type opDef struct {
	id, code, url, version string
	body                   []byte // JSON
}

// operationDefinitions reads the guide's OperationDefinitions and sets
// their configured parts. Every operation routed here must have its
// definition in the guide.
func operationDefinitions(cfg Config, g *ig.Guide) (map[string]opDef, error) {
	out := map[string]opDef{}
	for _, r := range g.All() {
		if r.Type != "OperationDefinition" {
			continue
		}
		d := map[string]any{}
		dec := json.NewDecoder(bytes.NewReader(r.JSON))
		dec.UseNumber()
		if err := dec.Decode(&d); err != nil {
			return nil, fmt.Errorf("api: OperationDefinition/%s: %w", r.ID, err)
		}
		if cfg.Version != "" {
			d["version"] = cfg.Version
		}
		for _, op := range operations {
			if op.id() == r.ID && op.typeName == "Group" {
				if err := setGroupLimits(d, cfg); err != nil {
					return nil, fmt.Errorf("api: OperationDefinition/%s: %w", r.ID, err)
				}
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
		body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if err := validJSONR4(body); err != nil {
			return nil, fmt.Errorf("api: OperationDefinition/%s: %w", r.ID, err)
		}
		code, _ := d["code"].(string)
		version, _ := d["version"].(string)
		out[r.ID] = opDef{id: r.ID, code: code, url: r.URL, version: version, body: body}
	}
	for _, op := range operations {
		if d, ok := out[op.id()]; !ok || d.code != op.code {
			return nil, fmt.Errorf("api: the guide has no OperationDefinition/%s of $%s", op.id(), op.code)
		}
	}
	if _, ok := out[billingOperationName]; !ok {
		return nil, fmt.Errorf("api: the guide has no OperationDefinition/%s", billingOperationName)
	}
	return out, nil
}

// setGroupLimits writes the configured group limits into the return
// parameter's documentation, whose phrases name the defaults.
func setGroupLimits(d map[string]any, cfg Config) error {
	params, _ := d["parameter"].([]any)
	for _, p := range params {
		p, _ := p.(map[string]any)
		if p == nil || p["name"] != "return" {
			continue
		}
		doc, _ := p["documentation"].(string)
		var pairs []string
		for _, ph := range []struct {
			format     string
			def, limit int
		}{
			{"at most %d members", DefaultGroupBundleLimit, cfg.GroupBundleLimit},
			{"more than %d members needs", DefaultSyncGroupLimit, cfg.SyncGroupLimit},
			{"more than %d members gets", DefaultGroupBundleLimit, cfg.GroupBundleLimit},
		} {
			from := fmt.Sprintf(ph.format, ph.def)
			if strings.Count(doc, from) != 1 {
				return fmt.Errorf("the return documentation does not say %q once", from)
			}
			pairs = append(pairs, from, fmt.Sprintf(ph.format, ph.limit))
		}
		p["documentation"] = strings.NewReplacer(pairs...).Replace(doc)
		return nil
	}
	return fmt.Errorf("no return parameter")
}

// validJSONR4 checks that body is a valid R4 resource; a failure is a bug
// of the guide or of this package, caught by New.
func validJSONR4(body []byte) error {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		return err
	}
	_, err = u.Unmarshal(body)
	return err
}
