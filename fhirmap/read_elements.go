package fhirmap

import "time"

// str reads a string element used by the rules; a wrong JSON type is
// reported at path.
func (d *decoder) str(path string, sev Severity) ([]byte, bool) {
	v, ok := d.s.strValue()
	if d.s.err != "" {
		return nil, false
	}
	if !ok {
		d.issue(path, CodeInvalidType, sev, "The element is not a JSON string.")
	}
	return v, ok
}

// codings calls fn for each coding of the CodeableConcept at the current
// position. A wrong JSON type is reported at path with severity sev.
func (d *decoder) codings(path string, sev Severity, fn func(system, code []byte)) {
	s := &d.s
	if !d.open('{', path, sev, "The element is not a CodeableConcept object.") {
		return
	}
	for first := true; s.next('}', &first); {
		if string(s.key()) != "coding" {
			s.skip()
			continue
		}
		if !d.open('[', path, sev, "CodeableConcept.coding is not an array.") {
			continue
		}
		for first := true; s.next(']', &first); {
			d.coding(path, sev, fn)
		}
	}
}

// coding reads one Coding object and calls fn with its system and code.
func (d *decoder) coding(path string, sev Severity, fn func(system, code []byte)) {
	s := &d.s
	if !d.open('{', path, sev, "A coding is not a JSON object.") {
		return
	}
	var system, code []byte
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "system":
			system, _ = d.str(path, sev)
		case "code":
			code, _ = d.str(path, sev)
		default:
			s.skip()
		}
	}
	if s.err == "" {
		fn(system, code)
	}
}

// concepts calls fn for each coding of each CodeableConcept of the array at
// the current position.
func (d *decoder) concepts(path string, sev Severity, fn func(system, code []byte)) {
	s := &d.s
	if !d.open('[', path, sev, "The element is not an array.") {
		return
	}
	for first := true; s.next(']', &first); {
		d.codings(path, sev, fn)
	}
}

// array calls fn for each element of the array at the current position.
// It returns false (having skipped the value) when it is not an array.
func (d *decoder) array(path string, sev Severity, fn func(i int)) bool {
	s := &d.s
	if !d.open('[', path, sev, "The element is not an array.") {
		return false
	}
	i := 0
	for first := true; s.next(']', &first); i++ {
		fn(i)
	}
	return true
}

// object calls fn for each member of the object at the current position.
// It returns false (having skipped the value) when it is not an object.
func (d *decoder) object(path string, sev Severity, fn func(key []byte)) bool {
	s := &d.s
	if !d.open('{', path, sev, "The element is not a JSON object.") {
		return false
	}
	for first := true; s.next('}', &first); {
		fn(s.key())
	}
	return true
}

// readMeta is what the adapter reads from Resource.meta.
type readMeta struct {
	versionID []byte
	htest     bool // meta.security v3-ActReason#HTEST
	generated bool // meta.tag <canonical>/CodeSystem/rpm-adapter#generated
}

// metaPaths are the issue paths of meta; constants, so that reading meta
// allocates nothing.
type metaPaths struct{ meta, versionID, security, tag string }

func (d *decoder) meta(p metaPaths) readMeta {
	var m readMeta
	d.object(p.meta, SeverityWarning, func(k []byte) {
		switch string(k) {
		case "versionId":
			m.versionID, _ = d.str(p.versionID, SeverityWarning)
		case "security":
			d.array(p.security, SeverityWarning, func(int) {
				d.coding(p.security, SeverityWarning, func(system, code []byte) {
					if string(system) == SystemActReason && string(code) == TestDataCode {
						m.htest = true
					}
				})
			})
		case "tag":
			d.array(p.tag, SeverityWarning, func(int) {
				d.coding(p.tag, SeverityWarning, func(system, code []byte) {
					if string(system) == d.r.generatedSys && string(code) == GeneratedTagCode {
						m.generated = true
					}
				})
			})
		default:
			d.s.skip()
		}
	})
	return m
}

// periodPaths are the issue paths of a Period (constants, see metaPaths).
type periodPaths struct{ self, start, end string }

// period reads a Period's start and end as dateTimes.
func (d *decoder) period(p periodPaths, sev Severity) (start, end When) {
	start, end = whenNone, whenNone
	d.object(p.self, sev, func(k []byte) {
		switch string(k) {
		case "start":
			start = d.dateTime(p.start, sev)
		case "end":
			end = d.dateTime(p.end, sev)
		default:
			d.s.skip()
		}
	})
	return start, end
}

// dateTime reads a dateTime element and reports a bad one at path.
func (d *decoder) dateTime(path string, sev Severity) When {
	v, ok := d.str(path, sev)
	if !ok {
		return whenNone
	}
	w, code := parseDateTime(v)
	if code != "" {
		d.issue(path, code, sev, dateTimeMessage(code))
	}
	return w
}

func dateTimeMessage(code string) string {
	switch code {
	case CodeNoOffset:
		return "The dateTime has a time but no UTC offset, which FHIR R4 does not allow; the local day cannot be known."
	case CodeImpreciseDate:
		return "The dateTime gives only a year or a month, so it cannot be placed on a day."
	}
	return "The value is not a valid FHIR dateTime."
}

// instantAt is a helper for elements that must be instants.
func (d *decoder) instant(path string, sev Severity) (time.Time, bool) {
	v, ok := d.str(path, sev)
	if !ok {
		return time.Time{}, false
	}
	t, code := parseInstant(v)
	if code != "" {
		msg := "The value is not a valid FHIR instant."
		if code == CodeNoOffset {
			msg = dateTimeMessage(code)
		}
		d.issue(path, code, sev, msg)
		return time.Time{}, false
	}
	return t, true
}

// isValueKeyName says whether a member name is a value[x] choice ("valueQuantity",
// "valueString" …): "value" followed by an upper-case letter.
func isValueKeyName(k []byte) bool {
	return len(k) > 5 && string(k[:5]) == "value" && k[5] >= 'A' && k[5] <= 'Z'
}

// extension reads one Extension object and returns its url and the input
// position of its member named want (a value[x]), -1 when absent. JSON does
// not promise that url comes first, so the value is found by position and
// decoded afterwards with revisit.
func (d *decoder) extension(path, want string) (url []byte, at int) {
	at = -1
	s := &d.s
	d.object(path, SeverityWarning, func(k []byte) {
		switch string(k) {
		case "url":
			url, _ = d.str(path+".url", SeverityWarning)
		case want:
			s.ws()
			at = s.i
			s.skip()
		default:
			s.skip()
		}
	})
	return url, at
}

// revisit decodes, with fn, the value at input position at, which skip has
// already checked, then returns to where the scan was.
func (d *decoder) revisit(at int, fn func()) {
	if d.s.err != "" {
		return
	}
	save := d.s.i
	d.s.i = at
	fn()
	if d.s.err == "" {
		d.s.i = save
	}
}

// open enters the object or array (delim) at the current position. When the
// JSON value there has another type, it is skipped and reported at path with
// severity sev and msg, and open returns false (also on a syntax error, which
// the scanner reports itself).
func (d *decoder) open(delim byte, path string, sev Severity, msg string) bool {
	s := &d.s
	if s.begin(delim) {
		return true
	}
	if s.err == "" {
		s.skip()
		d.issue(path, CodeInvalidType, sev, msg)
	}
	return false
}
