package fhirmap

import (
	"errors"
	"fmt"
)

// fastBundle says whether the transaction can be spliced from the entries'
// JSON (and encoders), without protos: always unless Strict, or unless an
// entry the conditional mode must re-encode has no encoder.
func (w *Writer) fastBundle(entries []BundleEntry) bool {
	if w.opts.Strict {
		return false
	}
	for _, e := range entries {
		r := e.Resource
		if r == nil {
			continue // reported by the builder
		}
		if r.JSON == nil || (w.opts.Mode == ConditionalPut && r.Version == "" && r.enc == nil) {
			return false
		}
	}
	return true
}

// transactionBundleFast is TransactionBundleAt by splicing: the entries'
// JSON goes in as it is (in conditional mode re-encoded without the id and
// with references to the Bundle's entries pointing at their urns), byte
// for byte what the proto path marshals.
func (w *Writer) transactionBundleFast(base string, entries []BundleEntry) ([]byte, error) {
	conditional := w.opts.Mode == ConditionalPut
	var opts *encOpts
	if conditional {
		opts = &encOpts{omitID: true, urns: make(map[string]string, len(entries))}
		for _, e := range entries {
			if e.Resource != nil && e.Resource.Version == "" {
				opts.urns[e.Resource.Reference()] = bundleUUID(e.Resource.Identifier)
			}
		}
	}
	n := 64
	for _, e := range entries {
		if e.Resource != nil {
			n += len(e.Resource.JSON) + len(base) + 160
		}
	}
	b := make([]byte, 0, n)
	b = append(b, `{"entry":[`...)
	for i, e := range entries {
		r := e.Resource
		if r == nil || r.ID == "" || r.JSON == nil {
			return nil, fmt.Errorf("fhirmap: transaction entry %d has no resource", i)
		}
		if !plainID(r.ID) {
			return nil, fmt.Errorf("fhirmap: transaction entry %d has an invalid id", i)
		}
		if i > 0 {
			b = append(b, ',')
		}
		cond := conditional && r.Version == ""
		var fullURL string
		switch {
		case cond:
			if r.Identifier.System == "" || r.Identifier.Value == "" {
				return nil, fmt.Errorf("fhirmap: transaction entry %d has no identifier for a conditional update", i)
			}
			fullURL = opts.urns[r.Reference()]
		case base != "":
			fullURL = base + "/" + r.Reference()
		}
		b = append(b, '{')
		if fullURL != "" {
			b = append(b, `"fullUrl":`...)
			b = appendJSONString(b, fullURL)
			b = append(b, ',')
		}
		b = append(b, `"request":{`...)
		if v := cmpOr(e.IfMatch, r.Version); v != "" {
			b = append(b, `"ifMatch":`...)
			b = appendJSONString(b, `W/"`+v+`"`)
			b = append(b, ',')
		}
		b = append(b, `"method":"PUT","url":`...)
		if cond {
			b = appendJSONString(b, r.ResourceType+"?identifier="+queryEscape(r.Identifier.System+"|"+r.Identifier.Value))
		} else {
			b = appendJSONString(b, r.Reference())
		}
		b = append(b, `},"resource":`...)
		if cond {
			b = r.enc(b, opts)
		} else {
			b = append(b, r.JSON...)
		}
		b = append(b, '}')
	}
	return append(b, `],"resourceType":"Bundle","type":"transaction"}`...), nil
}

var errNoEntries = errors.New("fhirmap: a transaction needs at least one entry")
