package fhirmap

// scanner is a validating, allocation-free JSON tokenizer over one input.
//
// The typed decoders walk the few elements the rules use and skip the rest
// with skip, which still checks the syntax of everything it passes, so a
// resource is accepted only when the whole document is valid JSON. The first
// error stops the scan: err is set, the position jumps to the end, and every
// later call returns at once. Nothing here can panic on any input, and
// recursion is bounded by max (deep nesting is reported, never followed).
//
// Why not a reflection-based decoder: BenchmarkDecodeObservation decodes a
// 1.7 KB blood-pressure Observation into the same projection with
// encoding/json (about 7× slower) and goccy/go-json (about 1.5× slower, five
// times the allocations), and both still need the FHIR checks done here.
type scanner struct {
	b     []byte
	i     int
	depth int
	max   int
	err   string // "", CodeMalformedJSON or CodeTooDeep
}

func (s *scanner) init(b []byte, maxDepth int) {
	*s = scanner{b: b, max: maxDepth}
}

// fail records the first error and ends the scan.
func (s *scanner) fail(code string) {
	if s.err == "" {
		s.err = code
	}
	s.i = len(s.b)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next significant byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// begin consumes open ('{' or '[') when it is next. It returns false, and
// consumes nothing, when the next value is of another kind.
func (s *scanner) begin(open byte) bool {
	if s.peek() != open {
		return false
	}
	s.i++
	s.depth++
	if s.depth > s.max {
		s.fail(CodeTooDeep)
		return false
	}
	return true
}

// next advances to the next member (close '}') or element (close ']') of the
// container begun last, consuming the separating comma. It returns false at
// the end of the container, which it consumes, or on error.
func (s *scanner) next(close byte, first *bool) bool {
	if s.err != "" {
		return false
	}
	c := s.peek()
	if c == close {
		s.i++
		s.depth--
		return false
	}
	if *first {
		*first = false
		return true
	}
	if c != ',' {
		s.fail(CodeMalformedJSON)
		return false
	}
	s.i++
	if s.peek() == close { // trailing comma
		s.fail(CodeMalformedJSON)
		return false
	}
	return true
}

// key reads a member name and its colon.
func (s *scanner) key() []byte {
	if s.peek() != '"' {
		s.fail(CodeMalformedJSON)
		return nil
	}
	k := s.str()
	if s.peek() != ':' {
		s.fail(CodeMalformedJSON)
		return nil
	}
	s.i++
	return k
}

// end checks that nothing but white space follows the top-level value.
func (s *scanner) end() {
	if s.err == "" && s.peek() != 0 {
		s.fail(CodeMalformedJSON)
	}
	if s.err == "" && s.i != len(s.b) { // a NUL byte after the value
		s.fail(CodeMalformedJSON)
	}
}

// number reads a JSON number and returns its text.
func (s *scanner) number() []byte {
	b := s.b
	start := s.i
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.fail(CodeMalformedJSON)
		return nil
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.fail(CodeMalformedJSON)
			return nil
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.fail(CodeMalformedJSON)
			return nil
		}
	}
	s.i = i
	return b[start:i]
}

func (s *scanner) literal(lit string) {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return
	}
	s.fail(CodeMalformedJSON)
}

// skip passes over one value of any kind, checking its syntax.
func (s *scanner) skip() {
	switch c := s.peek(); {
	case c == '"':
		s.skipString()
	case c == '{':
		if !s.begin('{') {
			return
		}
		for first := true; s.next('}', &first); {
			s.key()
			s.skip()
		}
	case c == '[':
		if !s.begin('[') {
			return
		}
		for first := true; s.next(']', &first); {
			s.skip()
		}
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		s.number()
	default:
		s.fail(CodeMalformedJSON)
	}
}

// strValue returns the string value at the current position. When the value
// is of another JSON type it is skipped and ok is false.
func (s *scanner) strValue() (v []byte, ok bool) {
	if s.peek() != '"' {
		s.skip()
		return nil, false
	}
	v = s.str()
	return v, s.err == ""
}

// boolValue returns the boolean at the current position; ok is false (and
// the value skipped) for any other type.
func (s *scanner) boolValue() (v, ok bool) {
	switch s.peek() {
	case 't':
		s.literal("true")
		return true, s.err == ""
	case 'f':
		s.literal("false")
		return false, s.err == ""
	}
	s.skip()
	return false, false
}

// numValue returns the text of the number at the current position; ok is
// false (and the value skipped) for any other type.
func (s *scanner) numValue() (v []byte, ok bool) {
	c := s.peek()
	if c != '-' && (c < '0' || c > '9') {
		s.skip()
		return nil, false
	}
	v = s.number()
	return v, s.err == ""
}

// peekResourceType finds the resourceType of the object at the current
// position without consuming it. FHIR JSON usually puts resourceType first,
// so this is normally a few bytes of work.
func (s *scanner) peekResourceType() (typ []byte, found bool) {
	save, depth := s.i, s.depth
	if !s.begin('{') {
		return nil, false
	}
	for first := true; s.next('}', &first); {
		k := s.key()
		if string(k) == "resourceType" {
			typ, found = s.strValue()
			break
		}
		s.skip()
	}
	if s.err == "" {
		s.i, s.depth = save, depth
	}
	return typ, found
}
