// Package api is the HTTP layer of `rpm-adapter serve`: a Gin service with
// the FHIR-shaped API of fhir-mapping.md §5 (CapabilityStatement,
// OperationDefinitions, Patient and Group $rpm-eligibility, asynchronous
// Group jobs, health, readiness and Prometheus metrics).
//
// It knows nothing of how a patient is evaluated: it calls a Service, which
// the command wires to the adapter's sources, evaluator and sinks. It is the
// only package of the module that imports Gin.
//
// What it must not do:
//   - log patient data: request logs carry the route template (never the
//     raw path, which holds the patient id), the method, the status, the
//     duration and the request id; never query strings or bodies;
//   - show internal error text to a client: every error reaches the client
//     through writeError, which turns it into an OperationOutcome and, for a
//     500, says nothing but the request id;
//   - keep anything across restarts: asynchronous jobs live in memory only;
//   - answer a Host name it was not configured for, act on a cross-origin
//     browser request, or write back for a caller without the write role
//     (there is none without tokens): the adapter's FHIR credentials must
//     not become a web page's (README "Security");
//   - build a link from request headers: job links come from the
//     configuration.
package api
