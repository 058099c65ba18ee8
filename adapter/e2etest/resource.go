package e2etest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Resource is one FHIR resource as the server returned it, with accessors
// for the elements the tests compare.
type Resource struct {
	Type, ID, Version string
	// JSON is the whole resource; change it and Server.Update writes it.
	JSON map[string]any
}

// ParseResource decodes one resource.
func ParseResource(raw []byte) (*Resource, error) {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a JSON resource: %w", err)
	}
	r := &Resource{JSON: m}
	r.Type, _ = m["resourceType"].(string)
	r.ID, _ = m["id"].(string)
	if meta, ok := m["meta"].(map[string]any); ok {
		r.Version, _ = meta["versionId"].(string)
	}
	if r.Type == "" {
		return nil, errors.New("no resourceType")
	}
	return r, nil
}

// str walks a path of object keys and returns the string at its end.
func (r *Resource) str(path ...string) string {
	var v any = r.JSON
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	switch s := v.(type) {
	case string:
		return s
	case json.Number:
		return s.String()
	}
	return ""
}

// Status is the resource's status element.
func (r *Resource) Status() string { return r.str("status") }

// Identifier returns the value of the first identifier with system sys
// ("" for the first identifier of any system).
func (r *Resource) Identifier(sys string) string {
	ids, _ := r.JSON["identifier"].([]any)
	for _, i := range ids {
		m, _ := i.(map[string]any)
		if s, _ := m["system"].(string); sys == "" || s == sys {
			v, _ := m["value"].(string)
			return v
		}
	}
	return ""
}

// Code is the first coding code of the resource's code element (the CPT
// code of a ChargeItem, the task code of a Task).
func (r *Resource) Code() string {
	code, _ := r.JSON["code"].(map[string]any)
	cs, _ := code["coding"].([]any)
	if len(cs) == 0 {
		return ""
	}
	m, _ := cs[0].(map[string]any)
	c, _ := m["code"].(string)
	return c
}

// Units is a ChargeItem's quantity.value ("" when absent).
func (r *Resource) Units() string { return r.str("quantity", "value") }

// Period is ChargeItem.occurrencePeriod, MeasureReport.period or
// Task.restriction.period, as "start..end".
func (r *Resource) Period() string {
	for _, p := range [][]string{{"occurrencePeriod"}, {"period"}, {"restriction", "period"}} {
		start := r.str(append(p, "start")...)
		end := r.str(append(p, "end")...)
		if start != "" || end != "" {
			return start + ".." + end
		}
	}
	return ""
}

// Subject is the patient reference: subject, or Task.for.
func (r *Resource) Subject() string {
	if s := r.str("subject", "reference"); s != "" {
		return s
	}
	return r.str("for", "reference")
}

// Score is a MeasureReport's group[0].measureScore.value ("" when absent).
func (r *Resource) Score() string {
	gs, _ := r.JSON["group"].([]any)
	if len(gs) == 0 {
		return ""
	}
	g, _ := gs[0].(map[string]any)
	ms, _ := g["measureScore"].(map[string]any)
	switch v := ms["value"].(type) {
	case json.Number:
		return v.String()
	}
	return ""
}

// Measure is a MeasureReport's measure canonical.
func (r *Resource) Measure() string { return r.str("measure") }

// Tagged says whether meta.tag holds system|code.
func (r *Resource) Tagged(system, code string) bool {
	meta, _ := r.JSON["meta"].(map[string]any)
	tags, _ := meta["tag"].([]any)
	for _, t := range tags {
		m, _ := t.(map[string]any)
		if m["system"] == system && m["code"] == code {
			return true
		}
	}
	return false
}
