// Package generate writes a deterministic synthetic RPM population as a FHIR
// Bulk Data export folder: one NDJSON file per resource type, one resource per
// line, the shape the adapter's bulk source reads (fhir-mapping.md §1).
//
// The population is made of two parts:
//
//   - named edge patients (ids "wc-c01" … "wc-c17", C11 split into
//     "wc-c11a/b/c", and "edge-…") that reproduce the rule book's worked
//     cases C1–C17 and the conflict, time-zone, duration and data-quality
//     rules, with fixed dates in October 2025, January–March 2026 and
//     October–November 2026 whatever Options.Start says; their expected
//     results, written by hand from the rule book's table, are the test
//     oracle (expected.json, see Oracle);
//   - ordinary patients ("pt-00001" …) with random days and minutes around the
//     thresholds, spread over several time zones, for realistic volume.
//
// Same Options, same bytes: every patient draws from its own PCG stream seeded
// by (Seed, patient number), nothing iterates a map and nothing reads the
// clock, so the output does not depend on scheduling or on the number of
// goroutines that build it. Resources are written by appending to byte
// buffers (no reflection on the hot path), patients are built in parallel
// batches and written in order.
//
// Every name, address and number in the output is invented. The data carry
// no adapter tag: the rpm-adapter "generated" tag marks the adapter's own
// write-back, and putting it on input ChargeItems would hide the conflicts
// the edge patients are there to show.
//
// Besides the eight types the adapter reads, the export holds the
// Organizations and Practitioners that ChargeItems and Communications
// reference, so every reference resolves inside it.
//
// What it must not do: read the clock, log, or need a zoneinfo database on
// the machine (time/tzdata is embedded; the zones' rules for 2025–2026 are
// the same in every recent release, so the bytes are too).
package generate
