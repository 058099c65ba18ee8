package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"github.com/google/fhir/go/jsonformat/fhirvalidate"
	"google.golang.org/protobuf/proto"

	"github.com/rpm-adapter/rpm-adapter/ig"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	cspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/capability_statement_go_proto"
)

// operation is one operation the API defines on a resource type.
type operation struct {
	resource cpb.ResourceTypeCode_Value
	typeName string // "Patient", "Group"
	code     string // operationName, writeOperationName
	write    bool   // it writes the results back (affectsState)
}

var operations = []operation{
	{cpb.ResourceTypeCode_PATIENT, "Patient", operationName, false},
	{cpb.ResourceTypeCode_PATIENT, "Patient", writeOperationName, true},
	{cpb.ResourceTypeCode_GROUP, "Group", operationName, false},
	{cpb.ResourceTypeCode_GROUP, "Group", writeOperationName, true},
}

const operationName = "rpm-eligibility"

// id is the id of the operation's OperationDefinition.
func (op operation) id() string { return op.typeName + "-" + op.code }

// guideStatement is the guide's CapabilityStatement (kind requirements,
// the full service), which the served one instantiates.
const guideStatement = "rpm-adapter"

// capabilityStatement is the JSON of GET /fhir/metadata: an R4 instance
// statement of this configuration of the service (rest.security only with
// tokens, the billing export only when configured), which instantiates the
// guide's CapabilityStatement and takes its date. Every operation's
// definition is the guide's (opDefs).
func capabilityStatement(cfg Config, g *ig.Guide, opDefs map[string]opDef) ([]byte, error) {
	version := cfg.Version
	if version == "" {
		version = "dev"
	}
	req, ok := g.Get("CapabilityStatement", guideStatement)
	if !ok {
		return nil, fmt.Errorf("api: the guide has no CapabilityStatement/%s", guideStatement)
	}
	var head struct{ Date string }
	if err := json.Unmarshal(req.JSON, &head); err != nil {
		return nil, fmt.Errorf("api: the guide's CapabilityStatement: %w", err)
	}
	date, err := time.Parse("2006-01-02", head.Date)
	if err != nil {
		return nil, fmt.Errorf("api: the guide's CapabilityStatement has no date YYYY-MM-DD: %w", err)
	}
	var resources []*cspb.CapabilityStatement_Rest_Resource
	byType := map[cpb.ResourceTypeCode_Value]*cspb.CapabilityStatement_Rest_Resource{}
	for _, op := range operations {
		r := byType[op.resource]
		if r == nil {
			r = &cspb.CapabilityStatement_Rest_Resource{
				Type: &cspb.CapabilityStatement_Rest_Resource_TypeCode{Value: op.resource}}
			byType[op.resource] = r
			resources = append(resources, r)
		}
		r.Operation = append(r.Operation, &cspb.CapabilityStatement_Rest_Resource_Operation{
			Name:       fstr(op.code),
			Definition: &dtpb.Canonical{Value: opDefs[op.id()].url},
		})
	}
	resources = append(resources, opDefResource())
	resources = append(resources, conformanceResources(g)...) // the guide's, conformance.go
	rest := &cspb.CapabilityStatement_Rest{
		Mode:          &cspb.CapabilityStatement_Rest_ModeCode{Value: cpb.RestfulCapabilityModeCode_SERVER},
		Documentation: &dtpb.Markdown{Value: "The operations need a bearer token when tokens are configured; metadata and the definitions (OperationDefinition and the implementation guide's resources) do not."},
		Resource:      resources,
		Security:      restSecurity(cfg),
	}
	if cfg.Billing != nil {
		rest.Operation = []*cspb.CapabilityStatement_Rest_Resource_Operation{{
			Name:       fstr(billingOperationName),
			Definition: &dtpb.Canonical{Value: opDefs[billingOperationName].url},
		}}
	}
	cs := &cspb.CapabilityStatement{
		Version:      fstr(version),
		Name:         fstr("RpmAdapter"),
		Title:        fstr("rpm-adapter eligibility API"),
		Status:       &cspb.CapabilityStatement_StatusCode{Value: cpb.PublicationStatusCode_ACTIVE},
		Date:         fdate(date),
		Description:  &dtpb.Markdown{Value: "Evaluates remote patient monitoring eligibility (device days, treatment minutes) per patient or group and returns MeasureReports, ChargeItems and Tasks."},
		Kind:         &cspb.CapabilityStatement_KindCode{Value: cpb.CapabilityStatementKindCode_INSTANCE},
		Instantiates: []*dtpb.Canonical{{Value: req.URL}},
		Software:     &cspb.CapabilityStatement_Software{Name: fstr("rpm-adapter"), Version: fstr(version)},
		Implementation: &cspb.CapabilityStatement_Implementation{
			Description: fstr("rpm-adapter serve"),
		},
		FhirVersion: &cspb.CapabilityStatement_FhirVersionCode{Value: cpb.FHIRVersionCode_V_4_0_1},
		Format:      []*cspb.CapabilityStatement_FormatCode{{Value: "json"}},
		Rest:        []*cspb.CapabilityStatement_Rest{rest},
	}
	cs.ImplementationGuide = []*dtpb.Canonical{{Value: g.GuideURL()}}
	if cfg.PublicURL != "" {
		cs.Implementation.Url = &dtpb.Url{Value: cfg.PublicURL + "/fhir"}
	}
	return marshalResource(cs)
}

// marshalResource validates and marshals a resource built here; a failure
// is a bug of this package, caught by New.
func marshalResource(r proto.Message) ([]byte, error) {
	if err := fhirvalidate.Validate(r); err != nil {
		return nil, fmt.Errorf("api: invalid %s: %w", r.ProtoReflect().Descriptor().Name(), err)
	}
	m, err := jsonformat.NewMarshaller(false, "", "", fhirversion.R4)
	if err != nil {
		return nil, err
	}
	b, err := m.MarshalResource(r)
	if err != nil {
		return nil, fmt.Errorf("api: marshal %s: %w", r.ProtoReflect().Descriptor().Name(), err)
	}
	return b, nil
}

func fstr(s string) *dtpb.String { return &dtpb.String{Value: s} }

func fbool(b bool) *dtpb.Boolean { return &dtpb.Boolean{Value: b} }

func fdate(t time.Time) *dtpb.DateTime {
	return &dtpb.DateTime{ValueUs: t.UnixMicro(), Timezone: "Z", Precision: dtpb.DateTime_DAY}
}
