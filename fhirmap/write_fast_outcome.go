package fhirmap

// encOutcome is the fast encoder's OperationOutcome (write_outcome.go):
// the notes, then the issues; subject "" leaves out the subject extension.
func (w *Writer) encOutcome(id, subject string, issues []Issue, notes []Note) ([]byte, error) {
	if subject != "" && !validString(subject) {
		return nil, validationError("OperationOutcome", errFastString)
	}
	for _, n := range notes {
		if err := checkIssue(n.Code, n.Message, "", ""); err != nil {
			return nil, validationError("OperationOutcome", err)
		}
	}
	for _, is := range issues {
		if err := checkIssue(is.Code, is.Message, issueWhere(is), is.Path); err != nil {
			return nil, validationError("OperationOutcome", err)
		}
	}
	issueSys := Canonical(w.canonical, PathIssueSystem)
	return encode(func(b []byte, _ *encOpts) []byte {
		b = append(b, '{')
		if subject != "" {
			b = append(b, `"extension":[`...)
			b = (*encOpts)(nil).appendExtRef(b, Canonical(w.canonical, PathExtSubject), subject)
			b = append(b, `],`...)
		}
		b = append(b, `"id":`...)
		b = appendJSONString(b, id)
		b = append(b, `,"issue":[`...)
		first := true
		for _, n := range notes {
			b = appendIssue(b, &first, issueSys, n.Severity, n.Code, n.Message, "", "")
		}
		for _, is := range issues {
			b = appendIssue(b, &first, issueSys, is.Severity, is.Code, is.Message, issueWhere(is), is.Path)
		}
		b = append(b, `],"meta":{"tag":[`...)
		b = appendCoding(b, w.tagSystem, GeneratedTagCode)
		return append(b, `]},"resourceType":"OperationOutcome"}`...)
	}, nil), nil
}

func checkIssue(code, msg, where, path string) error {
	if !validCode(code) {
		return errFastCode
	}
	if !validString(msg) || !validString(where) || !validString(path) {
		return errFastString
	}
	return nil
}

func appendIssue(b []byte, first *bool, system string, sev Severity, code, msg, where, path string) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = append(b, `{"code":`...)
	switch sev {
	case SeverityError:
		b = append(b, `"invalid"`...)
	case SeverityWarning:
		b = append(b, `"processing"`...)
	default:
		b = append(b, `"informational"`...)
	}
	b = append(b, `,"details":{"coding":[`...)
	b = appendCoding(b, system, code)
	b = append(b, `],"text":`...)
	b = appendJSONString(b, msg)
	b = append(b, '}')
	if where != "" {
		b = append(b, `,"diagnostics":`...)
		b = appendJSONString(b, where)
	}
	if path != "" {
		b = append(b, `,"expression":[`...)
		b = appendJSONString(b, path)
		b = append(b, ']')
	}
	b = append(b, `,"severity":`...)
	switch sev {
	case SeverityError:
		b = append(b, `"error"`...)
	case SeverityWarning:
		b = append(b, `"warning"`...)
	default:
		b = append(b, `"information"`...)
	}
	return append(b, '}')
}
