// Package ndjson is the adapter's Source and Sink on local NDJSON files:
// Load reads a Bulk Data export folder (any mix of types per file) with
// every core into per-patient compact facts, readings in a compact log, and
// NewSink writes outcomes into a folder as one file per resource type,
// appended, private (0700/0600), crash-safe and locked to one run.
//
// It must not keep whole resources (memory grows with patients × facts),
// nor make a result depend on how the files were chunked, nor skip a line
// silently: what belongs to no patient is in Source.Orphans. The sink must
// never follow a symlink, loosen a mode or destroy earlier results. It does
// no network I/O and never logs patient data.
package ndjson
