package fhirmap

// Severity says what an Issue did to the resource it is about. The values are
// FHIR IssueSeverity codes, so an Issue maps onto an OperationOutcome.issue
// without translation.
type Severity string

// Severities.
const (
	// SeverityError: the resource (or NDJSON line, or Bundle) was skipped
	// because data the rules need is missing or invalid.
	SeverityError Severity = "error"
	// SeverityWarning: the resource was used, but part of it was not (for
	// example a Communication duration in an unsupported unit counts zero).
	SeverityWarning Severity = "warning"
	// SeverityInformation: the resource was skipped because it is out of scope
	// (a resource type the adapter does not read, a ChargeItem without a CPT
	// code); nothing is wrong with it.
	SeverityInformation Severity = "information"
)

// Issue reports one resource that was skipped or only partly used.
//
// Message is safe to log: it never contains a value taken from the resource
// (no names, dates, codes, ids of other resources). The resource's own id is
// the only resource value an Issue carries, in ID.
type Issue struct {
	ResourceType string   `json:"resourceType,omitempty"`
	ID           string   `json:"id,omitempty"`
	Path         string   `json:"path,omitempty"` // FHIRPath-style, e.g. Observation.effective
	Code         string   `json:"code"`           // stable machine code, see the Code* constants
	Message      string   `json:"message"`
	Severity     Severity `json:"severity"`
	// Line is the 1-based NDJSON line the issue is about; 0 when the input
	// was not NDJSON.
	Line int `json:"line,omitempty"`
}

// Stable issue codes. Callers may switch on them; they never change meaning.
const (
	CodeMalformedJSON       = "malformed-json"        // not JSON, truncated, or trailing data
	CodeTooDeep             = "too-deep"              // nesting beyond Options.MaxDepth
	CodeLineTooLong         = "line-too-long"         // NDJSON line beyond Options.MaxLineBytes
	CodeTooLarge            = "too-large"             // Bundle body beyond Options.MaxBundleBytes
	CodeNotAnObject         = "not-an-object"         // the JSON value is not an object
	CodeMissingResourceType = "missing-resource-type" // no resourceType
	CodeUnknownResourceType = "unknown-resource-type" // a type this adapter does not read
	CodeUnexpectedType      = "unexpected-resource-type"
	CodeMissingID           = "missing-id"
	CodeInvalidID           = "invalid-id"
	CodeInvalidType         = "invalid-type" // a used element has the wrong JSON type
	CodeInvalidChoice       = "invalid-choice"
	CodeMissingStatus       = "missing-status"
	CodeUnknownStatus       = "unknown-status"
	CodeMissingSubject      = "missing-subject"
	CodeBadReference        = "bad-reference"          // not a literal reference shape
	CodeUnresolvable        = "unresolvable-reference" // urn:uuid:, contained #x, identifier or display only
	CodeNotPatient          = "not-patient"            // subject names another resource type
	CodeMissingEffective    = "missing-effective"
	CodeUnsupportedEffect   = "unsupported-effective" // effectiveTiming
	CodeInvalidDateTime     = "invalid-datetime"
	CodeNoOffset            = "no-offset"      // a time without a UTC offset (invalid in R4)
	CodeImpreciseDate       = "imprecise-date" // only a year or a year and month
	CodeInvalidDuration     = "invalid-duration"
	CodeBadDurationUnit     = "bad-duration-unit"
	CodeUnknownProgram      = "unknown-program"
	CodeConflictingProgram  = "conflicting-program"
	CodeInvalidTimeZone     = "invalid-timezone"
	CodeNoCPTCode           = "no-cpt-code"
	CodeMissingOccurrence   = "missing-occurrence"
	CodeUnsupportedOccur    = "unsupported-occurrence" // occurrenceTiming
	CodeOpenPeriod          = "open-period"
	CodeMissingPeriodStart  = "missing-period-start"
	CodeInvalidPeriod       = "invalid-period" // end before start
	CodeInvalidHTTPStatus   = "invalid-http-status"
	CodeNoDuration          = "no-duration"
	CodeMissingStart        = "missing-start"
	CodeEncounterMismatch   = "encounter-mismatch"
	CodeEncounterNotFound   = "encounter-not-found"
	CodeEncounterUnusable   = "encounter-unusable"
	CodeStrictInvalid       = "strict-invalid" // Options.Strict: the full R4 validator objected
	CodeMissingPayor        = "missing-payor"  // a Coverage without payor: it cannot choose a payer profile
	CodeUnknownCode         = "unknown-code"   // a required-binding code (not a status) outside its value set, e.g. Consent.provision.type
)

// issueAt is an issue being built while the resource's id may not be known
// yet; finish fills ResourceType and ID.
func (d *decoder) issue(path, code string, sev Severity, msg string) {
	p := path
	if d.prefix != "" {
		// Inside a Bundle entry the path is rooted at the Bundle so that two
		// entries with the same problem stay apart.
		p = d.prefix + issueTrimType(path)
	}
	d.issues = append(d.issues, Issue{Path: p, Code: code, Message: msg, Severity: sev})
	d.owners = append(d.owners, d.level)
}

// issueTrimType drops the leading resource type of a path ("Observation.status"
// → ".status"; "Observation" → "").
func issueTrimType(path string) string {
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			return path[i:]
		}
	}
	return ""
}

// stamp sets ResourceType and ID on the issues appended since from by the
// resource being decoded (not by resources nested in it, such as Bundle
// entries, which stamp their own).
func (d *decoder) stamp(from int, typ, id string) {
	for i := from; i < len(d.issues); i++ {
		if d.owners[i] == d.level {
			d.issues[i].ResourceType, d.issues[i].ID = typ, id
		}
	}
}

// skipped reports whether an issue from index from on skipped the resource.
func (d *decoder) skipped(from int) bool {
	for i := from; i < len(d.issues); i++ {
		if d.issues[i].Severity == SeverityError {
			return true
		}
	}
	return false
}
