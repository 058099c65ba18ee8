// Package adapter is the product's orchestration and the interfaces its I/O
// packages implement: a Source yields a population and one patient's compact
// facts (PatientData), the Evaluator turns them into an Outcome with rules
// through fhirmap, and a Sink receives each Outcome. The Runner evaluates
// populations with bounded concurrency and records each patient's failure
// without stopping the others; the Service does one patient at a time for
// the HTTP API.
//
// The I/O lives in sub-packages cut by dependency, as benbjohnson/wtf cuts
// its sqlite/ and http/ apart: fhirclient (the FHIR REST client),
// fhirserver (source and sink on a FHIR server), ndjson (a Bulk Data export
// folder as source, an NDJSON folder as sink), bulk, api (Gin), store
// (SQLite and PostgreSQL) and auditlog. They import this package;
// it imports none of them and does no network or database I/O of its own
// (deps_test.go checks it).
//
// It must never log patient data: no names, identifiers, values, narratives
// or query strings of FHIR searches. Patient ids appear only in results.
package adapter
