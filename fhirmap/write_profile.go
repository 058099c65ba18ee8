package fhirmap

import (
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
)

// Profiles of the product's implementation guide that the written resources
// name in meta.profile (paths under the canonical base; join with Canonical).
const (
	PathProfileMeasureReport = "/StructureDefinition/rpm-measurereport"
	PathProfileChargeItem    = "/StructureDefinition/rpm-chargeitem"
	PathProfileTask          = "/StructureDefinition/rpm-task"
)

// profileURL is the profile a written resource of type typ claims.
func (w *Writer) profileURL(typ string) string {
	switch typ {
	case TypeMeasureReport:
		return w.profMR
	case TypeChargeItem:
		return w.profCI
	case TypeTask:
		return w.profTask
	}
	return ""
}

// wMetaProfile is the meta of a freshly built resource: its profile and the
// adapter's generated tag.
func (w *Writer) wMetaProfile(typ string) *dtpb.Meta {
	m := w.wMeta()
	m.Profile = []*dtpb.Canonical{{Value: w.profileURL(typ)}}
	return m
}

// ensureProfile adds the type's profile to the meta of a resource read back
// from the server (one written before profiles were named) unless it is there.
func (w *Writer) ensureProfile(meta *dtpb.Meta, typ string) {
	p := w.profileURL(typ)
	for _, c := range meta.GetProfile() {
		if c.GetValue() == p {
			return
		}
	}
	meta.Profile = append(meta.Profile, &dtpb.Canonical{Value: p})
}
