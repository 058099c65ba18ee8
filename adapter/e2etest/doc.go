// Package e2etest is the support of the end-to-end tests (TestE2E…) that
// run the adapter against a real HAPI FHIR JPA server: where the server is
// (RPM_E2E_FHIR_BASE, and the rule that a missing server skips locally but
// fails in CI), the sample patients loaded under a per-test id prefix with
// transaction Bundles, fresh searches of what the adapter wrote, and a
// reverse proxy that injects faults (429, 503, dropped connections, slow
// answers) between the adapter and the server.
//
// It is imported by tests only. It may read and print test data freely (the
// sample is synthetic), but it never changes resources it did not load:
// every test owns the ids under its prefix, so tests share one server.
// The README's "FHIR server notes" list the server behaviours the tests had to handle.
package e2etest
