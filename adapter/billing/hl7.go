package billing

import (
	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// EncodeHL7 writes a batch as an HL7 v2 batch file: one DFT^P03 per
// patient, in FHS/BHS … BTS/FTS. The batch's time is every message's time,
// so the bytes follow from the batch alone.
func (e *Exporter) EncodeHL7(b *store.Batch) ([]byte, error) {
	msgs, _, err := e.messages(b)
	if err != nil {
		return nil, err
	}
	return e.HL7.File(fileControlID(b.ID), b.CreatedAt, msgs), nil
}

// messages encodes one message per patient, and the lines each carries.
func (e *Exporter) messages(b *store.Batch) ([][]byte, [][]store.ExportLine, error) {
	groups := patientGroups(b.Lines)
	out := make([][]byte, 0, len(groups))
	for i, g := range groups {
		m := hl7v2.Message{ControlID: controlID(b.ID, i),
			Patient: hl7v2.Patient{ID: g[0].PatientID, MRN: g[0].Patient.MRN, Name: g[0].Patient.DisplayName}}
		for _, l := range g {
			m.Charges = append(m.Charges, hl7v2.Charge{LineID: l.LineID, DOS: l.DOS.String(),
				Reverse: l.Action == store.ActionReverse, Code: l.Code, Units: l.Units})
		}
		enc, err := e.HL7.Encode(m, b.CreatedAt)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, enc)
	}
	return out, groups, nil
}

// patientGroups cuts a batch's lines (sorted by patient) into one run per
// patient.
func patientGroups(ls []store.ExportLine) [][]store.ExportLine {
	var out [][]store.ExportLine
	for i := 0; i < len(ls); {
		j := i + 1
		for j < len(ls) && ls[j].PatientID == ls[i].PatientID {
			j++
		}
		out = append(out, ls[i:j])
		i = j
	}
	return out
}
