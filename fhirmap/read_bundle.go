package fhirmap

import (
	"fmt"
	"io"
	"strconv"
)

// Bundle is a Bundle page: a searchset, or the answer to a batch or
// transaction.
type Bundle struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type"`
	Total int    `json:"total"` // -1 when absent
	// Next is link[relation=next].url exactly as given ("" when none); the
	// client decides whether it may follow it (fhir-mapping.md §4).
	Next    string  `json:"next,omitempty"`
	Entries []Entry `json:"entries"`
}

// Entry is one Bundle entry. Entries keep their order, and an entry whose
// resource was skipped stays (with a nil Resource), because batch and
// transaction responses match requests by position.
type Entry struct {
	FullURL  string    `json:"fullUrl,omitempty"`
	Resource Resource  `json:"resource,omitempty"`
	Mode     string    `json:"mode,omitempty"` // search.mode: match, include, outcome
	Response *Response `json:"response,omitempty"`
}

// Response is Bundle.entry.response of a batch-response or
// transaction-response.
type Response struct {
	Status string `json:"status"` // as given, e.g. "201 Created"
	// Code is the HTTP status code that starts Status; 0 when Status does not
	// start with one (reported).
	Code     int               `json:"code"`
	Location string            `json:"location,omitempty"`
	ETag     string            `json:"etag,omitempty"`
	Outcome  *OperationOutcome `json:"outcome,omitempty"`
}

// ResourceType implements Resource.
func (*Bundle) ResourceType() string { return "Bundle" }

// ResourceID implements Resource.
func (b *Bundle) ResourceID() string { return b.ID }

// maxBundleNesting bounds Bundles inside Bundles (a batch-response may hold
// a searchset).
const maxBundleNesting = 4

// DecodeBundle decodes one Bundle with the default options. See
// Reader.DecodeBundle.
func DecodeBundle(b []byte) (*Bundle, []Issue) { return defaultReader.DecodeBundle(b) }

// DecodeBundle decodes a Bundle page. Entries that cannot be used are
// reported and kept with a nil Resource; one bad entry never loses the rest
// of the page. The Bundle is nil only when the input is not a readable
// Bundle at all (bad JSON, another resource type): a page that fails as a
// whole, which the caller must treat as a failed pull.
func (r *Reader) DecodeBundle(b []byte) (*Bundle, []Issue) {
	res, issues := r.Decode(b)
	if res == nil {
		return nil, issues
	}
	bundle, ok := res.(*Bundle)
	if !ok {
		return nil, append(issues, Issue{ResourceType: res.ResourceType(), ID: res.ResourceID(),
			Code: CodeUnexpectedType, Severity: SeverityError, Message: "A Bundle was expected but another resource type was found."})
	}
	return bundle, issues
}

// ReadBundle reads one Bundle from in with the default options. See
// Reader.ReadBundle.
func ReadBundle(in io.Reader) (*Bundle, []Issue, error) { return defaultReader.ReadBundle(in) }

// ReadBundle reads a Bundle from in, up to Options.MaxBundleBytes, and
// decodes it like DecodeBundle. The error is for I/O only; a body over the
// limit is a too-large issue.
func (r *Reader) ReadBundle(in io.Reader) (*Bundle, []Issue, error) {
	b, err := io.ReadAll(io.LimitReader(in, r.opts.MaxBundleBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("fhirmap: reading a Bundle: %w", err)
	}
	if int64(len(b)) > r.opts.MaxBundleBytes {
		return nil, []Issue{{ResourceType: "Bundle", Code: CodeTooLarge, Severity: SeverityError,
			Message: "The Bundle is larger than the configured limit; it was not read."}}, nil
	}
	bundle, issues := r.DecodeBundle(b)
	return bundle, issues, nil
}

// bundle decodes the Bundle at the current position.
func (d *decoder) bundle() Resource {
	const T = "Bundle"
	s := &d.s
	from := len(d.issues)
	if d.bundleDepth >= maxBundleNesting {
		s.skip()
		d.issue(T, CodeTooDeep, SeverityError, "Bundles are nested deeper than the adapter reads.")
		return nil
	}
	d.bundleDepth++
	defer func() { d.bundleDepth-- }()
	base := d.prefix
	if base == "" {
		base = T
	}
	b := &Bundle{Total: -1, Entries: []Entry{}}
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			b.ID = d.softID(T + ".id")
		case "type":
			b.Type = d.text(T + ".type")
		case "total":
			v, ok := s.numValue()
			n, err := strconv.Atoi(string(v))
			if (!ok || err != nil || n < 0) && s.err == "" {
				d.issue(T+".total", CodeInvalidType, SeverityWarning, "Bundle.total is not a non-negative integer.")
			} else {
				b.Total = n
			}
		case "link":
			d.array(T+".link", SeverityWarning, func(int) {
				var rel []byte
				url := ""
				d.object(T+".link", SeverityWarning, func(k []byte) {
					switch string(k) {
					case "relation":
						rel, _ = d.str(T+".link.relation", SeverityWarning)
					case "url":
						url = d.text(T + ".link.url")
					default:
						s.skip()
					}
				})
				if string(rel) == "next" && b.Next == "" && len(url) > 0 {
					b.Next = url
				}
			})
		case "entry":
			d.array(T+".entry", SeverityWarning, func(i int) {
				b.Entries = append(b.Entries, d.entry(base+".entry["+strconv.Itoa(i)+"]"))
			})
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	// A Bundle's own problems never skip it: its entries stand on their own.
	d.stamp(from, T, b.ID)
	return b
}

// entry decodes one Bundle.entry; path is its FHIRPath.
func (d *decoder) entry(path string) Entry {
	s := &d.s
	var e Entry
	saved := d.prefix
	d.object(path, SeverityWarning, func(k []byte) {
		switch string(k) {
		case "fullUrl":
			e.FullURL = d.text(path + ".fullUrl")
		case "resource":
			d.prefix = path + ".resource"
			e.Resource = d.resource()
			d.prefix = saved
		case "search":
			d.object(path+".search", SeverityWarning, func(k []byte) {
				if string(k) == "mode" {
					e.Mode = d.text(path + ".search.mode")
					return
				}
				s.skip()
			})
		case "response":
			e.Response = d.response(path + ".response")
		default:
			s.skip()
		}
	})
	d.prefix = saved
	return e
}

// response decodes Bundle.entry.response.
func (d *decoder) response(path string) *Response {
	s := &d.s
	r := &Response{}
	saved := d.prefix
	d.object(path, SeverityWarning, func(k []byte) {
		switch string(k) {
		case "status":
			r.Status = d.text(path + ".status")
		case "location":
			r.Location = d.text(path + ".location")
		case "etag":
			r.ETag = d.text(path + ".etag")
		case "outcome":
			d.prefix = path + ".outcome"
			if res := d.resource(); res != nil {
				if oo, ok := res.(*OperationOutcome); ok {
					r.Outcome = oo
				} else {
					d.issue(res.ResourceType(), CodeUnexpectedType, SeverityWarning, "response.outcome is not an OperationOutcome.")
				}
			}
			d.prefix = saved
		default:
			s.skip()
		}
	})
	r.Code = responseCode(r.Status)
	if r.Code == 0 && s.err == "" {
		// The prefix is the Bundle's; report against the entry.
		d.prefix = ""
		d.issue(path+".status", CodeInvalidHTTPStatus, SeverityWarning, "response.status does not start with a three-digit HTTP status code.")
		d.prefix = saved
	}
	return r
}

// responseCode returns the HTTP status code that starts s ("201 Created" → 201).
func responseCode(s string) int {
	if len(s) < 3 || (len(s) > 3 && s[3] != ' ') {
		return 0
	}
	n := 0
	for _, c := range []byte(s[:3]) {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	if n < 100 || n > 599 {
		return 0
	}
	return n
}
