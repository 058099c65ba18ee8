package fhirmap

import "bytes"

// refKind classifies a Reference element.
type refKind uint8

const (
	refNone      refKind = iota // no reference, identifier or display at all
	refLiteral                  // Type/id, absolute …/Type/id, optionally /_history/v
	refContained                // "#x": a contained resource, no server id
	refURN                      // "urn:uuid:…" / "urn:oid:…": resolvable only inside its Bundle
	refLogical                  // identifier or display only
	refBad                      // anything else (a search URL, a malformed id …)
)

// parseRef splits a literal reference into its type and id. It accepts the
// shapes FHIR R4 allows for a resolved reference:
//
//	Patient/123
//	Patient/123/_history/2
//	https://server/base/Patient/123
//	https://server/base/Patient/123/_history/2
//
// The type must look like a resource type and the id must match the R4 id
// syntax [A-Za-z0-9\-\.]{1,64}; a conditional reference (with '?') is not a
// literal reference.
func parseRef(b []byte) (typ, id []byte, kind refKind) {
	switch {
	case len(b) == 0:
		return nil, nil, refBad
	case b[0] == '#':
		return nil, nil, refContained
	case bytes.HasPrefix(b, []byte("urn:")):
		return nil, nil, refURN
	case bytes.IndexByte(b, '?') >= 0:
		return nil, nil, refBad
	}
	if h := bytes.LastIndex(b, []byte("/_history/")); h >= 0 {
		if !readValidID(b[h+len("/_history/"):]) {
			return nil, nil, refBad
		}
		b = b[:h]
	}
	j := bytes.LastIndexByte(b, '/')
	if j < 0 {
		return nil, nil, refBad
	}
	id = b[j+1:]
	rest := b[:j]
	k := bytes.LastIndexByte(rest, '/')
	typ = rest[k+1:]
	if !readValidID(id) || !readValidTypeName(typ) {
		return nil, nil, refBad
	}
	if k >= 0 && !refAbsoluteBase(rest[:k+1]) {
		return nil, nil, refBad
	}
	return typ, id, refLiteral
}

// refAbsoluteBase accepts "scheme://host…/" as the base of an absolute reference.
func refAbsoluteBase(p []byte) bool {
	i := bytes.Index(p, []byte("://"))
	if i <= 0 || len(p) <= i+3 || p[i+3] == '/' { // a host is required
		return false
	}
	for n, c := range p[:i] {
		isLetter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !isLetter && (n == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	for _, c := range p[i+3:] {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// readValidID checks the R4 id syntax [A-Za-z0-9\-\.]{1,64}, and refuses
// ids made only of dots: the syntax admits "." and "..", which every URL
// resolver turns into the current or parent path (Patient/.. is the
// server's base), so no such id can name a resource.
func readValidID(b []byte) bool {
	if len(b) == 0 || len(b) > 64 {
		return false
	}
	dots := true
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
		dots = dots && c == '.'
	}
	return !dots
}

// refBase is the service base of an absolute literal reference
// ("https://h/fhir/" of "https://h/fhir/Patient/1/_history/2"), nil for a
// relative one. parseRef must have accepted b.
func refBase(b []byte) []byte {
	if h := bytes.LastIndex(b, []byte("/_history/")); h >= 0 {
		b = b[:h]
	}
	j := bytes.LastIndexByte(b, '/')
	if j < 0 {
		return nil
	}
	k := bytes.LastIndexByte(b[:j], '/')
	if k < 0 {
		return nil
	}
	return b[:k+1]
}

// readValidTypeName checks the shape of a resource type name: an upper-case
// letter followed by letters, at most 64 bytes.
func readValidTypeName(b []byte) bool {
	if len(b) < 2 || len(b) > 64 || b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	for _, c := range b[1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// reference reads a Reference element. display and identifier only count to
// tell a logical reference from an empty one.
func (d *decoder) reference() (typ, id []byte, kind refKind, isObject bool) {
	s := &d.s
	if !s.begin('{') {
		s.skip()
		return nil, nil, refNone, false
	}
	kind = refNone
	var raw []byte
	hasRaw := false
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "reference":
			if v, ok := s.strValue(); ok {
				raw, hasRaw = v, true
			} else {
				hasRaw, kind = true, refBad
			}
		case "identifier", "display":
			if kind == refNone {
				kind = refLogical
			}
			s.skip()
		default:
			s.skip()
		}
	}
	d.refBase = nil
	if hasRaw && raw != nil {
		typ, id, kind = parseRef(raw)
		if kind == refLiteral {
			d.refBase = refBase(raw)
		}
	} else if hasRaw {
		kind = refBad
	}
	return typ, id, kind, true
}

// patientRef reads a reference that must name a Patient and returns the
// patient id. Any other outcome is reported at path with severity sev and
// yields "".
func (d *decoder) patientRef(path string, sev Severity) string {
	typ, id, kind, isObj := d.reference()
	if d.s.err != "" {
		return ""
	}
	if !isObj {
		d.issue(path, CodeInvalidType, sev, "The reference is not a JSON object.")
		return ""
	}
	switch kind {
	case refLiteral:
		if string(typ) != "Patient" {
			d.issue(path, CodeNotPatient, sev, "The reference names a resource type other than Patient.")
			return ""
		}
		return string(id)
	case refNone:
		d.issue(path, CodeMissingSubject, sev, "The reference has no reference, identifier or display.")
	case refContained:
		d.issue(path, CodeUnresolvable, sev, "The reference points to a contained resource, which has no patient id on the server.")
	case refURN:
		d.issue(path, CodeUnresolvable, sev, "The reference is a urn: reference, which cannot be resolved outside its Bundle.")
	case refLogical:
		d.issue(path, CodeUnresolvable, sev, "The reference has only an identifier or a display; the adapter needs a literal Patient reference.")
	default:
		d.issue(path, CodeBadReference, sev, "The reference is not of the form Patient/[id] or [base]/Patient/[id].")
	}
	return ""
}

// typedRef reads a reference that must name resource type want and returns
// "Type/id" normalised (base URL and version dropped); "" with a warning at
// path otherwise.
func (d *decoder) typedRef(path, want string, sev Severity) string {
	typ, id, kind, isObj := d.reference()
	if d.s.err != "" {
		return ""
	}
	switch {
	case !isObj:
		d.issue(path, CodeInvalidType, sev, "The reference is not a JSON object.")
	case kind == refLiteral && string(typ) == want:
		return want + "/" + string(id)
	case kind == refLiteral:
		d.issue(path, CodeBadReference, sev, "The reference names an unexpected resource type.")
	case kind == refContained || kind == refURN || kind == refLogical:
		d.issue(path, CodeUnresolvable, sev, "The reference is not a literal reference to a resource on the server.")
	case kind == refNone:
		d.issue(path, CodeBadReference, sev, "The reference is empty.")
	default:
		d.issue(path, CodeBadReference, sev, "The reference is not of the form Type/[id] or [base]/Type/[id].")
	}
	return ""
}
