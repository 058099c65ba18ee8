package api

import (
	"encoding/json"
	"errors"
	"sort"
	"time"
)

// memberLine is one member's part of a Group answer, the form a durable
// job stores between its members' runs (and the in-memory path goes
// through, so both answer the same). Full mode keeps the resources and
// issues; summary mode counts.
type memberLine struct {
	ID           string            `json:"id"`
	Failed       bool              `json:"failed,omitempty"`
	Broken       bool              `json:"broken,omitempty"` // its issues could not be read: the answer fails
	NotEvaluated string            `json:"not_evaluated,omitempty"`
	Resources    []json.RawMessage `json:"resources,omitempty"`
	Issues       []json.RawMessage `json:"issues,omitempty"`
	ByType       map[string]int    `json:"by_type,omitempty"`
	IssueCount   int               `json:"issue_count,omitempty"`
}

var errBrokenLine = errors.New("api: a member's outcome could not be read")

// lineOf is a member's line; summary is the mode the member was evaluated in.
func lineOf(r memberResult, summary bool) memberLine {
	l := memberLine{ID: r.id}
	switch {
	case r.err != nil:
		l.Failed = true
		l.Issues = []json.RawMessage{memberIssue(r.id, r.err)}
	case summary:
		l.NotEvaluated, l.ByType, l.IssueCount = r.notEvaluated, r.resources, r.issues
		if l.NotEvaluated != "" {
			l.Issues = []json.RawMessage{mustJSON(issue{Severity: "warning", Code: "incomplete",
				Diagnostics: prefixed("Patient/"+r.id, "not evaluated: "+r.notEvaluated)})}
		}
	default:
		for _, res := range r.out.Resources {
			l.Resources = append(l.Resources, res.JSON)
		}
		is, err := outcomeIssues(r.out, "Patient/"+r.id)
		if err != nil {
			l.Broken = true
		}
		l.Issues = is
	}
	return l
}

func linesOf(rows []memberResult, summary bool) []memberLine {
	lines := make([]memberLine, len(rows))
	for i, r := range rows {
		lines[i] = lineOf(r, summary)
	}
	return lines
}

// groupBundle is a Group's full answer: every member's resources in member
// order, then one OperationOutcome with every member's issues and failures.
func groupBundle(lines []memberLine, now time.Time, base string) ([]byte, error) {
	b := newBundle(now, base)
	var issues []json.RawMessage
	for _, l := range lines {
		if l.Broken {
			return nil, errBrokenLine
		}
		for _, res := range l.Resources {
			b.add(res)
		}
		issues = append(issues, l.Issues...)
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
func groupSummary(lines []memberLine, write bool, now time.Time, base string) ([]byte, error) {
	var evaluated, notEvaluated, failed, issueCount int
	byType := map[string]int{}
	var issues []json.RawMessage
	for _, l := range lines {
		switch {
		case l.Failed:
			failed++
			issues = append(issues, l.Issues...)
			continue
		case l.NotEvaluated != "":
			notEvaluated++
			issues = append(issues, l.Issues...)
		default:
			evaluated++
		}
		issueCount += l.IssueCount
		for t, n := range l.ByType {
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
		intParam("patients", len(lines)),
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
	b := newBundle(now, base)
	b.add(summary)
	if err := b.addOutcome(issues); err != nil {
		return nil, err
	}
	return b.marshal()
}
