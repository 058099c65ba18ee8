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
//   - send credentials to an origin (scheme, host, port) other than the
//     configured base URL, whether through a paging link, a status URL or a
//     redirect;
//   - hand back part of a search as if it were all of it: a failed page fails
//     the whole Search;
//   - retry a non-idempotent request (a POST not flagged idempotent) after a
//     5xx or a broken connection, because the server may already have applied
//     it.
package fhirclient
