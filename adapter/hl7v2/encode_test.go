package hl7v2_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2"
	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2/hl7v2test"
)

var at = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

func TestEscapeCoversTheDelimitersAndLineBreaks(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "plain",
		"a|b":           `a\F\b`,
		"a^b":           `a\S\b`,
		"a~b":           `a\R\b`,
		`a\b`:           `a\E\b`,
		"a&b":           `a\T\b`,
		"a\rb\nc":       `a\X0D\b\X0A\c`,
		`\F\`:           `\E\F\E\`,
		"Zoë O'Brien-Ü": "Zoë O'Brien-Ü",
	} {
		if got := hl7v2.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func sampleMessage() hl7v2.Message {
	return hl7v2.Message{ControlID: "RPM7-1", Patient: hl7v2.Patient{ID: "p-1", MRN: "M|R^N~1\\&", Name: "O'Hara & Sons|^~\\"},
		Charges: []hl7v2.Charge{
			{LineID: "line-a", DOS: "2026-10-30", Code: "99454", Units: 1},
			{LineID: "line-b", DOS: "2026-10-31", Code: "99458", Units: 2, Reverse: true},
		}}
}

func TestMessageSegmentsEndWithCarriageReturns(t *testing.T) {
	b, err := hl7v2.Options{ReceivingApplication: "EPIC"}.Encode(sampleMessage(), at)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "\n") || !strings.HasSuffix(s, "\r") {
		t.Fatalf("segments must end with CR only: %q", s)
	}
	segs := strings.Split(strings.TrimSuffix(s, "\r"), "\r")
	var names []string
	for _, seg := range segs {
		names = append(names, seg[:3])
	}
	if got := strings.Join(names, " "); got != "MSH EVN PID PV1 FT1 FT1" {
		t.Errorf("segments = %s", got)
	}
	if want := `MSH|^~\&|rpm-adapter||EPIC||20261102093000+0000||DFT^P03^DFT_P03|RPM7-1|P|2.5.1`; segs[0] != want {
		t.Errorf("MSH = %q, want %q", segs[0], want)
	}
	ft1 := strings.Split(segs[5], "|")
	if len(ft1) != 26 || ft1[25] != "99458^^C4" || ft1[6] != "CD" || ft1[10] != "2" {
		t.Errorf("FT1 = %q (%d fields)", segs[5], len(ft1))
	}
}

// TestHAPIReadsTheMessagesAsWritten is the independent check: HAPI HL7v2,
// validating against 2.5.1, reads every field back, the escaped ones as the
// values given.
func TestHAPIReadsTheMessagesAsWritten(t *testing.T) {
	o := hl7v2.Options{SendingFacility: "Clinic", ReceivingApplication: "EPIC", ReceivingFacility: "HOSP",
		ProcessingID: "T", MRNAuthority: "HOSP-MRN"}
	m1 := sampleMessage()
	m2 := hl7v2.Message{ControlID: "RPM7-2", Patient: hl7v2.Patient{ID: "p-2"},
		Charges: []hl7v2.Charge{{LineID: "line-c", DOS: "2026-10-01", Code: "99457", Units: 1}}}
	var msgs [][]byte
	for _, m := range []hl7v2.Message{m1, m2} {
		b, err := o.Encode(m, at)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	p := hl7v2test.Parse(t, o.File("RPM7", at, msgs))
	if got := strings.Join(p.Batch, " "); got != "2 RPM7 RPM7 2 1" {
		t.Errorf("batch envelope = %q", got)
	}
	if len(p.Messages) != 2 {
		t.Fatalf("HAPI read %d messages", len(p.Messages))
	}
	a, b := p.Messages[0], p.Messages[1]
	if a.ControlID != "RPM7-1" || a.Type != "DFT^P03^DFT_P03" || a.Version != "2.5.1" || a.ProcessingID != "T" ||
		a.PatientID != m1.Patient.MRN || a.Authority != "HOSP-MRN" || a.IDType != "MR" || a.Family != m1.Patient.Name ||
		a.PatientClass != "O" || a.SendingApp != "rpm-adapter" || a.ReceivingApp != "EPIC" {
		t.Errorf("first message as HAPI read it: %+v", a)
	}
	// No MRN: PID-3 is the patient id; no name: the id stands in for PID-5.
	if b.PatientID != "p-2" || b.Authority != "rpm-adapter" || b.IDType != "PI" || b.Family != "p-2" {
		t.Errorf("second message as HAPI read it: %+v", b)
	}
	want := []hl7v2test.FT1{
		{SetID: "1", TransactionID: "line-a", Date: "20261030", Type: "CG", Code: "99454", CodingSystem: "C4", Quantity: "1", ProcedureCode: "99454", ProcedureSystem: "C4"},
		{SetID: "2", TransactionID: "line-b", Date: "20261031", Type: "CD", Code: "99458", CodingSystem: "C4", Quantity: "2", ProcedureCode: "99458", ProcedureSystem: "C4"},
	}
	if len(a.FT1) != 2 || a.FT1[0] != want[0] || a.FT1[1] != want[1] {
		t.Errorf("FT1 as HAPI read them:\n got %+v\nwant %+v", a.FT1, want)
	}
}

// TestTheCheckRefusesWhatStrictParsersRefuse shows the independent check
// can fail: a message without the required PID-5, or with a segment out of
// place.
func TestTheCheckRefusesWhatStrictParsersRefuse(t *testing.T) {
	good, err := hl7v2.Options{}.Encode(sampleMessage(), at)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"no PID-5":             withField(string(good), "PID", 5, ""),
		"a segment misplaced":  strings.Replace(string(good), "PV1|1|O\r", "", 1) + "PV1|1|O\r",
		"a date that is wrong": strings.Replace(string(good), "20261030", "2026-10-30", 1),
	} {
		if refused, _ := hl7v2test.Refuses(t, []byte(bad)); !refused {
			t.Errorf("%s: HAPI's check accepted it", name)
		}
	}
}

// withField sets field n of the first segment named seg.
func withField(msg, seg string, n int, v string) string {
	segs := strings.Split(msg, "\r")
	for i, s := range segs {
		if strings.HasPrefix(s, seg+"|") {
			f := strings.Split(s, "|")
			f[n] = v
			segs[i] = strings.Join(f, "|")
			break
		}
	}
	return strings.Join(segs, "\r")
}
