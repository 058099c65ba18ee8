package billing

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// CSVHeader is the export's header row, the columns in their order
// (issue 15).
var CSVHeader = []string{"batch", "line", "action", "patient", "mrn", "dos", "cpt", "units", "window_start", "window_end",
	"rule_set", "billing_organization", "measure_report", "estimated_amount"}

// AmountFunc estimates what a line is paid (a decimal in dollars, "52.11"),
// ok false when it has no amount. A reversal carries the charge's amount,
// as it repeats its units.
type AmountFunc func(code string, units int, dos rules.Date) (amount string, ok bool)

// Measure names of the MeasureReports (fhirmap's write-back names them the
// same: rpm-device-days for a 30-day period, rpm-treatment-time for a
// month); with them the export names each line's evidence without reading
// the FHIR server.
const (
	measureDevice = "rpm-device-days"
	measureTime   = "rpm-treatment-time"
)

// MeasureReportRef is "MeasureReport/<id>" of the evidence of a line: the
// id the write-back gives the window's MeasureReport (fhir-mapping.md §3).
func MeasureReportRef(l store.CodeLine) string {
	measure := measureDevice
	if l.WindowKind == rules.CalendarMonth {
		measure = measureTime
	}
	v := fhirmap.IdentifierValue(l.Tenant, l.PatientID, measure, l.WindowStart, l.RuleSet)
	return "MeasureReport/" + fhirmap.ResourceID(fhirmap.PrefixMeasureReport, v)
}

// EncodeCSV writes a batch as CSV: the header, then one row per line.
func (e *Exporter) EncodeCSV(b *store.Batch) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(CSVHeader); err != nil {
		return nil, err
	}
	id := strconv.FormatInt(b.ID, 10)
	for _, l := range b.Lines {
		amount := ""
		if e.Amounts != nil {
			if a, ok := e.Amounts(l.Code, l.Units, l.DOS); ok {
				amount = a
			}
		}
		if err := w.Write([]string{id, l.LineID, l.Action, l.PatientID, l.Patient.MRN, l.DOS.String(), l.Code,
			strconv.Itoa(l.Units), l.WindowStart.String(), l.WindowEnd.String(), string(l.RuleSet),
			e.BillingOrganization, MeasureReportRef(l.CodeLine), amount}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
