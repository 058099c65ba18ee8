package generate

import (
	"strconv"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// The resources of a patient's activity: readings (Observation), care
// management work (Communication and the Encounter that may carry its
// duration) and existing charges (ChargeItem).

func (e *emitter) observations(bt *batch, p *patient) {
	b := bt.buf[tObservation]
	for i := range p.readings {
		rd := &p.readings[i]
		b = append(b, `{"resourceType":"Observation","id":"obs-`...)
		b = append(b, p.id...)
		b = appendSeq(b, "-", i+1, 5)
		b = append(b, '"', ',')
		if rd.test {
			b = append(b, testSecurity+","...)
		}
		b = append(b, `"status":"`...)
		b = append(b, rd.status...)
		b = append(b, `","category":[`+vitalSigns...)
		if rd.phd {
			b = append(b, ","+phdCategory...)
		}
		b = append(b, `],"code":`...)
		b = append(b, obsCode[rd.kind]...)
		b = append(b, `,"subject":`...)
		b = appendRef(b, "Patient", p.id)
		b = append(b, `,"effectiveDateTime":`...)
		b = appendInstant(b, rd.at, rd.utc)
		switch {
		case rd.device:
			b = append(b, `,"device":{"reference":"Device/dev-`...)
			b = append(b, p.id...)
			b = append(b, '-')
			b = append(b, deviceSuffix[rd.kind]...)
			b = append(b, `"}`...)
		case !rd.phd:
			// Self-reported: entered by the patient, no device (R-DAY-1).
			b = append(b, `,"performer":[`...)
			b = appendRef(b, "Patient", p.id)
			b = append(b, ']')
		}
		b = append(b, ',')
		switch {
		case rd.absent:
			b = append(b, absentReason...)
		case rd.kind == bpCuff:
			b = append(b, `"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},"valueQuantity":{"value":`...)
			b = strconv.AppendInt(b, int64(rd.v1), 10)
			b = append(b, ucumMMHg+`,{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4","display":"Diastolic blood pressure"}]},"valueQuantity":{"value":`...)
			b = strconv.AppendInt(b, int64(rd.v2), 10)
			b = append(b, ucumMMHg+"]"...)
		case rd.kind == scale:
			b = append(b, `"valueQuantity":{"value":`...)
			b = appendTenths(b, rd.v1)
			b = append(b, `,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}`...)
		default:
			b = append(b, `"valueQuantity":{"value":`...)
			b = strconv.AppendInt(b, int64(rd.v1), 10)
			b = append(b, `,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}`...)
		}
		b = append(b, "}\n"...)
	}
	bt.buf[tObservation] = b
	bt.count[tObservation] += len(p.readings)
}

func (e *emitter) communications(bt *batch, p *patient) {
	b := bt.buf[tCommunication]
	for i := range p.comms {
		c := &p.comms[i]
		hasEnc := c.dur == durEncLength || c.dur == durEncPeriod
		if hasEnc {
			e.encounter(bt, p, c, i+1)
		}
		b = append(b, `{"resourceType":"Communication","id":"com-`...)
		b = append(b, p.id...)
		b = appendSeq(b, "-", i+1, 3)
		b = append(b, '"', ',')
		switch c.dur {
		case durExtMin, durExtSec:
			b = append(b, `"extension":[{"url":`...)
			b = appendStr(b, e.durExt)
			b = append(b, `,"valueDuration":`...)
			if c.dur == durExtMin && c.secs%60 == 0 {
				b = appendDuration(b, c.secs/60, "min")
			} else {
				b = appendDuration(b, c.secs, "s")
			}
			b = append(b, "}],"...)
		}
		b = append(b, `"status":`...)
		b = appendStr(b, c.status)
		b = append(b, `,"category":[{"coding":[{"system":`...)
		b = appendStr(b, e.programSys)
		b = append(b, `,"code":`...)
		b = appendStr(b, c.program)
		b = append(b, `,"display":`...)
		b = appendStr(b, programDisplay[c.program])
		b = append(b, "}]}]"...)
		if c.medium != "" {
			b = append(b, `,"medium":[{"coding":[{"system":"`+fhirmap.SystemParticipMode+`","code":`...)
			b = appendStr(b, c.medium)
			b = append(b, `,"display":`...)
			b = appendStr(b, mediumDisplay[c.medium])
			b = append(b, "}]}]"...)
		}
		b = append(b, `,"subject":`...)
		b = appendRef(b, "Patient", p.id)
		if hasEnc {
			b = append(b, `,"encounter":{"reference":"Encounter/enc-`...)
			b = append(b, p.id...)
			b = appendSeq(b, "-", i+1, 3)
			b = append(b, `"}`...)
		}
		b = append(b, `,"sent":`...)
		b = appendInstant(b, c.start, c.utc)
		b = append(b, `,"recipient":[`...)
		b = appendRef(b, "Patient", p.id)
		b = append(b, `],"sender":`...)
		b = appendRef(b, "Practitioner", practitioners[c.sender].id)
		b = append(b, `,"payload":[{"contentString":`...)
		text := payloadText[c.medium]
		if c.program == "ccm" {
			text = "Chronic care management follow-up."
		}
		b = appendStr(b, text)
		b = append(b, "}]}\n"...)
	}
	bt.buf[tCommunication] = b
	bt.count[tCommunication] += len(p.comms)
}

// encounter writes the Encounter that carries a communication's duration
// (R-TIME-2: its length, else its period).
func (e *emitter) encounter(bt *batch, p *patient, c *comm, n int) {
	b := append(bt.buf[tEncounter], `{"resourceType":"Encounter","id":"enc-`...)
	b = append(b, p.id...)
	b = appendSeq(b, "-", n, 3)
	if c.medium == "FACE" {
		b = append(b, `","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB","display":"ambulatory"}`...)
	} else {
		b = append(b, `","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"VR","display":"virtual"}`...)
	}
	b = append(b, `,"subject":`...)
	b = appendRef(b, "Patient", p.id)
	b = append(b, `,"participant":[{"individual":`...)
	b = appendRef(b, "Practitioner", practitioners[c.sender].id)
	b = append(b, `}],"period":{"start":`...)
	b = appendInstant(b, c.start, c.utc)
	if c.dur == durEncPeriod {
		b = append(b, `,"end":`...)
		b = appendInstant(b, c.start.Add(secondsDuration(c.secs)), c.utc)
		b = append(b, '}')
	} else {
		b = append(b, `},"length":`...)
		if c.secs%60 == 0 {
			b = appendDuration(b, c.secs/60, "min")
		} else {
			b = appendDuration(b, c.secs, "s")
		}
	}
	bt.buf[tEncounter] = append(b, "}\n"...)
	bt.count[tEncounter]++
}

func (e *emitter) charges(bt *batch, p *patient) {
	b := bt.buf[tChargeItem]
	for i, c := range p.charges {
		b = append(b, `{"resourceType":"ChargeItem","id":"chg-`...)
		b = append(b, p.id...)
		b = appendSeq(b, "-", i+1, 2)
		b = append(b, `","status":"billable","code":{"coding":[{"system":"`+fhirmap.SystemCPT+`","code":`...)
		b = appendStr(b, c.code)
		b = append(b, `}]},"subject":`...)
		b = appendRef(b, "Patient", p.id)
		b = append(b, `,"occurrencePeriod":{"start":`...)
		b = appendDate(b, c.start)
		b = append(b, `,"end":`...)
		b = appendDate(b, c.end)
		b = append(b, `},"performingOrganization":`...)
		b = appendRef(b, "Organization", c.org)
		b = append(b, `,"enteredDate":`...)
		b = appendInstant(b, c.entered, true)
		b = append(b, "}\n"...)
	}
	bt.buf[tChargeItem] = b
	bt.count[tChargeItem] += len(p.charges)
}
