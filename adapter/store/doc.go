// Package store is the adapter's own durable state (fhir-mapping.md §7): per
// patient and window the latest evaluation, the code lines with the
// ChargeItems' deterministic identifiers and their states, the ids of the
// resources written back, the audit trail, and the tables the watcher, the
// sign-off and the billing export build on. River's job tables live in the
// same database (its migrations run at Open).
//
// One Store on two databases, the way riverqueue/river runs on both: a file
// path opens SQLite through modernc.org/sqlite (pure Go), a postgres:// URL
// opens PostgreSQL through pgx's pool. Every query is written once, with ?
// placeholders and ON CONFLICT upserts that both understand; the dialect
// (dialect.go) holds what differs: placeholders, column types (the
// migrations come in one numbered file per database), how values of dates,
// instants and booleans come back, and how migrations are serialised. The
// same test suite runs against each driver.
//
// The schema (migrations/<driver>/NNNN_*.sql, each table documented there):
//
//	store_schema_version  the store migrations applied (version, name, time)
//	patients              per tenant and patient: the latest recording's zone, as-of date,
//	                      anchor, findings of no window, why not evaluated; name and MRN
//	evaluations           per patient and window: the latest evaluation, with its day
//	                      counts, activities and findings as JSON columns
//	code_line_states      the states a code line may take (a later migration inserts more)
//	code_lines            per ChargeItem identifier: code, units, DOS, window, state; never deleted
//	written_resources     the resources a write-back accepted, by type and id
//	audit_events          who read or wrote which patient or group, and the outcome (0002)
//	watch_cursors         per group and resource type, the _lastUpdated to search from (0003)
//	sign_offs             approvals and rejections of code lines, by token label (0004)
//	export_batches        billing exports (time, month, format, who) (0005)
//	export_batch_lines    the lines of a batch, each line once per action (0005)
//	river_*               River's job tables, migrated by River
//
// The store keeps ids, dates and counts, and of the patient only the display
// name and MRN (Options.NoNames keeps ids only). It never logs any of them:
// its logs name migration versions and nothing else.
//
// It must not import Gin, FHIR types or another driver; it is used by the
// adapter's orchestration as a Sink (Sink) and by cmd for wiring.
package store
