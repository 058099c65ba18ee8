package fhirmap

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/fhir/go/jsonformat"
	"github.com/rpm-adapter/rpm-adapter/rules"

	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
)

// Small constructors for the R4 datatypes the write side uses. Prefixed
// "w" so they never clash with the reading side in the same package.

// utcZone is the time zone string google/fhir formats as "Z". Any other zone
// makes the library load a location for every field (tens of µs each), and
// instants in UTC are unambiguous anyway.
const utcZone = "Z"

func wString(s string) *dtpb.String { return &dtpb.String{Value: s} }
func wURI(s string) *dtpb.Uri       { return &dtpb.Uri{Value: s} }
func wCode(s string) *dtpb.Code     { return &dtpb.Code{Value: s} }
func wID(s string) *dtpb.Id         { return &dtpb.Id{Value: s} }

func wInteger(n int) *dtpb.Integer { return &dtpb.Integer{Value: int32(n)} }

func wDecimal(n int) *dtpb.Decimal { return &dtpb.Decimal{Value: strconv.Itoa(n)} }

// wInstant is a dateTime at second precision in UTC (fhir-mapping.md: instants in UTC).
func wInstant(t time.Time) *dtpb.DateTime {
	return &dtpb.DateTime{ValueUs: t.Unix() * 1e6, Timezone: utcZone, Precision: dtpb.DateTime_SECOND}
}

// wDateTimeDay is a local calendar date as a dateTime of DAY precision: the
// window bounds are local dates (R-DAY-4), not instants, so no offset is
// written. Midnight UTC of the date makes the library print exactly that date.
func wDateTimeDay(d rules.Date) *dtpb.DateTime {
	return &dtpb.DateTime{ValueUs: int64(d) * 86400 * 1e6, Timezone: utcZone, Precision: dtpb.DateTime_DAY}
}

// wDate is a local calendar date as a FHIR date.
func wDate(d rules.Date) *dtpb.Date {
	return &dtpb.Date{ValueUs: int64(d) * 86400 * 1e6, Timezone: utcZone, Precision: dtpb.Date_DAY}
}

// wPeriod is a period of local dates, both inclusive.
func wPeriod(start, end rules.Date) *dtpb.Period {
	return &dtpb.Period{Start: wDateTimeDay(start), End: wDateTimeDay(end)}
}

// wRef makes a reference from a literal "Type/id" and stores it in the typed
// field of that type (as jsonformat.NormalizeReference would), so that
// fhirvalidate checks the target type against the element. Anything else
// (an absolute URL, a urn) stays a plain uri.
func wRef(s string) *dtpb.Reference {
	typ, id, ok := strings.Cut(s, "/")
	if ok && !strings.Contains(id, "/") {
		r := &dtpb.Reference{}
		rid := &dtpb.ReferenceId{Value: id}
		switch typ {
		// Fast paths for the types every build writes.
		case "Patient":
			r.Reference = &dtpb.Reference_PatientId{PatientId: rid}
			return r
		case "Observation":
			r.Reference = &dtpb.Reference_ObservationId{ObservationId: rid}
			return r
		case "Communication":
			r.Reference = &dtpb.Reference_CommunicationId{CommunicationId: rid}
			return r
		case "MeasureReport":
			r.Reference = &dtpb.Reference_MeasureReportId{MeasureReportId: rid}
			return r
		case "Organization":
			r.Reference = &dtpb.Reference_OrganizationId{OrganizationId: rid}
			return r
		}
	}
	r := &dtpb.Reference{Reference: &dtpb.Reference_Uri{Uri: wString(s)}}
	_ = jsonformat.NormalizeReference(r) // errs only for a non-Reference message
	return r
}

// wRefAny is a reference for an element that allows any resource type
// (evaluatedResource, an extension's valueReference): there is no target type
// to check, and the plain uri form is what the marshaller writes anyway, so
// it skips the typed round trip.
func wRefAny(s string) *dtpb.Reference {
	return &dtpb.Reference{Reference: &dtpb.Reference_Uri{Uri: wString(s)}}
}

func wCoding(system, code string) *dtpb.Coding {
	return &dtpb.Coding{System: wURI(system), Code: wCode(code)}
}

func wConcept(system, code string) *dtpb.CodeableConcept {
	return &dtpb.CodeableConcept{Coding: []*dtpb.Coding{wCoding(system, code)}}
}

// wMeta carries the adapter's generated tag (fhir-mapping.md §2).
func (w *Writer) wMeta() *dtpb.Meta {
	return &dtpb.Meta{Tag: []*dtpb.Coding{wCoding(w.tagSystem, GeneratedTagCode)}}
}

func wIdentifier(id Identifier) []*dtpb.Identifier {
	return []*dtpb.Identifier{{System: wURI(id.System), Value: wString(id.Value)}}
}

// Extensions.

func wExt(url string, v *dtpb.Extension_ValueX) *dtpb.Extension {
	return &dtpb.Extension{Url: wURI(url), Value: v}
}

func extCode(url, v string) *dtpb.Extension {
	return wExt(url, &dtpb.Extension_ValueX{Choice: &dtpb.Extension_ValueX_Code{Code: wCode(v)}})
}

func extString(url, v string) *dtpb.Extension {
	return wExt(url, &dtpb.Extension_ValueX{Choice: &dtpb.Extension_ValueX_StringValue{StringValue: wString(v)}})
}

func extBool(url string, v bool) *dtpb.Extension {
	return wExt(url, &dtpb.Extension_ValueX{Choice: &dtpb.Extension_ValueX_Boolean{Boolean: &dtpb.Boolean{Value: v}}})
}

func extInt(url string, v int) *dtpb.Extension {
	return wExt(url, &dtpb.Extension_ValueX{Choice: &dtpb.Extension_ValueX_Integer{Integer: wInteger(v)}})
}

func extDate(url string, d rules.Date) *dtpb.Extension {
	return wExt(url, &dtpb.Extension_ValueX{Choice: &dtpb.Extension_ValueX_Date{Date: wDate(d)}})
}

func extRef(url, ref string) *dtpb.Extension {
	return wExt(url, &dtpb.Extension_ValueX{Choice: &dtpb.Extension_ValueX_Reference{Reference: wRefAny(ref)}})
}

// extComplex is a complex extension: sub-extensions, no value.
func extComplex(url string, subs ...*dtpb.Extension) *dtpb.Extension {
	return &dtpb.Extension{Url: wURI(url), Extension: subs}
}
