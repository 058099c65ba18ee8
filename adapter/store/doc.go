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
// The store keeps ids, dates and counts, and of the patient only the display
// name and MRN (Options.NoNames keeps ids only). It never logs any of them:
// its logs name migration versions and nothing else.
//
// It must not import Gin, FHIR types or another driver; it is used by the
// adapter's orchestration as a Sink (Sink) and by cmd for wiring.
package store
