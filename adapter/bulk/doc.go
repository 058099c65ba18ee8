// Package bulk is the adapter's FHIR Bulk Data Access client (HL7 Bulk Data
// IG v2, group-level export). Export kicks off Group/{id}/$export, polls the
// status URL, streams every file of the completion manifest into a local
// folder and deletes the job on the server; the folder is then read like any
// other export (ndjson.Load).
//
// Layout of the folder, which must be empty or missing:
//
//	<dir>/<Type>-<n>.ndjson              output[] files, n counting from 1 per type
//	<dir>/error/OperationOutcome-<n>.ndjson   error[] files, kept so the caller can report them
//	<dir>/deleted/Bundle-<n>.ndjson      deleted[] files (only with _since)
//
// Error and deleted files live in sub-folders so that reading the top level
// evaluates the exported resources and nothing else.
//
// What it must never do:
//
//   - send the access token outside the FHIR base (its origin and path): a
//     status URL or manifest link elsewhere is refused, and so is an output
//     file elsewhere when the manifest says it needs the token (with
//     requiresAccessToken false no token is sent to any file, ours
//     included);
//   - fetch a file from anywhere but under the FHIR base or an origin listed
//     in Options.FileOrigins, redirects included, or one larger than the
//     size limit (Options.MaxFileBytes, else the client's
//     MaxResponseBytes);
//   - hand back part of an export as if it were all of it: a failed download
//     or a line count that disagrees with the manifest fails the export and
//     removes the files it wrote;
//   - leave a job running on the server when it gives up: after kick-off the
//     status URL is always DELETEd, with a short timeout of its own when the
//     caller's context is already cancelled;
//   - log or put into an error a file URL (it may be a signed URL) or a
//     resource; logs name counts, types and poll numbers only;
//   - send _typeFilter: types are restricted with _type only, since servers
//     differ in which _typeFilter queries they support and the adapter
//     filters what it reads itself.
package bulk
