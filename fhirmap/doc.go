// Package fhirmap is the pure translation layer between FHIR R4 JSON and the
// rules domain: it reads what FHIR servers send into small structs the rules
// need, reporting every resource it skips or only partly uses, and it builds
// the resources the adapter writes back (MeasureReport, ChargeItem, Task,
// their updates, OperationOutcome, transaction Bundles): by default with the
// fast encoder, which writes the JSON directly (write_fast*.go), and with
// WriteOptions.Strict as google/fhir R4 protos validated by fhirvalidate and
// marshalled by jsonformat, the reference the fast encoder's bytes are
// tested against.
//
// It must not do I/O beyond the readers and writers it is handed, never log,
// never read the clock (callers pass the run time), and never put a value
// taken from a resource (patient data) into an issue message or an error.
package fhirmap
