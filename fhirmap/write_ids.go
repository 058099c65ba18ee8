package fhirmap

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// Id prefixes of the resources the adapter writes (fhir-mapping.md §3): they
// start with letters, so an id is never mistaken for a number, and the rest is
// a hash, so it carries no patient data.
const (
	PrefixMeasureReport = "rpm-mr"
	PrefixChargeItem    = "rpm-ci"
	PrefixTask          = "rpm-task"
)

// identityVersion is the first field of the hashed tuple; changing how the
// tuple is formed needs a new version, or every resource would be duplicated.
const identityVersion = "rpm-adapter/identity/v1"

// Identifier is a business identifier (system and value) of a written resource.
type Identifier struct {
	System, Value string
}

// IdentifierValue derives the identifier value of a written resource from
// (tenant, patient id, code or measure, window start, rule set): the hex
// SHA-256 of the tuple. A hash, because the value is searchable and visible
// to every reader of the resource and must not carry the patient id (PHI);
// length-prefixed fields, so no choice of values can make two tuples collide
// by shifting a separator.
func IdentifierValue(tenant, patientID, codeOrMeasure string, windowStart rules.Date, ruleSet rules.RuleSetID) string {
	var b strings.Builder
	b.Grow(len(identityVersion) + len(tenant) + len(patientID) + len(codeOrMeasure) + len(ruleSet) + 48)
	for _, f := range [...]string{identityVersion, tenant, patientID, codeOrMeasure, windowStart.String(), string(ruleSet)} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
		b.WriteByte(';')
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// ResourceID derives the resource id from an identifier value: prefix, a
// dash and the first 16 hex digits of SHA-256(identifier value). 64 bits
// make a collision within one server's lifetime negligible, and the result
// is a valid FHIR id ([A-Za-z0-9-.]{1,64}) that contains letters.
func ResourceID(prefix, identifierValue string) string {
	sum := sha256.Sum256([]byte(identifierValue))
	var buf [16]byte
	hex.Encode(buf[:], sum[:8])
	return prefix + "-" + string(buf[:])
}

// bundleUUID is the deterministic urn:uuid fullUrl of a transaction entry in
// conditional mode: the first 128 bits of SHA-256 of the identifier system
// and value, stamped as an RFC 9562 version 8 (custom) UUID.
func bundleUUID(id Identifier) string {
	sum := sha256.Sum256([]byte(id.System + "|" + id.Value))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:16])
	return "urn:uuid:" + string(buf[:])
}
