// Package adapter does the product's I/O: it pulls one patient's resources
// from a FHIR server or a Bulk Data export folder, evaluates them with rules
// through fhirmap, and writes the results to a FHIR server or an NDJSON
// folder. The runner evaluates populations with bounded concurrency and
// records each patient's failure without stopping the others.
//
// It must never log patient data: no names, identifiers, values, narratives
// or query strings of FHIR searches. Patient ids appear only in results.
package adapter
