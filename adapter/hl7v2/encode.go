package hl7v2

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options configure the messages; the zero value sends to no named receiver
// with processing id P.
type Options struct {
	// SendingFacility is MSH-4 (the application is always rpm-adapter).
	SendingFacility string
	// ReceivingApplication and ReceivingFacility are MSH-5 and MSH-6.
	ReceivingApplication, ReceivingFacility string
	// ProcessingID is MSH-11: P (production, the default), T or D.
	ProcessingID string
	// MRNAuthority is PID-3.4 when PID-3 is the MRN (the hospital's
	// assigning authority); PatientIDAuthority when it is the FHIR patient
	// id (default "rpm-adapter").
	MRNAuthority, PatientIDAuthority string
	// NameStandIn is PID-5 when no name is kept (PID-5 is required in
	// 2.5.1): "" puts the patient id as family name; any other value is used
	// as the family name itself.
	NameStandIn string
}

// Patient is who one message is about.
type Patient struct {
	ID, MRN, Name string
}

// Charge is one FT1 segment.
type Charge struct {
	// LineID is FT1-2: the code line's identifier.
	LineID string
	// DOS is FT1-4, YYYY-MM-DD.
	DOS string
	// Reverse makes FT1-6 CD (a credit of an earlier charge) instead of CG.
	Reverse bool
	// Code is the CPT code (FT1-7 and FT1-25, coding system C4).
	Code  string
	Units int
}

// Message is one DFT^P03: one patient's lines of a batch.
type Message struct {
	ControlID string
	Patient   Patient
	Charges   []Charge
}

const (
	sendingApplication = "rpm-adapter"
	encodingChars      = `^~\&`
	segmentEnd         = '\r'
)

// Escape escapes a value for a field or component: the delimiters and the
// escape character, and line breaks (which would end a segment).
func Escape(v string) string {
	if !strings.ContainsAny(v, "|^~\\&\r\n") {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		switch r {
		case '|':
			b.WriteString(`\F\`)
		case '^':
			b.WriteString(`\S\`)
		case '~':
			b.WriteString(`\R\`)
		case '\\':
			b.WriteString(`\E\`)
		case '&':
			b.WriteString(`\T\`)
		case '\r':
			b.WriteString(`\X0D\`)
		case '\n':
			b.WriteString(`\X0A\`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// timestamp is a DTM to the second with its offset, as 2.5.1's TS.1 takes.
func timestamp(t time.Time) string { return t.UTC().Format("20060102150405") + "+0000" }

// segment writes fields (already escaped, components joined with ^) and a
// carriage return.
func segment(b *strings.Builder, fields ...string) {
	b.WriteString(strings.Join(fields, "|"))
	b.WriteByte(segmentEnd)
}

// comps joins escaped components.
func comps(cs ...string) string {
	for i, c := range cs {
		cs[i] = Escape(c)
	}
	return strings.TrimRight(strings.Join(cs, "^"), "^")
}

func (o Options) processingID() string {
	if o.ProcessingID == "" {
		return "P"
	}
	return o.ProcessingID
}

// Encode writes one DFT^P03 (MSH, EVN, PID, PV1, FT1 per charge), segments
// ended by carriage returns. at is MSH-7 and EVN-2.
func (o Options) Encode(m Message, at time.Time) ([]byte, error) {
	if m.ControlID == "" || m.Patient.ID == "" || len(m.Charges) == 0 {
		return nil, errors.New("hl7v2: a message needs a control id, a patient and a charge")
	}
	ts := timestamp(at)
	var b strings.Builder
	segment(&b, "MSH", encodingChars, Escape(sendingApplication), Escape(o.SendingFacility), Escape(o.ReceivingApplication),
		Escape(o.ReceivingFacility), ts, "", "DFT^P03^DFT_P03", Escape(m.ControlID), Escape(o.processingID()), "2.5.1")
	segment(&b, "EVN", "P03", ts)
	pid3 := comps(m.Patient.ID, "", "", o.patientIDAuthority(), "PI")
	if m.Patient.MRN != "" {
		pid3 = comps(m.Patient.MRN, "", "", o.MRNAuthority, "MR")
	}
	name := m.Patient.Name
	if name == "" {
		name = o.NameStandIn
		if name == "" {
			name = m.Patient.ID
		}
	}
	segment(&b, "PID", "1", "", pid3, "", comps(name))
	segment(&b, "PV1", "1", "O")
	for i, c := range m.Charges {
		dos, err := time.Parse(time.DateOnly, c.DOS)
		if err != nil {
			return nil, fmt.Errorf("hl7v2: a date of service is not YYYY-MM-DD")
		}
		if c.Code == "" || c.Units < 1 {
			return nil, errors.New("hl7v2: a charge needs a code and at least one unit")
		}
		typ := "CG"
		if c.Reverse {
			typ = "CD"
		}
		code := comps(c.Code, "", "C4")
		segment(&b, "FT1", strconv.Itoa(i+1), Escape(c.LineID), "", dos.Format("20060102"), "", typ, code,
			"", "", strconv.Itoa(c.Units), "", "", "", "", "", "", "", "", "", "", "", "", "", "", code)
	}
	return []byte(b.String()), nil
}

func (o Options) patientIDAuthority() string {
	if o.PatientIDAuthority == "" {
		return sendingApplication
	}
	return o.PatientIDAuthority
}

// File wraps encoded messages in a batch file: FHS and BHS, the messages,
// BTS with the message count and FTS with the batch count. controlID names
// the file and the batch (FHS-11, BHS-11).
func (o Options) File(controlID string, at time.Time, msgs [][]byte) []byte {
	ts := timestamp(at)
	var b strings.Builder
	head := []string{encodingChars, Escape(sendingApplication), Escape(o.SendingFacility), Escape(o.ReceivingApplication),
		Escape(o.ReceivingFacility), ts, "", "", "", Escape(controlID)}
	segment(&b, append([]string{"FHS"}, head...)...)
	segment(&b, append([]string{"BHS"}, head...)...)
	for _, m := range msgs {
		b.Write(m)
	}
	segment(&b, "BTS", strconv.Itoa(len(msgs)))
	segment(&b, "FTS", "1")
	return []byte(b.String())
}
