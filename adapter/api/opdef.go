package api

import (
	"fmt"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	odpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/operation_definition_go_proto"
	vspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"
)

// writeOperationName is the code of the operation that writes the results
// back. $rpm-eligibility never changes state, so it may be served by GET
// and says affectsState false; writing is its own operation, POST only,
// affectsState true (issue 16).
const writeOperationName = "rpm-eligibility-write"

// opParam describes one parameter of the operations.
type opParam struct {
	name  string
	use   cpb.OperationParameterUseCode_Value
	min   int32
	max   string
	typ   vspb.FHIRAllTypesValueSet_Value
	about string
}

// inParams are the "in" parameters of every operation (fhir-mapping.md
// §5), with the types readParams accepts: month is a string YYYY-MM (a FHIR
// date would also allow YYYY and YYYY-MM-DD, which it refuses; a valueDate
// of month precision is accepted too), date and enrollment are dates.
var inParams = []opParam{
	{"month", cpb.OperationParameterUseCode_IN, 0, "1", vspb.FHIRAllTypesValueSet_STRING,
		"Calendar month to evaluate, YYYY-MM (treatment-time month and every 30-day period ending in it). Not with date. " +
			"A valueDate of month precision is accepted too."},
	{"date", cpb.OperationParameterUseCode_IN, 0, "1", vspb.FHIRAllTypesValueSet_DATE,
		"As-of date, YYYY-MM-DD: the windows containing it, with the data up to it. Default: today. Not with month."},
	{"enrollment", cpb.OperationParameterUseCode_IN, 0, "1", vspb.FHIRAllTypesValueSet_DATE,
		"RPM enrollment date, YYYY-MM-DD, overriding the episode start."},
}

// returnDoc documents the "return" parameter of op: what the answer really
// is, for the group sizes the configuration allows.
func returnDoc(cfg Config, op operation) string {
	written := ""
	if op.write {
		written = " The resources are also written back to the FHIR server or the output folder."
	}
	if op.typeName != "Group" {
		return "Bundle (collection) of the patient's MeasureReports, ChargeItems and Tasks, then an OperationOutcome " +
			"of the input issues and warnings, and why the patient was not evaluated if it was not." + written
	}
	return fmt.Sprintf("Bundle (collection). For a group of at most %d members: every member's MeasureReports, "+
		"ChargeItems and Tasks in member order, then one OperationOutcome of every member's issues and failures. "+
		"A group of more than %d members needs Prefer: respond-async (422 otherwise) and the Bundle is the answer "+
		"of the status URL; one of more than %[1]d members gets a summary instead of the resources: a Parameters "+
		"entry with patients, evaluated, notEvaluated, failed, issues (valueInteger), written (valueBoolean) and "+
		"resources (one part per resource type, valueInteger), then an OperationOutcome naming each patient that "+
		"failed or was not evaluated.", cfg.GroupBundleLimit, cfg.SyncGroupLimit) + written
}

// operationDefinitions is the JSON of each OperationDefinition by id.
func operationDefinitions(cfg Config) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, op := range operations {
		od := operationDefinition(cfg, op)
		b, err := marshalResource(od)
		if err != nil {
			return nil, err
		}
		out[op.id()] = b
	}
	return out, nil
}

func operationDefinition(cfg Config, op operation) *odpb.OperationDefinition {
	title := op.typeName + " RPM eligibility"
	name := op.typeName + "RpmEligibility"
	desc := "Evaluates one patient's RPM eligibility for a month or as of a date. Changes nothing: served by GET and POST."
	if op.typeName == "Group" {
		desc = "Evaluates every member of a group. Changes nothing: served by GET and POST. Small groups are answered " +
			"at once; larger ones need Prefer: respond-async (FHIR asynchronous request pattern). A member's failure " +
			"is an issue of the OperationOutcome, not a failed request."
	}
	if op.write {
		title += ", written back"
		name += "Write"
		desc = "The same evaluation as $rpm-eligibility, and the results are written back (PUT to the FHIR server, " +
			"or NDJSON in the output folder). POST only; needs a token with the write role."
		if op.typeName == "Group" {
			desc += " Large groups need Prefer: respond-async."
		}
	}
	od := &odpb.OperationDefinition{
		Id:           &dtpb.Id{Value: op.id()},
		Url:          &dtpb.Uri{Value: opDefURL(cfg, op)},
		Version:      fstr(cfg.Version),
		Name:         fstr(name),
		Title:        fstr(title),
		Status:       &odpb.OperationDefinition_StatusCode{Value: cpb.PublicationStatusCode_ACTIVE},
		Kind:         &odpb.OperationDefinition_KindCode{Value: cpb.OperationKindCode_OPERATION},
		Date:         fdate(definitionDate),
		Description:  &dtpb.Markdown{Value: desc},
		AffectsState: fbool(op.write),
		Code:         &dtpb.Code{Value: op.code},
		Resource:     []*odpb.OperationDefinition_ResourceCode{{Value: op.resource}},
		System:       fbool(false),
		Type:         fbool(false),
		Instance:     fbool(true),
	}
	if cfg.Version == "" {
		od.Version = nil
	}
	params := append(append([]opParam{}, inParams...), opParam{"return", cpb.OperationParameterUseCode_OUT, 1, "1",
		vspb.FHIRAllTypesValueSet_BUNDLE, returnDoc(cfg, op)})
	for _, p := range params {
		od.Parameter = append(od.Parameter, &odpb.OperationDefinition_Parameter{
			Name:          &dtpb.Code{Value: p.name},
			Use:           &odpb.OperationDefinition_Parameter_UseCode{Value: p.use},
			Min:           &dtpb.Integer{Value: p.min},
			Max:           fstr(p.max),
			Documentation: fstr(p.about),
			Type:          &odpb.OperationDefinition_Parameter_TypeCode{Value: p.typ},
		})
	}
	return od
}
