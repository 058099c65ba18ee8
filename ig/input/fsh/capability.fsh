// The CapabilityStatement of the service, kind requirements: everything
// serve can offer, in its fullest configuration. serve's /fhir/metadata is
// an instance statement built in Go (adapter/api/capability.go) for the
// configuration at hand (rest.security only with tokens, the billing export
// only when configured) that instantiates this one; a Go test checks that
// every resource, interaction, search parameter and operation of the served
// statement, in every configuration, is here, and that the fullest served
// statement has all of this one's.

Instance: rpm-adapter
InstanceOf: CapabilityStatement
Usage: #definition
Title: "rpm-adapter eligibility API"
Description: "What rpm-adapter serve offers: the eligibility operations on Patient and Group, the billing export, and its definitions (this guide's resources) read-only."
* name = "RpmAdapter"
* title = "rpm-adapter eligibility API"
* status = #active
* experimental = false
* date = "2026-12-02"
* description = "Evaluates remote patient monitoring eligibility (device days, treatment minutes) per patient or group and returns MeasureReports, ChargeItems and Tasks. Writes them back, and makes billing export batches, on request. Publishes its definitions (this guide)."
* kind = #requirements
* fhirVersion = #4.0.1
* format[0] = #json
* implementationGuide[0] = "http://rpm-adapter.org/fhir/ImplementationGuide/rpm-adapter.fhir"
* rest[0].mode = #server
* rest[0].documentation = "The operations need a bearer token when tokens are configured; metadata and the definitions (OperationDefinition, StructureDefinition, CodeSystem, ValueSet, Measure, ImplementationGuide, CapabilityStatement) do not."
* rest[0].security.cors = false
* rest[0].security.service[0].text = "Static bearer tokens (RFC 6750 Authorization: Bearer header), issued by the operator"
* rest[0].security.description = "When the service is configured with tokens: send the token in an `Authorization: Bearer` header with every operation and job status request; 401 without a valid token. A token has the role read or write: $rpm-eligibility-write, $rpm-billing-export and cancelling a job that writes need the write role (403 otherwise). Without tokens the service is read-only and open. No CORS: browsers' cross-origin requests are refused."
* rest[0].resource[+].type = #Patient
* rest[0].resource[=].operation[+].name = "rpm-eligibility"
* rest[0].resource[=].operation[=].definition = "http://rpm-adapter.org/fhir/OperationDefinition/Patient-rpm-eligibility"
* rest[0].resource[=].operation[+].name = "rpm-eligibility-write"
* rest[0].resource[=].operation[=].definition = "http://rpm-adapter.org/fhir/OperationDefinition/Patient-rpm-eligibility-write"
* rest[0].resource[+].type = #Group
* rest[0].resource[=].operation[+].name = "rpm-eligibility"
* rest[0].resource[=].operation[=].definition = "http://rpm-adapter.org/fhir/OperationDefinition/Group-rpm-eligibility"
* rest[0].resource[=].operation[+].name = "rpm-eligibility-write"
* rest[0].resource[=].operation[=].definition = "http://rpm-adapter.org/fhir/OperationDefinition/Group-rpm-eligibility-write"
* rest[0].resource[+].type = #OperationDefinition
* rest[0].resource[=].interaction[+].code = #read
* rest[0].resource[=].interaction[+].code = #search-type
* rest[0].resource[=].searchParam[+].name = "url"
* rest[0].resource[=].searchParam[=].definition = "http://hl7.org/fhir/SearchParameter/conformance-url"
* rest[0].resource[=].searchParam[=].type = #uri
* rest[0].resource[=].searchParam[=].documentation = "The canonical URL, exactly; url|version also matches the version."
* rest[0].resource[=].searchParam[+].name = "code"
* rest[0].resource[=].searchParam[=].definition = "http://hl7.org/fhir/SearchParameter/OperationDefinition-code"
* rest[0].resource[=].searchParam[=].type = #token
* rest[0].resource[=].searchParam[=].documentation = "The operation's code (rpm-eligibility, rpm-eligibility-write, rpm-billing-export)."
* rest[0].resource[+].type = #StructureDefinition
* rest[0].resource[=].interaction[+].code = #read
* rest[0].resource[=].interaction[+].code = #search-type
* rest[0].resource[=].searchParam[+].name = "url"
* rest[0].resource[=].searchParam[=].type = #uri
* rest[0].resource[+].type = #CodeSystem
* rest[0].resource[=].interaction[+].code = #read
* rest[0].resource[=].interaction[+].code = #search-type
* rest[0].resource[=].searchParam[+].name = "url"
* rest[0].resource[=].searchParam[=].type = #uri
* rest[0].resource[+].type = #ValueSet
* rest[0].resource[=].interaction[+].code = #read
* rest[0].resource[=].interaction[+].code = #search-type
* rest[0].resource[=].searchParam[+].name = "url"
* rest[0].resource[=].searchParam[=].type = #uri
* rest[0].resource[+].type = #Measure
* rest[0].resource[=].interaction[+].code = #read
* rest[0].resource[=].interaction[+].code = #search-type
* rest[0].resource[=].searchParam[+].name = "url"
* rest[0].resource[=].searchParam[=].type = #uri
* rest[0].resource[+].type = #ImplementationGuide
* rest[0].resource[=].interaction[+].code = #read
* rest[0].resource[=].interaction[+].code = #search-type
* rest[0].resource[=].searchParam[+].name = "url"
* rest[0].resource[=].searchParam[=].type = #uri
* rest[0].resource[+].type = #CapabilityStatement
* rest[0].resource[=].interaction[+].code = #read
* rest[0].resource[=].interaction[+].code = #search-type
* rest[0].resource[=].searchParam[+].name = "url"
* rest[0].resource[=].searchParam[=].type = #uri
* rest[0].operation[+].name = "rpm-billing-export"
* rest[0].operation[=].definition = "http://rpm-adapter.org/fhir/OperationDefinition/rpm-billing-export"
