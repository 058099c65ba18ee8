package fhirmap

import (
	"errors"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	cipb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/charge_item_go_proto"
)

// chargeItem is one code line (fhir-mapping.md §2.2). A line of an open
// window is planned, never billable (R-PER-5).
func (w *Writer) chargeItem(pid string, l rules.CodeLine, e *evalWindow, id writeIdent, mrRef string, now time.Time) *cipb.ChargeItem {
	status := cpb.ChargeItemStatusCode_BILLABLE
	if l.Provisional || e.provisional {
		status = cpb.ChargeItemStatusCode_PLANNED
	}
	ci := &cipb.ChargeItem{
		Id:   wID(id.id),
		Meta: w.wMetaProfile(TypeChargeItem),
		Extension: []*dtpb.Extension{
			extCode(w.ext.ruleSet, string(e.ruleSet)),
			extDate(w.ext.dos, l.DOS), // R-DOS-1
		},
		Identifier: wIdentifier(id.Identifier),
		Status:     &cipb.ChargeItem_StatusCode{Value: status},
		// No display: CPT descriptors are licensed text.
		Code:    wConcept(SystemCPT, l.Code),
		Subject: wRef("Patient/" + pid),
		Occurrence: &cipb.ChargeItem_OccurrenceX{Choice: &cipb.ChargeItem_OccurrenceX_Period{
			Period: wPeriod(e.window.Start, e.window.End),
		}},
		// Units are a count (99458: one per additional 20 minutes, R-TM-1).
		Quantity:              &dtpb.Quantity{Value: wDecimal(l.Units)},
		EnteredDate:           wInstant(now),
		SupportingInformation: []*dtpb.Reference{wRef(mrRef)},
	}
	if w.performer != "" {
		ci.Performer = []*cipb.ChargeItem_Performer{{Actor: wRef(w.performer)}}
	}
	if w.billing != "" {
		ci.PerformingOrganization = wRef(w.billing)
	}
	if w.enterer != "" {
		ci.Enterer = wRef(w.enterer)
	}
	return ci
}

// withdrawNote is the annotation an entered-in-error item gets. It says why
// in plain words and carries no patient data.
const withdrawNote = "Withdrawn by the RPM adapter: a later evaluation of this window no longer supports this code."

// EnteredInError withdraws a ChargeItem the adapter wrote earlier and a
// later run no longer supports (fhir-mapping.md §2.2): the same resource with
// status entered-in-error and a note, never a delete. existing is the item
// as read from the server; its meta.versionId becomes Version (send it as
// If-Match). It refuses, with ErrBilled, an item a billing system set to
// billed, with ErrNotGenerated one the adapter did not write, and with
// ErrFinalStatus one already entered-in-error.
func (w *Writer) EnteredInError(existing []byte, now time.Time) (*WriteResource, error) {
	if !w.opts.Strict {
		if r := w.enteredInErrorFast(existing, now.UTC()); r != nil {
			return r, nil
		}
	}
	ci, err := w.readOwn(existing, TypeChargeItem)
	if err != nil {
		return nil, err
	}
	item := ci.GetChargeItem()
	switch item.GetStatus().GetValue() {
	case cpb.ChargeItemStatusCode_BILLED:
		return nil, ErrBilled
	case cpb.ChargeItemStatusCode_ENTERED_IN_ERROR:
		return nil, ErrFinalStatus
	}
	version := takeVersion(item.GetMeta())
	w.ensureProfile(item.Meta, TypeChargeItem)
	item.Status = &cipb.ChargeItem_StatusCode{Value: cpb.ChargeItemStatusCode_ENTERED_IN_ERROR}
	item.Note = append(item.Note, &dtpb.Annotation{
		Time: wInstant(now.UTC()),
		Text: &dtpb.Markdown{Value: withdrawNote},
	})
	out, err := w.finish(TypeChargeItem, writeIdent{w.ownIdentifier(item.GetIdentifier(), TypeChargeItem), item.GetId().GetValue()}, item)
	if err != nil {
		return nil, err
	}
	out.Version = version
	return out, nil
}

// readOwn parses a resource the adapter wrote earlier. Parse errors are
// reported without the library's diagnostics, which may quote values.
func (w *Writer) readOwn(existing []byte, typ string) (*bcrpb.ContainedResource, error) {
	msg, err := w.unmarshal.Unmarshal(existing)
	if err != nil {
		return nil, errors.New("fhirmap: the existing " + typ + " is not valid FHIR R4 JSON")
	}
	cr, ok := msg.(*bcrpb.ContainedResource)
	if !ok {
		return nil, errors.New("fhirmap: the existing resource is not a " + typ)
	}
	var meta *dtpb.Meta
	var hasID bool
	switch typ {
	case TypeChargeItem:
		meta, hasID = cr.GetChargeItem().GetMeta(), cr.GetChargeItem().GetId().GetValue() != ""
		ok = cr.GetChargeItem() != nil
	case TypeTask:
		meta, hasID = cr.GetTask().GetMeta(), cr.GetTask().GetId().GetValue() != ""
		ok = cr.GetTask() != nil
	default:
		ok = false
	}
	if !ok {
		return nil, errors.New("fhirmap: the existing resource is not a " + typ)
	}
	if !hasID {
		return nil, errors.New("fhirmap: the existing " + typ + " has no id")
	}
	if !w.generated(meta) {
		return nil, ErrNotGenerated
	}
	return cr, nil
}

// generated says whether meta carries the adapter's generated tag.
func (w *Writer) generated(meta *dtpb.Meta) bool {
	for _, t := range meta.GetTag() {
		if t.GetSystem().GetValue() == w.tagSystem && t.GetCode().GetValue() == GeneratedTagCode {
			return true
		}
	}
	return false
}

// ownIdentifier finds the adapter's identifier among a resource's identifiers.
func (w *Writer) ownIdentifier(ids []*dtpb.Identifier, typ string) Identifier {
	sys := w.IdentifierSystem(typ)
	for _, id := range ids {
		if id.GetSystem().GetValue() == sys {
			return Identifier{System: sys, Value: id.GetValue().GetValue()}
		}
	}
	return Identifier{}
}

// takeVersion removes the server-managed meta fields (versionId,
// lastUpdated) before the resource is sent back, and returns the version
// for If-Match.
func takeVersion(meta *dtpb.Meta) string {
	if meta == nil {
		return ""
	}
	v := meta.GetVersionId().GetValue()
	meta.VersionId = nil
	meta.LastUpdated = nil
	return v
}
