package fhirmap

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/fhir/go/jsonformat"
	"github.com/google/fhir/go/jsonformat/fhirvalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	cipb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/charge_item_go_proto"
	mrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/measure_report_go_proto"
	tpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"
)

// BundleEntry is one write of a transaction.
type BundleEntry struct {
	Resource *WriteResource
	// IfMatch is the version the adapter read before this update; the
	// request then carries If-Match: W/"<IfMatch>" and the server refuses it
	// (412) if someone changed the resource since (fhir-mapping.md §3). ""
	// falls back to Resource.Version; still "" sends no If-Match.
	IfMatch string
}

// TransactionBundle builds the transaction Bundle of one patient and window
// (fhir-mapping.md §3: one transaction, so a crash never leaves half a
// result). With WriteOptions.Strict it is built from the resource protos and
// validated and marshalled by google/fhir; otherwise the fast encoder splices
// the entries' JSON into the same bytes (write_fast_bundle.go).
//
// PutByID mode: every entry is PUT [type]/[id]. ConditionalPut mode: a
// freshly built resource is PUT [type]?identifier=<system>|<value> without an
// id, with a urn:uuid fullUrl derived from its identifier, and references
// between entries of the Bundle are rewritten to those urns so the server can
// resolve them to the ids it assigns; a resource read back from the server
// (Version set) keeps PUT [type]/[id]. References to resources outside the
// Bundle are left as they are.
//
// TransactionBundle leaves out the fullUrl of PUT-by-id entries; a sink that
// knows the server it writes to uses TransactionBundleAt.
func (w *Writer) TransactionBundle(entries ...BundleEntry) ([]byte, error) {
	return w.TransactionBundleAt("", entries...)
}

// TransactionBundleAt is TransactionBundle for the FHIR server at base (its
// base URL, e.g. "https://fhir.example.org/fhir"): every PUT-by-id entry
// carries fullUrl {base}/{Type}/{id}, as R4 asks of an update in a
// transaction (a conditional entry keeps its urn:uuid).
func (w *Writer) TransactionBundleAt(base string, entries ...BundleEntry) ([]byte, error) {
	base = strings.TrimRight(base, "/")
	if len(entries) == 0 {
		return nil, errNoEntries
	}
	if w.fastBundle(entries) {
		return w.transactionBundleFast(base, entries)
	}
	conditional := w.opts.Mode == ConditionalPut
	var urns map[string]string
	if conditional {
		urns = make(map[string]string, len(entries))
		for _, e := range entries {
			if e.Resource != nil && e.Resource.Version == "" {
				urns[e.Resource.Reference()] = bundleUUID(e.Resource.Identifier)
			}
		}
	}
	b := &bcrpb.Bundle{
		Type:  &bcrpb.Bundle_TypeCode{Value: cpb.BundleTypeCode_TRANSACTION},
		Entry: make([]*bcrpb.Bundle_Entry, 0, len(entries)),
	}
	resources := make([]*bcrpb.ContainedResource, len(entries))
	for i, e := range entries {
		r := e.Resource
		if r == nil || r.Proto == nil || r.ID == "" {
			return nil, fmt.Errorf("fhirmap: transaction entry %d has no resource", i)
		}
		msg := r.Proto
		req := &bcrpb.Bundle_Entry_Request{Method: &bcrpb.Bundle_Entry_Request_MethodCode{Value: cpb.HTTPVerbCode_PUT}}
		entry := &bcrpb.Bundle_Entry{Request: req}
		if conditional && r.Version == "" {
			if r.Identifier.System == "" || r.Identifier.Value == "" {
				return nil, fmt.Errorf("fhirmap: transaction entry %d has no identifier for a conditional update", i)
			}
			msg = proto.Clone(msg)
			clearID(msg)
			rewriteRefs(msg.ProtoReflect(), urns)
			entry.FullUrl = wURI(urns[r.Reference()])
			req.Url = wURI(r.ResourceType + "?identifier=" + queryEscape(r.Identifier.System+"|"+r.Identifier.Value))
		} else {
			req.Url = wURI(r.Reference())
			if base != "" {
				entry.FullUrl = wURI(base + "/" + r.Reference())
			}
		}
		if v := cmpOr(e.IfMatch, r.Version); v != "" {
			req.IfMatch = wString(`W/"` + v + `"`)
		}
		cr, err := contain(msg)
		if err != nil {
			return nil, fmt.Errorf("fhirmap: transaction entry %d: %w", i, err)
		}
		resources[i] = cr
		b.Entry = append(b.Entry, entry)
	}
	// Every resource was validated when it was built (finish); validating the
	// Bundle before the resources go in checks what is new here, the entries'
	// requests and fullUrls, without walking each resource a second time.
	if err := fhirvalidate.Validate(b); err != nil {
		return nil, fmt.Errorf("fhirmap: Bundle failed FHIR validation: %w", err)
	}
	for i, cr := range resources {
		b.Entry[i].Resource = cr
	}
	out, err := w.marshal.MarshalResource(b)
	if err != nil {
		return nil, fmt.Errorf("fhirmap: marshal Bundle: %w", err)
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// queryEscape escapes a search parameter value but keeps ':' and '/' of the
// system URL readable; '|' and everything else reserved is percent-encoded.
func queryEscape(s string) string {
	return strings.NewReplacer("%3A", ":", "%2F", "/").Replace(url.QueryEscape(s))
}

// contain wraps a resource the adapter writes in a ContainedResource.
func contain(msg proto.Message) (*bcrpb.ContainedResource, error) {
	switch r := msg.(type) {
	case *mrpb.MeasureReport:
		return &bcrpb.ContainedResource{OneofResource: &bcrpb.ContainedResource_MeasureReport{MeasureReport: r}}, nil
	case *cipb.ChargeItem:
		return &bcrpb.ContainedResource{OneofResource: &bcrpb.ContainedResource_ChargeItem{ChargeItem: r}}, nil
	case *tpb.Task:
		return &bcrpb.ContainedResource{OneofResource: &bcrpb.ContainedResource_Task{Task: r}}, nil
	}
	return nil, errors.New("not a MeasureReport, ChargeItem or Task")
}

// clearID removes the logical id of a resource sent by conditional update:
// a server that refuses client ids would reject it.
func clearID(msg proto.Message) {
	switch r := msg.(type) {
	case *mrpb.MeasureReport:
		r.Id = nil
	case *cipb.ChargeItem:
		r.Id = nil
	case *tpb.Task:
		r.Id = nil
	}
}

// rewriteRefs points every reference to another entry of the Bundle at that
// entry's urn:uuid fullUrl.
func rewriteRefs(m protoreflect.Message, urns map[string]string) {
	if r, ok := m.Interface().(*dtpb.Reference); ok {
		_ = jsonformat.DenormalizeReference(r)
		if urn, ok := urns[r.GetUri().GetValue()]; ok {
			r.Reference = &dtpb.Reference_Uri{Uri: wString(urn)}
			return
		}
		_ = jsonformat.NormalizeReference(r)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			for i, l := 0, v.List(); i < l.Len(); i++ {
				rewriteRefs(l.Get(i).Message(), urns)
			}
		default:
			rewriteRefs(v.Message(), urns)
		}
		return true
	})
}
