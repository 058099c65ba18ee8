package fhirmap

// DefaultCanonical is the base of everything the product defines
// (fhir-mapping.md: one constant; a deployment may override it).
const DefaultCanonical = "http://rpm-adapter.org/fhir"

// Paths under the canonical base. Join with Canonical(base, path).
const (
	PathDurationExt     = "/StructureDefinition/communication-duration"
	PathProgramSystem   = "/CodeSystem/program"
	PathGeneratedTagSys = "/CodeSystem/rpm-adapter"
	PathTaskCodeSystem  = "/CodeSystem/rpm-task"
	PathMeasureDevice   = "/Measure/rpm-device-days"
	PathMeasureTime     = "/Measure/rpm-treatment-time"
	PathIdentifier      = "/identifier/" // + lower-case resource type
	PathExtension       = "/StructureDefinition/"
	GeneratedTagCode    = "generated"
	ProgramRPMCode      = "rpm"
)

// External systems and extensions the adapter reads or writes.
const (
	SystemCPT          = "http://www.ama-assn.org/go/cpt"
	SystemParticipMode = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
	SystemActReason    = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
	SystemPHDCategory  = "http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories"
	SystemUCUM         = "http://unitsofmeasure.org"
	ExtTimezone        = "http://hl7.org/fhir/StructureDefinition/timezone"
	// SystemConditionClinical and SystemConditionVerStatus are the required
	// code systems of Condition.clinicalStatus and verificationStatus.
	SystemConditionClinical  = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	SystemConditionVerStatus = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	PHDCategoryCode          = "phd-observation"
	TestDataCode             = "HTEST"
)

// Canonical joins the canonical base and a path.
func Canonical(base, path string) string {
	if base == "" {
		base = DefaultCanonical
	}
	return base + path
}
