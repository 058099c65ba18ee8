// The OperationDefinitions of serve's operations (README, The API). serve
// answers them from this guide at /fhir/OperationDefinition/{id} and
// ?url=…; only the version (the software's, when it has one), the canonical
// base (--canonical) and the Group operations' return documentation (the
// configured group limits; the text here is for the defaults, which a Go
// test of adapter/api checks) are set at start. The operation routes are
// Go's (adapter/api/server.go); a test checks each has its definition here.

RuleSet: EligibilityInParams
* parameter[+].name = #month
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].documentation = "Calendar month to evaluate, YYYY-MM (treatment-time month and every 30-day period ending in it). Not with date. A valueDate of month precision is accepted too."
* parameter[=].type = #string
* parameter[+].name = #date
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].documentation = "As-of date, YYYY-MM-DD: the windows containing it, with the data up to it. Default: today. Not with month."
* parameter[=].type = #date
* parameter[+].name = #enrollment
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].documentation = "RPM enrollment date, YYYY-MM-DD, overriding the episode start."
* parameter[=].type = #date

Instance: Patient-rpm-eligibility
InstanceOf: OperationDefinition
Usage: #definition
Title: "Patient RPM eligibility"
Description: "Evaluates one patient's RPM eligibility for a month or as of a date. Changes nothing: served by GET and POST."
* name = "PatientRpmEligibility"
* title = "Patient RPM eligibility"
* status = #active
* kind = #operation
* date = "2026-12-02"
* description = "Evaluates one patient's RPM eligibility for a month or as of a date. Changes nothing: served by GET and POST."
* affectsState = false
* code = #rpm-eligibility
* resource = #Patient
* system = false
* type = false
* instance = true
* insert EligibilityInParams
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "Bundle (collection) of the patient's MeasureReports, ChargeItems and Tasks, then an OperationOutcome of the input issues and warnings, and why the patient was not evaluated if it was not."
* parameter[=].type = #Bundle

Instance: Patient-rpm-eligibility-write
InstanceOf: OperationDefinition
Usage: #definition
Title: "Patient RPM eligibility, written back"
Description: "The same evaluation as $rpm-eligibility, and the results are written back (PUT to the FHIR server, or NDJSON in the output folder). POST only; needs a token with the write role."
* name = "PatientRpmEligibilityWrite"
* title = "Patient RPM eligibility, written back"
* status = #active
* kind = #operation
* date = "2026-12-02"
* description = "The same evaluation as $rpm-eligibility, and the results are written back (PUT to the FHIR server, or NDJSON in the output folder). POST only; needs a token with the write role."
* affectsState = true
* code = #rpm-eligibility-write
* resource = #Patient
* system = false
* type = false
* instance = true
* insert EligibilityInParams
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "Bundle (collection) of the patient's MeasureReports, ChargeItems and Tasks, then an OperationOutcome of the input issues and warnings, and why the patient was not evaluated if it was not. The resources are also written back to the FHIR server or the output folder."
* parameter[=].type = #Bundle

Instance: Group-rpm-eligibility
InstanceOf: OperationDefinition
Usage: #definition
Title: "Group RPM eligibility"
Description: "Evaluates every member of a group. Changes nothing: served by GET and POST. Small groups are answered at once; larger ones need Prefer: respond-async (FHIR asynchronous request pattern). A member's failure is an issue of the OperationOutcome, not a failed request."
* name = "GroupRpmEligibility"
* title = "Group RPM eligibility"
* status = #active
* kind = #operation
* date = "2026-12-02"
* description = "Evaluates every member of a group. Changes nothing: served by GET and POST. Small groups are answered at once; larger ones need Prefer: respond-async (FHIR asynchronous request pattern). A member's failure is an issue of the OperationOutcome, not a failed request."
* affectsState = false
* code = #rpm-eligibility
* resource = #Group
* system = false
* type = false
* instance = true
* insert EligibilityInParams
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "Bundle (collection). For a group of at most 200 members: every member's MeasureReports, ChargeItems and Tasks in member order, then one OperationOutcome of every member's issues and failures. A group of more than 20 members needs Prefer: respond-async (422 otherwise) and the Bundle is the answer of the status URL; one of more than 200 members gets a summary instead of the resources: a Parameters entry with patients, evaluated, notEvaluated, failed, issues (valueInteger), written (valueBoolean) and resources (one part per resource type, valueInteger), then an OperationOutcome naming each patient that failed or was not evaluated."
* parameter[=].type = #Bundle

Instance: Group-rpm-eligibility-write
InstanceOf: OperationDefinition
Usage: #definition
Title: "Group RPM eligibility, written back"
Description: "The same evaluation as $rpm-eligibility, and the results are written back (PUT to the FHIR server, or NDJSON in the output folder). POST only; needs a token with the write role. Large groups need Prefer: respond-async."
* name = "GroupRpmEligibilityWrite"
* title = "Group RPM eligibility, written back"
* status = #active
* kind = #operation
* date = "2026-12-02"
* description = "The same evaluation as $rpm-eligibility, and the results are written back (PUT to the FHIR server, or NDJSON in the output folder). POST only; needs a token with the write role. Large groups need Prefer: respond-async."
* affectsState = true
* code = #rpm-eligibility-write
* resource = #Group
* system = false
* type = false
* instance = true
* insert EligibilityInParams
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "Bundle (collection). For a group of at most 200 members: every member's MeasureReports, ChargeItems and Tasks in member order, then one OperationOutcome of every member's issues and failures. A group of more than 20 members needs Prefer: respond-async (422 otherwise) and the Bundle is the answer of the status URL; one of more than 200 members gets a summary instead of the resources: a Parameters entry with patients, evaluated, notEvaluated, failed, issues (valueInteger), written (valueBoolean) and resources (one part per resource type, valueInteger), then an OperationOutcome naming each patient that failed or was not evaluated. The resources are also written back to the FHIR server or the output folder."
* parameter[=].type = #Bundle

Instance: rpm-billing-export
InstanceOf: OperationDefinition
Usage: #definition
Title: "RPM billing export"
Description: "Makes one export batch of the store's billable code lines for a month (fhir-mapping.md §9) and answers it as the file itself. The lines move to exported, so this changes state: POST only (the parameters in the query string or a Parameters body, FHIR JSON) and a token with the write role. Served only when the service is configured with a billing export (404 otherwise); its CapabilityStatement then lists the operation."
* name = "RpmBillingExport"
* title = "RPM billing export"
* status = #active
* kind = #operation
* date = "2026-12-02"
* description = "Makes one export batch of the store's billable code lines for a month (fhir-mapping.md §9) and answers it as the file itself. The lines move to exported, so this changes state: POST only (the parameters in the query string or a Parameters body, FHIR JSON) and a token with the write role. Served only when the service is configured with a billing export (404 otherwise); its CapabilityStatement then lists the operation."
* affectsState = true
* code = #rpm-billing-export
* system = true
* type = false
* instance = false
* parameter[+].name = #month
* parameter[=].use = #in
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "The month of the code lines' dates of service, YYYY-MM (a valueDate of month precision is accepted too)."
* parameter[=].type = #string
* parameter[+].name = #format
* parameter[=].use = #in
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "csv or hl7v2 (HL7 v2.5.1 DFT^P03 messages). A valueString is accepted too."
* parameter[=].type = #code
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "The batch's file as the response body, not a FHIR resource: text/csv or application/hl7-v2 (a Binary in its native form), with the batch number in the X-Export-Batch header."
* parameter[=].type = #Binary
