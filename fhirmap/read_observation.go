package fhirmap

import "github.com/rpm-adapter/rpm-adapter/rules"

// Observation is an Observation reduced to a rules.Reading (R-DAY-1).
type Observation struct {
	ID      string `json:"id"`
	Patient string `json:"patient"` // the subject's Patient id
	// Status is the FHIR status code as given; Reading.Status is its class.
	Status  string        `json:"status"`
	Reading rules.Reading `json:"reading"`
}

// ResourceType implements Resource.
func (*Observation) ResourceType() string { return "Observation" }

// ResourceID implements Resource.
func (o *Observation) ResourceID() string { return o.ID }

// observationStatus maps the R4 ObservationStatus codes (required binding).
// It returns the code as a constant, so keeping it allocates nothing.
func observationStatus(b []byte) (string, rules.ReadingStatus, bool) {
	switch string(b) {
	case "final":
		return "final", rules.StatusFinal, true
	case "amended":
		return "amended", rules.StatusAmended, true
	case "corrected":
		return "corrected", rules.StatusCorrected, true
	case "preliminary":
		return "preliminary", rules.StatusPreliminary, true
	case "entered-in-error":
		return "entered-in-error", rules.StatusEnteredInError, true
	case "registered":
		return "registered", rules.StatusOther, true
	case "cancelled":
		return "cancelled", rules.StatusOther, true
	case "unknown":
		return "unknown", rules.StatusOther, true
	}
	return "", rules.StatusOther, false
}

// observation decodes the Observation at the current position. It reads
// status, subject, effective[x], device, category, value[x], component and
// meta.security; everything else is skipped unread.
func (d *decoder) observation() Resource {
	const T = "Observation"
	s := &d.s
	from := len(d.issues)
	o := &Observation{}
	o.Reading.Date = rules.NoDate
	idSeen, statusSeen, subjectSeen := false, false, false
	effective := 0
	var devTyp, devID, id []byte
	s.begin('{')
	for first := true; s.next('}', &first); {
		k := s.key()
		switch string(k) {
		case "id":
			idSeen = true
			id = d.idBytes(T + ".id")
		case "status":
			statusSeen = true
			if v, ok := d.str(T+".status", SeverityError); ok {
				code, st, known := observationStatus(v)
				if !known {
					d.issue(T+".status", CodeUnknownStatus, SeverityError, "The status is not an R4 Observation status code.")
				}
				o.Status = code
				o.Reading.Status = st
			}
		case "subject":
			subjectSeen = true
			o.Patient = d.patientRef(T+".subject", SeverityError)
		case "effectiveDateTime":
			effective++
			w := d.dateTime(T+".effective", SeverityError)
			o.Reading.At, o.Reading.Date = w.At, w.Date
		case "effectiveInstant":
			effective++
			if t, ok := d.instant(T+".effective", SeverityError); ok {
				o.Reading.At = t
			}
		case "effectivePeriod":
			effective++
			// R-DAY-4: a period counts on the day it started.
			start, _ := d.period(periodPaths{T + ".effective", T + ".effective.start", T + ".effective.end"}, SeverityError)
			if start.Kind == WhenNone && d.s.err == "" && !d.skipped(from) {
				d.issue(T+".effective.start", CodeMissingEffective, SeverityError, "effectivePeriod has no usable start.")
			}
			o.Reading.At, o.Reading.Date = start.At, start.Date
		case "effectiveTiming":
			effective++
			s.skip()
			d.issue(T+".effective", CodeUnsupportedEffect, SeverityError, "effectiveTiming cannot be placed on one day; it is not supported.")
		case "device":
			// R-DAY-1: transmitted by a device. Any reference form counts;
			// only a literal one gives an evidence key.
			typ, id, kind, isObj := d.reference()
			switch {
			case !isObj:
				d.issue(T+".device", CodeInvalidType, SeverityWarning, "The reference is not a JSON object.")
			case kind == refLiteral:
				o.Reading.FromDevice = true
				devTyp, devID = typ, id
			case kind == refContained || kind == refURN || kind == refLogical:
				o.Reading.FromDevice = true
			case kind == refBad:
				d.issue(T+".device", CodeBadReference, SeverityWarning, "The device reference is malformed; the reading is not treated as device data.")
			}
		case "category":
			d.concepts(T+".category", SeverityWarning, func(system, code []byte) {
				if string(system) == SystemPHDCategory && string(code) == PHDCategoryCode {
					o.Reading.FromDevice = true
				}
			})
		case "component":
			d.array(T+".component", SeverityWarning, func(int) {
				d.object(T+".component", SeverityWarning, func(k []byte) {
					if isValueKeyName(k) {
						o.Reading.HasValue = true
					}
					s.skip()
				})
			})
		case "meta":
			o.Reading.Test = d.meta(metaPaths{T + ".meta", T + ".meta.versionId", T + ".meta.security", T + ".meta.tag"}).htest
		default:
			if isValueKeyName(k) {
				o.Reading.HasValue = true
			}
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	switch {
	case effective == 0:
		d.issue(T+".effective", CodeMissingEffective, SeverityError, "The Observation has no effective[x], so it cannot be placed on a day.")
	case effective > 1:
		d.issue(T+".effective", CodeInvalidChoice, SeverityError, "The Observation has more than one effective[x].")
	}
	if !statusSeen {
		d.issue(T+".status", CodeMissingStatus, SeverityError, "The Observation has no status.")
	}
	if !subjectSeen {
		d.issue(T+".subject", CodeMissingSubject, SeverityError, "The Observation has no subject, so it cannot be attributed to a patient.")
	}
	if id != nil {
		// One allocation for both: the id is the tail of the reference.
		o.Reading.Ref = T + "/" + string(id)
		o.ID = o.Reading.Ref[len(T)+1:]
	}
	if devID != nil {
		o.Reading.Device = string(devTyp) + "/" + string(devID)
	}
	if !d.finish(from, T, o.ID, idSeen) {
		return nil
	}
	return o
}
