// Package fhirserver is the adapter's Source and Sink on a FHIR server,
// through fhirclient: NewSource reads one patient at a time with a Patient
// read and searches (fhir-mapping.md §1), NewSink writes each window's
// MeasureReports, ChargeItems and Task back in one transaction
// (fhir-mapping.md §3). The Runner and the Service in package adapter drive
// them.
//
// It must not take the whole server as a population (a Group names it),
// nor search payer resources the profiles do not need, nor touch a billed
// ChargeItem. It must never log patient data, and the not-found it returns
// for a read drops the server's diagnostics, which name the resource. It
// knows nothing of NDJSON folders, HTTP serving or the store.
package fhirserver
