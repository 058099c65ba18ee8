package fhirmap

import (
	"strings"
	"unicode/utf8"
)

// OperationOutcome carries a server's issues. Unlike Issue messages, its
// texts are the server's own and may contain anything; surface them to the
// user who made the request, never to logs.
type OperationOutcome struct {
	ID     string         `json:"id,omitempty"`
	Issues []OutcomeIssue `json:"issues"`
}

// OutcomeIssue is one OperationOutcome.issue.
type OutcomeIssue struct {
	Severity    string `json:"severity"`
	Code        string `json:"code"`
	Details     string `json:"details,omitempty"` // details.text
	Diagnostics string `json:"diagnostics,omitempty"`
	// Expression holds issue.expression, or else the deprecated
	// issue.location, which some servers still send.
	Expression []string `json:"expression,omitempty"`
}

// ResourceType implements Resource.
func (*OperationOutcome) ResourceType() string { return "OperationOutcome" }

// ResourceID implements Resource.
func (o *OperationOutcome) ResourceID() string { return o.ID }

// operationOutcome decodes the OperationOutcome at the current position.
func (d *decoder) operationOutcome() Resource {
	const T = "OperationOutcome"
	s := &d.s
	from := len(d.issues)
	o := &OperationOutcome{Issues: []OutcomeIssue{}}
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			o.ID = d.softID(T + ".id")
		case "issue":
			d.array(T+".issue", SeverityWarning, func(int) {
				var is OutcomeIssue
				d.object(T+".issue", SeverityWarning, func(k []byte) {
					switch string(k) {
					case "severity":
						is.Severity = d.text(T + ".issue.severity")
					case "code":
						is.Code = d.text(T + ".issue.code")
					case "diagnostics":
						is.Diagnostics = d.text(T + ".issue.diagnostics")
					case "details":
						d.object(T+".issue.details", SeverityWarning, func(k []byte) {
							if string(k) == "text" {
								is.Details = d.text(T + ".issue.details.text")
								return
							}
							s.skip()
						})
					case "expression", "location":
						d.array(T+".issue."+string(k), SeverityWarning, func(int) {
							if v := d.text(T + ".issue.expression"); v != "" {
								is.Expression = append(is.Expression, v)
							}
						})
					default:
						s.skip()
					}
				})
				o.Issues = append(o.Issues, is)
			})
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	// An outcome is the server's message; a bad id does not make it unreadable.
	d.stamp(from, T, o.ID)
	return o
}

// text reads a string element kept as text, "" (reported) for another type.
// Invalid UTF-8 becomes U+FFFD, as encoding/json would make it.
func (d *decoder) text(path string) string {
	v, _ := d.str(path, SeverityWarning)
	if !utf8.Valid(v) {
		return strings.ToValidUTF8(string(v), "\uFFFD")
	}
	return string(v)
}

// softID reads the id of a resource whose id the adapter does not depend on
// (a Bundle, an OperationOutcome): a bad one is a warning and is dropped.
func (d *decoder) softID(path string) string {
	v, ok := d.s.strValue()
	if d.s.err != "" {
		return ""
	}
	if !ok || !readValidID(v) {
		d.issue(path, CodeInvalidID, SeverityWarning, "The resource id does not match the FHIR id syntax.")
		return ""
	}
	return string(v)
}
