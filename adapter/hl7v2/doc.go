// Package hl7v2 writes the billing export's HL7 v2.5.1 DFT^P03 messages
// (fhir-mapping.md §9) and sends them over MLLP.
//
// A small encoder of our own: no maintained Go HL7 v2 library was found
// among the modules served here (go-partial.tsv lists none), and the
// messages need only six segment types. Its output is checked in tests by an
// independent parser, HAPI HL7v2 with validation against the 2.5.1
// structures (testdata/hl7v2check).
//
// One message per patient and batch: MSH (sending application rpm-adapter,
// version 2.5.1, type DFT^P03^DFT_P03), EVN, PID (PID-3 the MRN with its
// assigning authority, else the patient id; PID-5 the name, else a stand-in
// because 2.5.1 requires it), PV1 (class O), and one FT1 per code line
// (FT1-2 the line's identifier, FT1-4 the DOS, FT1-6 CG or CD, FT1-7 and
// FT1-25 the CPT code with coding system C4, FT1-10 the units). Every value
// is escaped; segments end with a carriage return. A batch file wraps the
// messages in FHS/BHS … BTS/FTS.
//
// It knows nothing of the store; it must not log (messages carry names and
// MRNs).
package hl7v2
