package api

import (
	"encoding/json"
	"sort"
	"time"
)

// groupBundle is a Group's full answer: every member's resources in member
// order, then one OperationOutcome with every member's issues and failures.
func groupBundle(rows []memberResult, now time.Time) ([]byte, error) {
	b := newBundle(now)
	var issues []json.RawMessage
	for _, r := range rows {
		if r.err != nil {
			issues = append(issues, memberIssue(r.id, r.err))
			continue
		}
		for _, res := range r.out.Resources {
			b.add(res.JSON)
		}
		is, err := outcomeIssues(r.out, "Patient/"+r.id)
		if err != nil {
			return nil, err
		}
		issues = append(issues, is...)
	}
	if err := b.addOutcome(issues); err != nil {
		return nil, err
	}
	return b.marshal()
}

// parameter is one Parameters.parameter of the summary.
type parameter struct {
	Name         string      `json:"name"`
	ValueInteger *int        `json:"valueInteger,omitempty"`
	ValueBoolean *bool       `json:"valueBoolean,omitempty"`
	Part         []parameter `json:"part,omitempty"`
}

func intParam(name string, v int) parameter { return parameter{Name: name, ValueInteger: &v} }

// groupSummary is the answer for a group larger than GroupBundleLimit: a
// Parameters of counts (patients, evaluated, notEvaluated, failed, issues,
// written, resources by type) and an OperationOutcome naming each patient
// that failed or was not evaluated. With write=true the resources are on the
// FHIR server or in the output folder; the summary does not repeat them.
func groupSummary(rows []memberResult, write bool, now time.Time) ([]byte, error) {
	var evaluated, notEvaluated, failed, issueCount int
	byType := map[string]int{}
	var issues []json.RawMessage
	for _, r := range rows {
		switch {
		case r.err != nil:
			failed++
			issues = append(issues, memberIssue(r.id, r.err))
			continue
		case r.notEvaluated != "":
			notEvaluated++
			issues = append(issues, mustJSON(issue{Severity: "warning", Code: "incomplete",
				Diagnostics: prefixed("Patient/"+r.id, "not evaluated: "+r.notEvaluated)}))
		default:
			evaluated++
		}
		issueCount += r.issues
		for t, n := range r.resources {
			byType[t] += n
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	resources := parameter{Name: "resources"}
	for _, t := range types {
		resources.Part = append(resources.Part, intParam(t, byType[t]))
	}
	params := []parameter{
		intParam("patients", len(rows)),
		intParam("evaluated", evaluated),
		intParam("notEvaluated", notEvaluated),
		intParam("failed", failed),
		intParam("issues", issueCount),
		{Name: "written", ValueBoolean: &write},
	}
	if len(resources.Part) > 0 {
		params = append(params, resources)
	}
	summary, err := json.Marshal(struct {
		ResourceType string      `json:"resourceType"`
		Parameter    []parameter `json:"parameter"`
	}{"Parameters", params})
	if err != nil {
		return nil, err
	}
	b := newBundle(now)
	b.add(summary)
	if err := b.addOutcome(issues); err != nil {
		return nil, err
	}
	return b.marshal()
}
