package generate

import (
	"iter"
	"strconv"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// Resource types in the order they are written. Group comes last because it
// lists every patient.
const (
	tOrganization = iota
	tPractitioner
	tPatient
	tDevice
	tEpisodeOfCare
	tEncounter
	tObservation
	tCommunication
	tChargeItem
	tCoverage
	tCondition
	tConsent
	tGroup
	numTypes
)

var typeNames = [numTypes]string{
	"Organization", "Practitioner", "Patient", "Device", "EpisodeOfCare",
	"Encounter", "Observation", "Communication", "ChargeItem", "Coverage", "Condition", "Consent", "Group",
}

// Types lists the resource types an export can hold, in writing order; the
// file of type T is T.ndjson.
var Types = typeNames[:]

// batch holds the NDJSON of consecutive patients, one buffer per type.
type batch struct {
	buf   [numTypes][]byte
	count [numTypes]int
}

func (bt *batch) reset() {
	for i := range bt.buf {
		bt.buf[i] = bt.buf[i][:0]
		bt.count[i] = 0
	}
}

// emitter writes resources; it holds the strings that depend on Options.
type emitter struct {
	durExt     string // <canonical>/StructureDefinition/communication-duration
	programSys string // <canonical>/CodeSystem/program
}

func newEmitter(canonical string) *emitter {
	return &emitter{
		durExt:     fhirmap.Canonical(canonical, fhirmap.PathDurationExt),
		programSys: fhirmap.Canonical(canonical, fhirmap.PathProgramSystem),
	}
}

const (
	timezoneExtOpen = `"extension":[{"url":"` + fhirmap.ExtTimezone + `","valueCode":`
	vitalSigns      = `{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}]}`
	phdCategory     = `{"coding":[{"system":"` + fhirmap.SystemPHDCategory + `","code":"` + fhirmap.PHDCategoryCode + `","display":"PHD generated observation"}]}`
	testSecurity    = `"meta":{"security":[{"system":"` + fhirmap.SystemActReason + `","code":"` + fhirmap.TestDataCode + `","display":"test health data"}]}`
	absentReason    = `"dataAbsentReason":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/data-absent-reason","code":"error","display":"Error"}]}`
	ucumMMHg        = `,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}`
)

var obsCode = [numKinds]string{
	bpCuff:   `{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel with all children optional"}],"text":"Blood pressure"}`,
	scale:    `{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}],"text":"Body weight"}`,
	oximeter: `{"coding":[{"system":"http://loinc.org","code":"59408-5","display":"Oxygen saturation in Arterial blood by Pulse oximetry"},{"system":"http://loinc.org","code":"2708-6","display":"Oxygen saturation in Arterial blood"}],"text":"SpO2"}`,
}

// deviceType: ISO/IEEE 11073-10101 device specializations, as the PHD IG uses.
var deviceType = [numKinds]struct{ code, mdc, name string }{
	bpCuff:   {"528391", "MDC_DEV_SPEC_PROFILE_BPM", "Cellular blood pressure monitor"},
	scale:    {"528399", "MDC_DEV_SPEC_PROFILE_SCALE", "Cellular weight scale"},
	oximeter: {"528388", "MDC_DEV_SPEC_PROFILE_PULS_OXIM", "Pulse oximeter"},
}

var mediumDisplay = map[string]string{
	"PHONE": "telephone", "VIDEOCONF": "videoconferencing", "FACE": "face-to-face",
	"WRITTEN": "written", "EMAILWRIT": "email", "ONLINEWRIT": "online written",
}

var programDisplay = map[string]string{
	"rpm": "Remote patient monitoring", "ccm": "Chronic care management",
	"pcm": "Principal care management", "rtm": "Remote therapeutic monitoring",
	"bhi": "Behavioral health integration", "tcm": "Transitional care management",
}

var payloadText = map[string]string{
	"PHONE":      "Telephone follow-up on home monitoring readings.",
	"VIDEOCONF":  "Video visit about home monitoring readings.",
	"FACE":       "In-person review of home monitoring readings.",
	"WRITTEN":    "Reviewed transmitted readings and updated the care plan.",
	"EMAILWRIT":  "E-mail about recent readings.",
	"ONLINEWRIT": "Portal message about recent readings.",
	"":           "Reviewed transmitted readings.",
}

// static writes the organizations and practitioners every export holds.
func (e *emitter) static(bt *batch) {
	for _, o := range organizations {
		b := append(bt.buf[tOrganization], `{"resourceType":"Organization","id":`...)
		b = appendStr(b, o.id)
		b = append(b, `,"active":true,"name":`...)
		b = appendStr(b, o.name)
		bt.buf[tOrganization] = append(b, "}\n"...)
		bt.count[tOrganization]++
	}
	for _, p := range practitioners {
		b := append(bt.buf[tPractitioner], `{"resourceType":"Practitioner","id":`...)
		b = appendStr(b, p.id)
		b = append(b, `,"active":true,"name":[{"family":`...)
		b = appendStr(b, p.family)
		b = append(b, `,"given":[`...)
		b = appendStr(b, p.given)
		b = append(b, `],"suffix":[`...)
		b = appendStr(b, p.qualification)
		bt.buf[tPractitioner] = append(b, "]}]}\n"...)
		bt.count[tPractitioner]++
	}
}

// group writes the Group that lists every patient (population runs).
func (e *emitter) group(b []byte, ids iter.Seq[string], n int) []byte {
	b = append(b, `{"resourceType":"Group","id":"`+groupID+`","type":"person","actual":true,"name":"RPM cohort","quantity":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"managingEntity":{"reference":"Organization/`+orgClinic+`"}`...)
	first := true
	for id := range ids {
		if first {
			b = append(b, `,"member":[`...) // FHIR forbids an empty array
		} else {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"entity":`...)
		b = appendRef(b, "Patient", id)
		b = append(b, '}')
	}
	if !first {
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// patient writes every resource of one planned patient.
func (e *emitter) patient(bt *batch, p *patient) {
	e.patientResource(bt, p)
	e.devices(bt, p)
	e.episode(bt, p)
	e.observations(bt, p)
	e.communications(bt, p)
	e.charges(bt, p)
	e.payerResources(bt, p)
}

func (e *emitter) patientResource(bt *batch, p *patient) {
	zone := zoneDefs[p.zone].name
	b := append(bt.buf[tPatient], `{"resourceType":"Patient","id":"`...)
	b = append(b, p.id...)
	b = append(b, '"', ',')
	if p.place == zoneOnPatient {
		b = append(b, timezoneExtOpen...)
		b = appendStr(b, zone)
		b = append(b, "}],"...)
	}
	b = append(b, `"identifier":[{"use":"usual","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR","display":"Medical record number"}]},"system":"urn:oid:2.16.840.1.113883.3.9999.1","value":"MRN`...)
	b = strconv.AppendInt(b, int64(p.mrn), 10)
	b = append(b, `"}],"active":true,"name":[{"use":"official","family":`...)
	b = appendStr(b, p.family)
	b = append(b, `,"given":[`...)
	b = appendStr(b, p.given)
	b = append(b, `]}],"telecom":[{"system":"phone","value":"+1-555-01`...)
	b = append2(b, p.phone)
	b = append(b, `","use":"mobile"}],"gender":"`...)
	b = append(b, p.gender...)
	b = append(b, `","birthDate":`...)
	b = appendDate(b, p.birth)
	b = append(b, `,"address":[{"use":"home",`...)
	if p.place == zoneOnAddress {
		b = append(b, timezoneExtOpen...)
		b = appendStr(b, zone)
		b = append(b, "}],"...)
	}
	b = append(b, `"line":["`...)
	b = strconv.AppendInt(b, int64(p.house), 10)
	b = append(b, ' ')
	b = append(b, p.street...)
	b = append(b, `"],"city":`...)
	b = appendStr(b, p.city.name)
	b = append(b, `,"state":`...)
	b = appendStr(b, p.city.state)
	b = append(b, `,"postalCode":`...)
	b = appendStr(b, p.city.zip)
	b = append(b, `,"country":`...)
	b = appendStr(b, p.city.country)
	b = append(b, `}],"managingOrganization":{"reference":"Organization/`+orgClinic+`"}}`+"\n"...)
	bt.buf[tPatient] = b
	bt.count[tPatient]++
}

func (e *emitter) devices(bt *batch, p *patient) {
	b := bt.buf[tDevice]
	for k := range numKinds {
		if !p.hasDevice[k] {
			continue
		}
		dt := deviceType[k]
		b = append(b, `{"resourceType":"Device","id":"dev-`...)
		b = append(b, p.id...)
		b = append(b, '-')
		b = append(b, deviceSuffix[k]...)
		b = append(b, `","identifier":[{"system":"urn:oid:2.16.840.1.113883.3.9999.3","value":"SN`...)
		b = strconv.AppendInt(b, int64(p.serial[k]), 10)
		b = append(b, `"}],"status":"active","manufacturer":"Acme Home Health Devices","serialNumber":"SN`...)
		b = strconv.AppendInt(b, int64(p.serial[k]), 10)
		b = append(b, `","deviceName":[{"name":"`...)
		b = append(b, dt.name...)
		b = append(b, `","type":"user-friendly-name"}],"type":{"coding":[{"system":"urn:iso:std:iso:11073:10101","code":"`...)
		b = append(b, dt.code...)
		b = append(b, `","display":"`...)
		b = append(b, dt.mdc...)
		b = append(b, `"}],"text":"`...)
		b = append(b, dt.name...)
		b = append(b, `"},"patient":`...)
		b = appendRef(b, "Patient", p.id)
		b = append(b, `,"owner":{"reference":"Organization/`+orgClinic+`"}}`+"\n"...)
		bt.count[tDevice]++
	}
	bt.buf[tDevice] = b
}

func (e *emitter) episode(bt *batch, p *patient) {
	b := append(bt.buf[tEpisodeOfCare], `{"resourceType":"EpisodeOfCare","id":"eoc-`...)
	b = append(b, p.id...)
	b = append(b, `","status":"active","type":[{"coding":[{"system":`...)
	b = appendStr(b, e.programSys)
	b = append(b, `,"code":"`+fhirmap.ProgramRPMCode+`","display":"Remote patient monitoring"}]}],"patient":`...)
	b = appendRef(b, "Patient", p.id)
	b = append(b, `,"managingOrganization":{"reference":"Organization/`+orgClinic+`"},"period":{"start":`...)
	b = appendDate(b, p.enrollment)
	bt.buf[tEpisodeOfCare] = append(b, "}}\n"...)
	bt.count[tEpisodeOfCare]++
}
