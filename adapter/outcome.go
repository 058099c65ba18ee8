package adapter

import (
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Resource is one FHIR resource the adapter built, ready to write: its type,
// its deterministic id, its identifier and its JSON (validated R4).
type Resource struct {
	Type             string
	ID               string
	IdentifierSystem string
	IdentifierValue  string
	JSON             []byte
}

// Outcome is one patient's evaluation: the rules result, the resources to
// write back, and the issues found in the inputs.
type Outcome struct {
	PatientID string
	// DisplayName and MRN come from the Patient, for the store only: they
	// never reach a log, the table, an API answer or a written resource.
	DisplayName, MRN string
	// Result is nil when the patient could not be evaluated; NotEvaluated
	// then says why in a sentence without patient data ("no time zone").
	Result       *rules.Result
	NotEvaluated string
	// Resources are the MeasureReports, ChargeItems and Tasks, in a stable
	// order.
	Resources []Resource
	// Writes is the same write-back grouped by window, for the FHIR sink's
	// one transaction per window.
	Writes *fhirmap.WriteSet
	// OperationOutcome is the JSON of an OperationOutcome listing the input
	// issues and warnings, nil when there are none.
	OperationOutcome []byte
	// Issues are the input problems found while reading the patient's data.
	Issues []fhirmap.Issue
	// Warnings are safe sentences about the write (for example a billed
	// ChargeItem left untouched).
	Warnings []string
	// Activities are the patient's interactions as read, for a sink that
	// keeps them per month (the store); the rules' verdicts on them are in
	// Result. Set when Result is.
	Activities []rules.Interaction
}
