package fhirmap

import (
	"fmt"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	oopb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/operation_outcome_go_proto"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Paths of the OperationOutcome the adapter writes for a patient's input
// issues (OperationOutcome.ndjson, and the API's warnings entry).
const (
	// PathExtSubject (valueReference) names the patient the issues are about:
	// OperationOutcome has no subject element of its own.
	PathExtSubject = PathExtension + "rpm-subject"
	// PathIssueSystem is the CodeSystem of the stable Issue codes.
	PathIssueSystem = "/CodeSystem/rpm-issue"
	// PrefixOperationOutcome prefixes the id of a patient's OperationOutcome.
	PrefixOperationOutcome = "rpm-oo"
)

// Note is one extra line of an OperationOutcome: a safe sentence with a
// stable code, e.g. "not-evaluated" / "no time zone".
type Note struct {
	Severity Severity
	Code     string
	Message  string
}

// OperationOutcome builds the OperationOutcome that lists what was skipped or
// only partly used for one patient, and any notes, or nil when there is
// nothing to say. Messages are the Issues' safe sentences; the only resource
// values it carries are the ids of the resources concerned (diagnostics).
// scope names the run (e.g. "2026-10") so that each run's outcome has its own
// deterministic id.
func (w *Writer) OperationOutcome(patientID, scope string, issues []Issue, notes []Note) ([]byte, error) {
	if len(issues) == 0 && len(notes) == 0 {
		return nil, nil
	}
	id := ResourceID(PrefixOperationOutcome, IdentifierValue(w.opts.Tenant, patientID, "issues", 0, rules.RuleSetID("scope:"+scope)))
	subject := "Patient/" + patientID
	if !w.opts.Strict {
		return w.encOutcome(id, subject, issues, notes)
	}
	oo := &oopb.OperationOutcome{
		Id:        wID(id),
		Meta:      w.wMeta(),
		Extension: []*dtpb.Extension{extRef(Canonical(w.canonical, PathExtSubject), subject)},
	}
	w.addOutcomeIssues(oo, issues, notes)
	res, err := w.finish("OperationOutcome", writeIdent{id: oo.Id.Value}, oo)
	if err != nil {
		return nil, err
	}
	return res.JSON, nil
}

// maxExportIssues bounds the issues listed one by one in an export-level
// OperationOutcome; the rest are counted.
const maxExportIssues = 1000

// ExportOutcome builds the OperationOutcome of the issues that belong to no
// patient (a malformed NDJSON line, a resource about a patient the export
// does not hold, a resource type the adapter does not read), or nil when
// there are none. Information-level issues (out of scope, nothing wrong) are
// counted per resource type and code instead of listed; errors and warnings
// are listed, up to a bound, then counted.
func (w *Writer) ExportOutcome(scope string, issues []Issue) ([]byte, error) {
	if len(issues) == 0 {
		return nil, nil
	}
	type key struct{ typ, code string }
	counts := map[key]int{}
	var order []key
	var listed []Issue
	var notes []Note
	more := 0
	for _, is := range issues {
		if is.Severity == SeverityInformation {
			k := key{is.ResourceType, is.Code}
			if counts[k] == 0 {
				order = append(order, k)
			}
			counts[k]++
			continue
		}
		if len(listed) < maxExportIssues {
			listed = append(listed, is)
		} else {
			more++
		}
	}
	for _, k := range order {
		what := k.typ
		if what == "" {
			what = "resources"
		}
		notes = append(notes, Note{Severity: SeverityInformation, Code: k.code,
			Message: fmt.Sprintf("%d %s not read (%s).", counts[k], what, k.code)})
	}
	if more > 0 {
		notes = append(notes, Note{Severity: SeverityWarning, Code: "more-issues",
			Message: fmt.Sprintf("%d more issues are not listed.", more)})
	}
	id := ResourceID(PrefixOperationOutcome, IdentifierValue(w.opts.Tenant, "", "export-issues", 0, rules.RuleSetID("scope:"+scope)))
	if !w.opts.Strict {
		return w.encOutcome(id, "", listed, notes)
	}
	oo := &oopb.OperationOutcome{
		Id:   wID(id),
		Meta: w.wMeta(),
	}
	w.addOutcomeIssues(oo, listed, notes)
	res, err := w.finish("OperationOutcome", writeIdent{id: oo.Id.Value}, oo)
	if err != nil {
		return nil, err
	}
	return res.JSON, nil
}

// addOutcomeIssues appends the notes, then the issues.
func (w *Writer) addOutcomeIssues(oo *oopb.OperationOutcome, issues []Issue, notes []Note) {
	issueSys := Canonical(w.canonical, PathIssueSystem)
	for _, n := range notes {
		oo.Issue = append(oo.Issue, &oopb.OperationOutcome_Issue{
			Severity: &oopb.OperationOutcome_Issue_SeverityCode{Value: severityCode(n.Severity)},
			Code:     &oopb.OperationOutcome_Issue_CodeType{Value: issueType(n.Severity)},
			Details:  &dtpb.CodeableConcept{Coding: []*dtpb.Coding{wCoding(issueSys, n.Code)}, Text: wString(n.Message)},
		})
	}
	for _, is := range issues {
		iss := &oopb.OperationOutcome_Issue{
			Severity: &oopb.OperationOutcome_Issue_SeverityCode{Value: severityCode(is.Severity)},
			Code:     &oopb.OperationOutcome_Issue_CodeType{Value: issueType(is.Severity)},
			Details:  &dtpb.CodeableConcept{Coding: []*dtpb.Coding{wCoding(issueSys, is.Code)}, Text: wString(is.Message)},
		}
		if d := issueWhere(is); d != "" {
			iss.Diagnostics = wString(d)
		}
		if is.Path != "" {
			iss.Expression = []*dtpb.String{wString(is.Path)}
		}
		oo.Issue = append(oo.Issue, iss)
	}
}

// issueWhere says which resource or NDJSON line an issue is about.
func issueWhere(is Issue) string {
	var s string
	if is.ResourceType != "" && is.ID != "" {
		s = is.ResourceType + "/" + is.ID
	} else if is.ResourceType != "" {
		s = is.ResourceType
	}
	if is.Line > 0 {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("(line %d)", is.Line)
	}
	return s
}

func severityCode(s Severity) cpb.IssueSeverityCode_Value {
	switch s {
	case SeverityError:
		return cpb.IssueSeverityCode_ERROR
	case SeverityWarning:
		return cpb.IssueSeverityCode_WARNING
	}
	return cpb.IssueSeverityCode_INFORMATION
}

func issueType(s Severity) cpb.IssueTypeCode_Value {
	switch s {
	case SeverityError:
		return cpb.IssueTypeCode_INVALID
	case SeverityWarning:
		return cpb.IssueTypeCode_PROCESSING
	}
	return cpb.IssueTypeCode_INFORMATIONAL
}
