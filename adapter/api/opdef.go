package api

import (
	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	odpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/operation_definition_go_proto"
	vspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"
)

// opParam describes one parameter of $rpm-eligibility.
type opParam struct {
	name  string
	use   cpb.OperationParameterUseCode_Value
	min   int32
	max   string
	typ   vspb.FHIRAllTypesValueSet_Value
	about string
}

// eligibilityParams are the parameters of both operations (fhir-mapping.md
// §5); readParams accepts exactly the "in" ones.
var eligibilityParams = []opParam{
	{"month", cpb.OperationParameterUseCode_IN, 0, "1", vspb.FHIRAllTypesValueSet_DATE,
		"Calendar month to evaluate, YYYY-MM (treatment-time month and every 30-day period ending in it). Not with date."},
	{"date", cpb.OperationParameterUseCode_IN, 0, "1", vspb.FHIRAllTypesValueSet_DATE,
		"As-of date, YYYY-MM-DD: the windows containing it, with the data up to it. Default: today. Not with month."},
	{"write", cpb.OperationParameterUseCode_IN, 0, "1", vspb.FHIRAllTypesValueSet_BOOLEAN,
		"true writes the results back to the FHIR server or output folder (POST only). Default false."},
	{"enrollment", cpb.OperationParameterUseCode_IN, 0, "1", vspb.FHIRAllTypesValueSet_DATE,
		"RPM enrollment date, YYYY-MM-DD, overriding the episode start."},
	{"return", cpb.OperationParameterUseCode_OUT, 1, "1", vspb.FHIRAllTypesValueSet_BUNDLE,
		"Bundle (collection) of MeasureReports, ChargeItems and Tasks, with an OperationOutcome of warnings; for an async Group job over the bundle limit, a Parameters summary and an OperationOutcome of per-patient failures."},
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
		out[opDefID(op.typeName)] = b
	}
	return out, nil
}

func operationDefinition(cfg Config, op operation) *odpb.OperationDefinition {
	desc := "Evaluates one patient's RPM eligibility for a month or as of a date."
	if op.typeName == "Group" {
		desc = "Evaluates every member of a group. Small groups are answered at once; larger ones need Prefer: respond-async (FHIR asynchronous request pattern). A member's failure is an issue of the OperationOutcome, not a failed request."
	}
	od := &odpb.OperationDefinition{
		Id:           &dtpb.Id{Value: opDefID(op.typeName)},
		Url:          &dtpb.Uri{Value: opDefURL(cfg, op.typeName)},
		Version:      fstr(cfg.Version),
		Name:         fstr(op.typeName + "RpmEligibility"),
		Title:        fstr(op.typeName + " RPM eligibility"),
		Status:       &odpb.OperationDefinition_StatusCode{Value: cpb.PublicationStatusCode_ACTIVE},
		Kind:         &odpb.OperationDefinition_KindCode{Value: cpb.OperationKindCode_OPERATION},
		Date:         fdate(definitionDate),
		Description:  &dtpb.Markdown{Value: desc},
		AffectsState: fbool(true), // with write=true
		Code:         &dtpb.Code{Value: operationName},
		Resource:     []*odpb.OperationDefinition_ResourceCode{{Value: op.resource}},
		System:       fbool(false),
		Type:         fbool(false),
		Instance:     fbool(true),
	}
	if cfg.Version == "" {
		od.Version = nil
	}
	for _, p := range eligibilityParams {
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
