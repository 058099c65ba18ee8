package fhirmap

import (
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	mrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/measure_report_go_proto"
)

// measureReport is the evidence of one window (fhir-mapping.md §2.1): what
// was counted, from which resources, under which rule set, policy and zone,
// and for an open window what is still missing (R-PER-5).
func (w *Writer) measureReport(pid string, res *rules.Result, e *evalWindow, id writeIdent, now time.Time) *mrpb.MeasureReport {
	status := cpb.MeasureReportStatusCode_COMPLETE
	if e.provisional {
		status = cpb.MeasureReportStatusCode_PENDING // R-PER-5: nothing provisional is final
	}
	measure := w.measureDevice
	score := &dtpb.Quantity{
		// Days are a count: UCUM annotation {days} is dimensionless ("1").
		Value: wDecimal(e.score), Unit: wString("days"), System: wURI(SystemUCUM), Code: wCode("{days}"),
	}
	if e.month != nil {
		measure = w.measureTime
		score = &dtpb.Quantity{Value: wDecimal(e.score), Unit: wString("min"), System: wURI(SystemUCUM), Code: wCode("min")}
	}

	mr := &mrpb.MeasureReport{
		Id:         wID(id.id),
		Meta:       w.wMetaProfile(TypeMeasureReport),
		Extension:  w.measureExtensions(res, e),
		Identifier: wIdentifier(id.Identifier),
		Status:     &mrpb.MeasureReport_StatusCode{Value: status},
		Type:       &mrpb.MeasureReport_TypeCode{Value: cpb.MeasureReportTypeCode_INDIVIDUAL},
		Measure:    &dtpb.Canonical{Value: measure},
		Subject:    wRef("Patient/" + pid),
		Date:       wInstant(now),
		Period:     wPeriod(e.window.Start, e.window.End),
		Group:      []*mrpb.MeasureReport_Group{{MeasureScore: score}},
	}
	if w.reporter != "" {
		mr.Reporter = wRef(w.reporter)
	}
	refs := evidenceRefs(e)
	mr.EvaluatedResource = make([]*dtpb.Reference, len(refs))
	for i, r := range refs {
		mr.EvaluatedResource[i] = wRefAny(r)
	}
	return mr
}

func (w *Writer) measureExtensions(res *rules.Result, e *evalWindow) []*dtpb.Extension {
	u := &w.ext
	exts := make([]*dtpb.Extension, 0, 8+len(e.findings)+len(res.Findings))
	exts = append(exts, extCode(u.ruleSet, string(e.ruleSet)))
	if e.profile.ID != "" {
		exts = append(exts, u.policyExt(e.profile.Policy), u.profileExt(e.profile))
	} else {
		exts = append(exts, u.policyExt(res.Policy))
	}
	if e.consent != "" {
		exts = append(exts, extCode(u.consent, e.consent))
	}
	if res.Zone != "" {
		exts = append(exts, extCode(u.timeZone, res.Zone))
	}
	if e.period != nil && res.Anchor != rules.NoDate {
		subs := []*dtpb.Extension{extDate("anchor", res.Anchor)}
		if res.AnchorSource != "" {
			subs = append(subs, extCode("anchorSource", res.AnchorSource))
		}
		exts = append(exts, extComplex(u.episodePeriod, subs...))
	}
	if m := e.month; m != nil {
		exts = append(exts,
			extBool(u.interactive, m.Interactive),
			extInt(u.dataDays, m.DataDays),
			extInt(u.unbilled, m.UnbilledMinutes),
		)
	}
	if e.provisional && e.progress != nil {
		exts = append(exts, u.progressExt(res.AsOf, e.progress, e.month != nil))
	}
	for _, f := range e.findings {
		exts = append(exts, u.findingExt(f))
	}
	// Patient-level findings belong to no window; each report carries them so
	// it stands alone as evidence.
	for _, f := range res.Findings {
		exts = append(exts, u.findingExt(f))
	}
	return exts
}

// evidenceRefs lists the Observations (R-DAY-6) or Communications (R-TIME-4,
// R-IC-*) the window counted, unique and sorted.
func evidenceRefs(e *evalWindow) []string {
	var refs []string
	if p := e.period; p != nil {
		for _, d := range p.Evidence {
			refs = append(refs, d.Refs...)
		}
	}
	if m := e.month; m != nil {
		for _, x := range m.Evidence {
			refs = append(refs, x.Refs...)
		}
		refs = append(refs, m.InteractiveRefs...)
	}
	return sortedUnique(refs)
}
