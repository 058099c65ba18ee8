package fhirmap

import (
	"bytes"
	"fmt"
	"sync"
)

// Resource is one decoded input resource: *Observation, *Communication,
// *Patient, *Encounter, *EpisodeOfCare, *ChargeItem, *Coverage, *Condition,
// *Consent, *Group, *Bundle or *OperationOutcome.
type Resource interface {
	ResourceType() string
	ResourceID() string
}

// Coding is a system and code pair.
type Coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// Options configure a Reader. The zero value is usable.
type Options struct {
	// Canonical is the base of everything the product defines; "" means
	// DefaultCanonical.
	Canonical string
	// RPMEpisodeCodings are EpisodeOfCare.type codings that mark an RPM
	// episode in addition to <canonical>/CodeSystem/program#rpm (R-PER-2).
	RPMEpisodeCodings []Coding
	// MaxLineBytes bounds one NDJSON line; longer lines are reported as
	// line-too-long and skipped. 0 means 16 MiB.
	MaxLineBytes int
	// MaxBundleBytes bounds a Bundle read from a stream. 0 means 256 MiB.
	MaxBundleBytes int64
	// MaxDepth bounds JSON nesting; deeper input is reported as too-deep.
	// 0 means 512.
	MaxDepth int
	// Strict additionally validates every input resource in full with
	// google/fhir's R4 validating unmarshaller and reports what it finds as
	// strict-invalid warnings. It is slow (tens of times slower than the
	// decoder) and meant for test harnesses, never the hot path. Strict
	// findings never change what is decoded.
	Strict bool
}

// Defaults of Options.
const (
	DefaultMaxLineBytes   = 16 << 20
	DefaultMaxBundleBytes = 256 << 20
	DefaultMaxDepth       = 512
)

// Reader decodes FHIR R4 JSON into the small structs the rules need
// (fhir-mapping.md §1). It is safe for concurrent use.
//
// It reads only the elements the rules use, and checks those strictly: the
// R4 dateTime and instant syntax and precision, required status codes,
// literal reference shapes, UCUM duration units. Every other element is
// skipped unread (its JSON syntax is still checked) and never rejected. A
// resource that cannot be used is skipped with an error Issue; one used in
// part comes with a warning Issue. Issue messages are fixed texts, never
// values from the input.
//
// Decoding is a single pass over the bytes with a hand-written tokenizer
// (read_scan.go): no reflection, no intermediate maps, about four small
// allocations per Observation.
type Reader struct {
	opts         Options
	durationExt  string
	programSys   string
	generatedSys string
	identifier   string
	rpmCodings   []Coding
	zones        sync.Map // IANA name → *time.Location, valid names only
	strict       *strictValidator
}

// NewReader returns a Reader for opts.
func NewReader(opts Options) (*Reader, error) {
	if opts.Canonical == "" {
		opts.Canonical = DefaultCanonical
	}
	if opts.MaxLineBytes < 0 || opts.MaxBundleBytes < 0 || opts.MaxDepth < 0 {
		return nil, fmt.Errorf("fhirmap: negative reader limit")
	}
	if opts.MaxLineBytes == 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.MaxBundleBytes == 0 {
		opts.MaxBundleBytes = DefaultMaxBundleBytes
	}
	if opts.MaxDepth == 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	r := &Reader{
		opts:         opts,
		durationExt:  Canonical(opts.Canonical, PathDurationExt),
		programSys:   Canonical(opts.Canonical, PathProgramSystem),
		generatedSys: Canonical(opts.Canonical, PathGeneratedTagSys),
		identifier:   Canonical(opts.Canonical, PathIdentifier),
	}
	r.rpmCodings = append([]Coding{{System: r.programSys, Code: ProgramRPMCode}}, opts.RPMEpisodeCodings...)
	if opts.Strict {
		v, err := newStrictValidator()
		if err != nil {
			return nil, err
		}
		r.strict = v
	}
	return r, nil
}

var defaultReader = func() *Reader {
	r, err := NewReader(Options{})
	if err != nil {
		panic(err) // cannot happen: the default options are valid
	}
	return r
}()

// Decode decodes one resource with the default options. See Reader.Decode.
func Decode(b []byte) (Resource, []Issue) { return defaultReader.Decode(b) }

// Decode decodes one JSON resource of any supported type. The result is nil
// when the resource was skipped; the issues say why. A non-nil result may
// still come with warnings about parts that were not used.
func (r *Reader) Decode(b []byte) (Resource, []Issue) {
	d := decoder{r: r}
	res := d.top(b)
	if r.strict != nil && d.s.err == "" {
		// Input that is not even JSON has nothing more to tell.
		d.issues = append(d.issues, r.strict.validate(b, res)...)
	}
	return res, d.issues
}

// decoder holds the state of one decode.
type decoder struct {
	r      *Reader
	s      scanner
	issues []Issue
	// owners[i] is the resource nesting level that raised issues[i]; level
	// is the current one (1 for a top-level resource).
	owners []int
	level  int
	// prefix roots issue paths inside a Bundle ("Bundle.entry[3].resource").
	prefix string
	// bundleDepth counts nested Bundles.
	bundleDepth int
	// refBase is the service base of the last literal reference read
	// when it was absolute, nil otherwise (see Group.MemberBases).
	refBase []byte
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// top decodes a whole document holding one resource.
func (d *decoder) top(b []byte) Resource {
	// A UTF-8 byte order mark is not JSON, but some servers and editors
	// write one; it carries no meaning, so it is dropped.
	b = bytes.TrimPrefix(b, utf8BOM)
	d.s.init(b, d.r.opts.MaxDepth)
	from := len(d.issues)
	var res Resource
	if c := d.s.peek(); c != '{' && c != 0 {
		d.s.skip()
		d.s.end()
		if d.s.err == "" {
			d.issue("", CodeNotAnObject, SeverityError, "The JSON value is not an object, so it is not a FHIR resource.")
			return nil
		}
	} else {
		res = d.resource()
		d.s.end()
	}
	if d.s.err != "" {
		typ := ""
		if res != nil {
			typ = res.ResourceType()
		}
		d.issues = append(d.issues[:from], syntaxIssue(d.s.err, typ))
		d.owners = append(d.owners[:from], 0)
		return nil
	}
	return res
}

func syntaxIssue(code, typ string) Issue {
	if code == CodeTooDeep {
		return Issue{ResourceType: typ, Code: CodeTooDeep, Severity: SeverityError,
			Message: "The JSON nests deeper than the configured limit; the resource was not read."}
	}
	return Issue{ResourceType: typ, Code: CodeMalformedJSON, Severity: SeverityError,
		Message: "The input is not valid JSON (bad syntax, truncated, or followed by other data)."}
}

// resource decodes the object at the current position by its resourceType.
func (d *decoder) resource() Resource {
	s := &d.s
	if s.peek() != '{' {
		if s.peek() == 0 {
			s.fail(CodeMalformedJSON)
			return nil
		}
		s.skip()
		d.issue("", CodeNotAnObject, SeverityError, "The JSON value is not an object, so it is not a FHIR resource.")
		return nil
	}
	typ, found := s.peekResourceType()
	if s.err != "" {
		return nil
	}
	d.level++
	defer func() { d.level-- }()
	switch string(typ) {
	case "Observation":
		return d.observation()
	case "Communication":
		return d.communication()
	case "Patient":
		return d.patient()
	case "Encounter":
		return d.encounter()
	case "EpisodeOfCare":
		return d.episodeOfCare()
	case "ChargeItem":
		return d.chargeItem()
	case "Coverage":
		return d.coverage()
	case "Condition":
		return d.condition()
	case "Consent":
		return d.consent()
	case "Group":
		return d.group()
	case "Bundle":
		return d.bundle()
	case "OperationOutcome":
		return d.operationOutcome()
	}
	from := len(d.issues)
	if !found {
		d.issue("", CodeMissingResourceType, SeverityError, "The object has no resourceType string.")
	} else {
		d.issue("", CodeUnknownResourceType, SeverityInformation, "The adapter does not read this resource type; it was skipped.")
		if readValidTypeName(typ) {
			d.stamp(from, string(typ), "")
		}
	}
	s.skip()
	return nil
}

// id reads Resource.id.
func (d *decoder) id(path string) string { return string(d.idBytes(path)) }

// idBytes reads Resource.id; nil when it is not a valid id (reported).
func (d *decoder) idBytes(path string) []byte {
	v, ok := d.s.strValue()
	if d.s.err != "" {
		return nil
	}
	if !ok || !readValidID(v) {
		d.issue(path, CodeInvalidID, SeverityError, "The resource id does not match the FHIR id syntax.")
		return nil
	}
	return v
}

// finish applies what every resource needs: an id (the evidence reference
// and the deduplication key depend on it), then stamps the issues.
func (d *decoder) finish(from int, typ, id string, idSeen bool) bool {
	if id == "" && !idSeen {
		d.issue(typ, CodeMissingID, SeverityError, "The resource has no id.")
	}
	d.stamp(from, typ, id)
	return !d.skipped(from)
}
