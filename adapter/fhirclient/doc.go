// Package fhirclient is the adapter's FHIR R4 REST client: it reads and
// searches resources, follows search paging, posts transaction Bundles and
// fetches bulk-data status URLs, speaking JSON only (application/fhir+json).
//
// It is built on hashicorp/go-retryablehttp: the retry policy (429/503 honour
// Retry-After, 5xx and connection errors retried for idempotent requests only,
// other 4xx never) is expressed as retryablehttp's CheckRetry and Backoff
// hooks, not as a loop of its own. Authentication is none, a static bearer
// token, or SMART Backend Services (see SMARTAuth).
//
// What it returns is raw JSON: one []byte per resource or search page.
// Decoding FHIR resources is package fhirmap's job; this package parses only
// Bundle.link (to page) and OperationOutcome.issue (to explain errors).
//
// What it must never do:
//
//   - log or put into an error the query string, a request body or a response
//     body: search parameters carry patient ids and dates (PHI), so logs and
//     errors name only the method and the resource type or operation;
//   - log or return the bearer token or the SMART client assertion;
//   - put an OperationOutcome's free text (diagnostics, details) into an
//     error: servers echo patient data into it; issues keep severity and
//     code only;
//   - send credentials outside the configured base URL (its scheme, host,
//     port and path), whether through a paging link, a status URL or a
//     redirect, or over plain http to a host other than loopback; follow a
//     redirect of the SMART token endpoint;
//   - build a request path by URL resolution from an id: paths are escaped
//     segments under the base, and ids made only of dots are refused;
//   - hold a response of more than MaxResponseBytes (decompressed);
//   - hand back part of a search as if it were all of it: a failed page fails
//     the whole Search;
//   - retry a non-idempotent request (a POST not flagged idempotent) after a
//     5xx or a broken connection, because the server may already have applied
//     it.
package fhirclient
