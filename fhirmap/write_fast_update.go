package fhirmap

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// The fast path of EnteredInError and CloseTask. The server's copy of a
// resource the adapter wrote is parsed into a small tree and accepted only
// if every element has the shape the adapter writes (the whitelist below:
// known keys, R4 codes, plain dates and instants in UTC, "Type/id"
// references of the types the element allows, integers in range, non-empty
// valid strings), which is what makes jsonformat's parse-and-marshal of it
// a pure re-sorting of keys. The update is then applied to the tree and the
// tree written with sorted keys. Anything else — someone else's resource, a
// final status, an element the adapter never writes, a value in another
// form — goes the reference way (readOwn, protos, fhirvalidate, jsonformat),
// which also gives the errors. The property test compares both paths.

type jkind uint8

const (
	jObj jkind = iota + 1
	jArr
	jStr
	jNum
	jBool
)

// jnode is one JSON value; objects keep their members in kids with keys.
type jnode struct {
	kind jkind
	s    string // string value, number text, "true"/"false"
	key  string // member name inside an object
	kids []jnode
}

// parseTree parses b into a tree, or ok false for invalid JSON, null,
// duplicate keys, empty containers or strings that are not clean UTF-8.
// Strings alias b (unsafe.String): the tree must not outlive b, and what is
// kept from it is cloned (finishTree). Children live in one arena, gathered
// on a stack while their container is parsed, so a resource costs a few
// allocations instead of one per value.
func parseTree(b []byte) (jnode, bool) {
	t := treeParser{arena: make([]jnode, 0, 64), stack: make([]jnode, 0, 24)}
	t.s.init(b, 12)
	n, ok := t.value()
	t.s.end()
	return n, ok && t.s.err == ""
}

type treeParser struct {
	s            scanner
	arena, stack []jnode
}

// cleanUTF8: valid UTF-8 without U+FFFD (a decoder's replacement, which the
// reference path might have made of something else).
func cleanUTF8(v []byte) bool {
	for _, c := range v {
		if c >= utf8.RuneSelf {
			return utf8.Valid(v) && !bytes.ContainsRune(v, utf8.RuneError)
		}
	}
	return true
}

func bytesString(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	return unsafe.String(&v[0], len(v))
}

// children moves the stack above mark into the arena.
func (t *treeParser) children(mark int) []jnode {
	kids := t.stack[mark:]
	if len(t.arena)+len(kids) > cap(t.arena) {
		t.arena = make([]jnode, 0, max(2*cap(t.arena), len(kids)))
	}
	start := len(t.arena)
	t.arena = append(t.arena, kids...)
	t.stack = t.stack[:mark]
	return t.arena[start:len(t.arena):len(t.arena)]
}

func (t *treeParser) value() (jnode, bool) {
	s := &t.s
	switch c := s.peek(); {
	case c == '"':
		v := s.str()
		if s.err != "" || len(v) == 0 || !cleanUTF8(v) {
			return jnode{}, false
		}
		return jnode{kind: jStr, s: bytesString(v)}, true
	case c == '{':
		if !s.begin('{') {
			return jnode{}, false
		}
		mark := len(t.stack)
		for first := true; s.next('}', &first); {
			k := bytesString(s.key())
			if s.err != "" {
				return jnode{}, false
			}
			for i := mark; i < len(t.stack); i++ {
				if t.stack[i].key == k {
					return jnode{}, false
				}
			}
			v, ok := t.value()
			if !ok {
				return jnode{}, false
			}
			v.key = k
			t.stack = append(t.stack, v)
		}
		if s.err != "" || len(t.stack) == mark {
			return jnode{}, false
		}
		return jnode{kind: jObj, kids: t.children(mark)}, true
	case c == '[':
		if !s.begin('[') {
			return jnode{}, false
		}
		mark := len(t.stack)
		for first := true; s.next(']', &first); {
			v, ok := t.value()
			if !ok {
				return jnode{}, false
			}
			t.stack = append(t.stack, v)
		}
		if s.err != "" || len(t.stack) == mark {
			return jnode{}, false
		}
		return jnode{kind: jArr, kids: t.children(mark)}, true
	case c == 't' || c == 'f':
		v, ok := s.boolValue()
		if !ok {
			return jnode{}, false
		}
		if v {
			return jnode{kind: jBool, s: "true"}, true
		}
		return jnode{kind: jBool, s: "false"}, true
	case c == '-' || (c >= '0' && c <= '9'):
		v := s.number()
		return jnode{kind: jNum, s: bytesString(v)}, s.err == ""
	}
	return jnode{}, false
}

func (n *jnode) get(key string) *jnode {
	for i := range n.kids {
		if n.kids[i].key == key {
			return &n.kids[i]
		}
	}
	return nil
}

func (n *jnode) del(key string) {
	n.kids = slices.DeleteFunc(n.kids, func(k jnode) bool { return k.key == key })
}

func (n *jnode) set(key string, v jnode) {
	v.key = key
	if p := n.get(key); p != nil {
		*p = v
		return
	}
	n.kids = append(n.kids, v)
}

func jstr(s string) jnode { return jnode{kind: jStr, s: s} }

// appendTree writes n with every object's keys sorted (jsonformat's order).
func appendTree(b []byte, n *jnode) []byte {
	switch n.kind {
	case jStr:
		return appendJSONString(b, n.s)
	case jNum, jBool:
		return append(b, n.s...)
	case jArr:
		b = append(b, '[')
		for i := range n.kids {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTree(b, &n.kids[i])
		}
		return append(b, ']')
	}
	slices.SortFunc(n.kids, func(x, y jnode) int { return strings.Compare(x.key, y.key) })
	b = append(b, '{')
	for i := range n.kids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, n.kids[i].key)
		b = append(b, ':')
		b = appendTree(b, &n.kids[i])
	}
	return append(b, '}')
}

// Shapes: what an element may look like to stay on the fast path.

type shape struct {
	kind   jkind
	str    func(string) bool // jStr
	fields map[string]*shape // jObj: the members allowed
	need   []string          // jObj: members required
	one    []string          // jObj: exactly one of these (a value[x])
	elem   *shape            // jArr
}

func (sh *shape) match(n *jnode) bool {
	if n.kind != sh.kind {
		return false
	}
	switch n.kind {
	case jStr:
		return validString(n.s) && (sh.str == nil || sh.str(n.s))
	case jNum:
		return sh.str(n.s)
	case jArr:
		for i := range n.kids {
			if !sh.elem.match(&n.kids[i]) {
				return false
			}
		}
		return true
	case jObj:
		for i := range n.kids {
			f := sh.fields[n.kids[i].key]
			if f == nil || !f.match(&n.kids[i]) {
				return false
			}
		}
		for _, k := range sh.need {
			if n.get(k) == nil {
				return false
			}
		}
		if sh.one != nil {
			c := 0
			for _, k := range sh.one {
				if n.get(k) != nil {
					c++
				}
			}
			if c != 1 {
				return false
			}
		}
	}
	return true
}

func sStr(f func(string) bool) *shape { return &shape{kind: jStr, str: f} }
func sArr(e *shape) *shape            { return &shape{kind: jArr, elem: e} }
func sObj(fields map[string]*shape, need ...string) *shape {
	return &shape{kind: jObj, fields: fields, need: need}
}

func oneOf(vs ...string) func(string) bool {
	return func(s string) bool { return slices.Contains(vs, s) }
}

func plainURI(s string) bool {
	rest, simple := s, false
	for _, p := range [...]string{"https://", "http://"} {
		if strings.HasPrefix(s, p) {
			rest, simple = s[len(p):], true
			break
		}
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '-' || c == '_') {
			simple = false
		}
	}
	if simple { // http(s)://host/path of letters, digits and /._- always parses
		return true
	}
	_, err := url.Parse(s)
	return err == nil
}

// plainID: the FHIR id type [A-Za-z0-9\-.]{1,64} (idPattern, without the regexp).
func plainID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// plainDate: YYYY-MM-DD, a real date.
func plainDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// plainInstant: YYYY-MM-DDThh:mm:ssZ, as the adapter writes them.
func plainInstant(s string) bool {
	if len(s) != 20 || s[19] != 'Z' {
		return false
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// anyInstant: an instant in any form jsonformat reads (only meta.lastUpdated,
// which is dropped).
func anyInstant(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && len(s) >= 20
}

// plainInt: an integer without sign tricks, leading zeros or exponent.
func plainInt(s string) bool {
	t := strings.TrimPrefix(s, "-")
	if t == "" || (t[0] == '0' && (len(t) > 1 || len(s) != len(t))) || len(t) > 18 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

func int32Text(s string) bool {
	if !plainInt(s) || len(s) > 11 {
		return false
	}
	n := 0
	neg := s[0] == '-'
	for _, c := range strings.TrimPrefix(s, "-") {
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n >= -1<<31 && n < 1<<31
}

// refTo: a literal reference "Type/id" to one of types (any type for none).
func refTo(types ...string) *shape {
	return sObj(map[string]*shape{"reference": sStr(func(s string) bool {
		typ, id, ok := strings.Cut(s, "/")
		if !ok || !plainID(id) || typ == "" || typ[0] < 'A' || typ[0] > 'Z' {
			return false
		}
		for i := 0; i < len(typ); i++ {
			if c := typ[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
		return len(types) == 0 || slices.Contains(types, typ)
	})}, "reference")
}

var (
	shCoding  = sObj(map[string]*shape{"system": sStr(plainURI), "code": sStr(validCode)}, "system", "code")
	shConcept = sObj(map[string]*shape{"coding": sArr(shCoding)}, "coding")
	shMeta    = sObj(map[string]*shape{
		"versionId": sStr(plainID), "lastUpdated": sStr(anyInstant), "source": sStr(plainURI),
		"profile": sArr(sStr(plainURI)), "tag": sArr(shCoding),
	}, "tag")
	shExtension = &shape{kind: jObj, fields: map[string]*shape{
		"url": sStr(plainURI), "valueCode": sStr(validCode), "valueDate": sStr(plainDate),
	}, need: []string{"url"}, one: []string{"valueCode", "valueDate"}}
	shIdentifier = sObj(map[string]*shape{"system": sStr(plainURI), "value": sStr(nil)}, "system", "value")
	shPeriod     = sObj(map[string]*shape{"start": sStr(plainDate), "end": sStr(plainDate)}, "start", "end")
	shNote       = sObj(map[string]*shape{"text": sStr(nil), "time": sStr(plainInstant)}, "text")

	shChargeItem = sObj(map[string]*shape{
		"resourceType": sStr(oneOf(TypeChargeItem)), "id": sStr(plainID), "meta": shMeta,
		"extension": sArr(shExtension), "identifier": sArr(shIdentifier),
		"status":  sStr(oneOf("planned", "billable", "not-billable", "aborted", "billed", "entered-in-error", "unknown")),
		"code":    shConcept,
		"subject": refTo("Patient", "Group"), "occurrencePeriod": shPeriod,
		"quantity":    sObj(map[string]*shape{"value": {kind: jNum, str: plainInt}}, "value"),
		"enteredDate": sStr(plainInstant), "supportingInformation": sArr(refTo()),
		"performer": sArr(sObj(map[string]*shape{"actor": refTo("Practitioner", "PractitionerRole", "Organization",
			"CareTeam", "Patient", "Device", "RelatedPerson")}, "actor")),
		"performingOrganization": refTo("Organization"),
		"enterer":                refTo("Practitioner", "PractitionerRole", "Organization", "Patient", "Device", "RelatedPerson"),
		"note":                   sArr(shNote),
	}, "resourceType", "id", "meta", "status", "code", "subject")

	shTaskInput = &shape{kind: jObj, fields: map[string]*shape{
		"type": shConcept, "valueInteger": {kind: jNum, str: int32Text}, "valueBoolean": {kind: jBool},
		"valueDate": sStr(plainDate),
	}, need: []string{"type"}, one: []string{"valueInteger", "valueBoolean", "valueDate"}}

	shTask = sObj(map[string]*shape{
		"resourceType": sStr(oneOf(TypeTask)), "id": sStr(plainID), "meta": shMeta,
		"extension": sArr(shExtension), "identifier": sArr(shIdentifier),
		"status": sStr(oneOf("draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
			"in-progress", "on-hold", "failed", "completed", "entered-in-error")),
		"intent": sStr(oneOf("unknown", "proposal", "plan", "order", "original-order", "reflex-order",
			"filler-order", "instance-order", "option")),
		"code": shConcept, "description": sStr(nil), "focus": refTo(), "for": refTo(),
		"authoredOn": sStr(plainInstant), "lastModified": sStr(plainInstant),
		"requester": refTo("Device", "Organization", "Patient", "Practitioner", "PractitionerRole", "RelatedPerson"),
		"owner": refTo("Practitioner", "PractitionerRole", "Organization", "CareTeam", "HealthcareService",
			"Patient", "Device", "RelatedPerson"),
		"restriction":  sObj(map[string]*shape{"period": shPeriod}, "period"),
		"input":        sArr(shTaskInput),
		"statusReason": sObj(map[string]*shape{"text": sStr(nil)}, "text"),
	}, "resourceType", "id", "meta", "status", "intent")
)

// ownTree parses a server copy for the fast path: nil unless it fits sh and
// carries the adapter's generated tag.
func (w *Writer) ownTree(existing []byte, sh *shape) *jnode {
	if len(existing) > maxFHIRString {
		return nil
	}
	n, ok := parseTree(existing)
	if !ok || !sh.match(&n) {
		return nil
	}
	meta := n.get("meta")
	for _, t := range meta.get("tag").kids {
		if t.get("system").s == w.tagSystem && t.get("code").s == GeneratedTagCode {
			return &n
		}
	}
	return nil
}

// finishTree applies what takeVersion and ensureProfile do on the reference
// path and encodes the tree.
func (w *Writer) finishTree(n *jnode, typ string) *WriteResource {
	meta := n.get("meta")
	var version string
	if v := meta.get("versionId"); v != nil {
		version = strings.Clone(v.s)
	}
	meta.del("versionId")
	meta.del("lastUpdated")
	p := w.profileURL(typ)
	if prof := meta.get("profile"); prof == nil {
		meta.set("profile", jnode{kind: jArr, kids: []jnode{jstr(p)}})
	} else if !slices.ContainsFunc(prof.kids, func(k jnode) bool { return k.s == p }) {
		prof.kids = append(prof.kids, jstr(p))
	}
	sys := w.IdentifierSystem(typ)
	var ident Identifier
	if ids := n.get("identifier"); ids != nil {
		for _, id := range ids.kids {
			if id.get("system").s == sys {
				ident = Identifier{System: sys, Value: strings.Clone(id.get("value").s)}
				break
			}
		}
	}
	js := encode(func(b []byte, _ *encOpts) []byte { return appendTree(b, n) }, nil)
	return &WriteResource{ResourceType: typ, ID: strings.Clone(n.get("id").s), Identifier: ident, Version: version, JSON: js}
}

func instantNode(t time.Time) jnode {
	b := appendInstantStr(nil, t)
	return jstr(string(b[1 : len(b)-1]))
}

// enteredInErrorFast is EnteredInError's fast path; nil means "take the
// reference path".
func (w *Writer) enteredInErrorFast(existing []byte, now time.Time) *WriteResource {
	n := w.ownTree(existing, shChargeItem)
	if n == nil {
		return nil
	}
	if st := n.get("status").s; st == "billed" || st == "entered-in-error" {
		return nil
	}
	n.set("status", jstr("entered-in-error"))
	note := jnode{kind: jObj, kids: []jnode{{kind: jStr, key: "time", s: instantNode(now).s}, {kind: jStr, key: "text", s: withdrawNote}}}
	if notes := n.get("note"); notes != nil {
		notes.kids = append(notes.kids, note)
	} else {
		n.set("note", jnode{kind: jArr, kids: []jnode{note}})
	}
	return w.finishTree(n, TypeChargeItem)
}

// closeTaskFast is CloseTask's fast path; nil means "take the reference path".
func (w *Writer) closeTaskFast(existing []byte, outcome TaskOutcome, now time.Time) *WriteResource {
	n := w.ownTree(existing, shTask)
	if n == nil {
		return nil
	}
	switch n.get("status").s {
	case "completed", "cancelled", "failed", "rejected", "entered-in-error":
		return nil
	}
	if outcome == TaskCompleted {
		n.set("status", jstr("completed"))
	} else {
		n.set("status", jstr("cancelled"))
		n.set("statusReason", jnode{kind: jObj, kids: []jnode{{kind: jStr, key: "text", s: cancelReason}}})
	}
	n.set("lastModified", instantNode(now))
	return w.finishTree(n, TypeTask)
}
