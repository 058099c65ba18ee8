// Package billing is the billing hand-off (fhir-mapping.md §9, issue 15):
// it asks the store for an export batch (each code line charged once, a
// withdrawn exported line reversed once) and writes it as CSV (RFC 4180,
// encoding/csv) or as HL7 v2.5.1 DFT^P03 messages (package hl7v2), to a
// file or over MLLP.
//
// The store records the bytes with the batch in the same transaction, so
// Rebuild writes an earlier batch again byte for byte. Over MLLP the lines of
// a message the receiver refuses (AE, AR) or never acknowledges are taken
// out of the batch again, so the next export carries them.
//
// Estimated amounts come from an AmountFunc given by the caller (the fee
// schedule lives elsewhere); without one the column is empty.
//
// It never logs: batches carry names and MRNs.
package billing
