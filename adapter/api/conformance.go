package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rpm-adapter/rpm-adapter/ig"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	cspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/capability_statement_go_proto"
	vspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"
)

// The implementation guide's definitions (package ig: profiles, extensions,
// code systems, value sets, measures, the requirements CapabilityStatement
// and the ImplementationGuide itself; not its examples, which are no
// resources of this service) are served read-only, without a token, like
// the CapabilityStatement: they are definitions, not patient data
// (fhir-mapping.md §6). They are served under the configured canonical
// (ig.Rebase), so a resource written with --canonical X names definitions
// this service publishes. The OperationDefinitions are the guide's too, with
// their own routes (opdef.go, opdef_search.go).
//
//	GET /fhir/{type}/{id}       the resource, or 404
//	GET /fhir/{type}?url=…      a searchset Bundle (also _id=…; no
//	                            parameter lists them all; other parameters
//	                            are ignored, as FHIR allows)

// conformanceRoutes adds one static route pair per type of the guide, so
// they never clash with the operations' routes.
func (s *Server) conformanceRoutes(e *gin.Engine) {
	for _, typ := range s.guide.Types() {
		if typ == "OperationDefinition" { // routeOpDefinition, routeOpDefSearch
			continue
		}
		e.GET("/fhir/"+typ+"/:id", s.conformanceRead(typ))
		e.GET("/fhir/"+typ, s.conformanceSearch(typ))
	}
}

func (s *Server) conformanceRead(typ string) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, ok := s.guide.Get(typ, c.Param("id"))
		if !ok || r.Example {
			writeError(c, Errorf(ENOTFOUND, "no such %s", typ))
			return
		}
		writeFHIR(c, http.StatusOK, r.JSON)
	}
}

func (s *Server) conformanceSearch(typ string) gin.HandlerFunc {
	return func(c *gin.Context) {
		url, id := c.Query("url"), c.Query("_id")
		type entry struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
			Search   struct {
				Mode string `json:"mode"`
			} `json:"search"`
		}
		entries := []entry{}
		base := s.baseURL()
		if base == "" {
			base = s.guide.Canonical()
		} else {
			base += "/fhir"
		}
		for _, r := range s.guide.All() {
			if r.Type != typ || r.Example || (id != "" && r.ID != id) || (url != "" && r.URL != strings.SplitN(url, "|", 2)[0]) {
				continue
			}
			e := entry{FullURL: base + "/" + r.Type + "/" + r.ID, Resource: r.JSON}
			e.Search.Mode = "match"
			entries = append(entries, e)
		}
		b, err := json.Marshal(struct {
			ResourceType string  `json:"resourceType"`
			Type         string  `json:"type"`
			Total        int     `json:"total"`
			Entry        []entry `json:"entry,omitempty"`
		}{"Bundle", "searchset", len(entries), entries})
		if err != nil {
			writeError(c, &Error{Code: EINTERNAL, Err: err})
			return
		}
		writeFHIR(c, http.StatusOK, b)
	}
}

// conformanceResources are the CapabilityStatement's rest.resource entries
// of the guide's types but OperationDefinition (opDefResource): read, and
// search by url.
func conformanceResources(g *ig.Guide) []*cspb.CapabilityStatement_Rest_Resource {
	var out []*cspb.CapabilityStatement_Rest_Resource
	for _, typ := range g.Types() {
		if typ == "OperationDefinition" {
			continue
		}
		code, ok := cpb.ResourceTypeCode_Value_value[resourceTypeEnum(typ)]
		if !ok {
			continue
		}
		out = append(out, &cspb.CapabilityStatement_Rest_Resource{
			Type: &cspb.CapabilityStatement_Rest_Resource_TypeCode{Value: cpb.ResourceTypeCode_Value(code)},
			Interaction: []*cspb.CapabilityStatement_Rest_Resource_ResourceInteraction{
				{Code: &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction_CodeType{Value: vspb.TypeRestfulInteractionValueSet_READ}},
				{Code: &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction_CodeType{Value: vspb.TypeRestfulInteractionValueSet_SEARCH_TYPE}},
			},
			SearchParam: []*cspb.CapabilityStatement_Rest_Resource_SearchParam{{
				Name: fstr("url"),
				Type: &cspb.CapabilityStatement_Rest_Resource_SearchParam_TypeCode{Value: cpb.SearchParamTypeCode_URI},
			}},
		})
	}
	return out
}

// resourceTypeEnum is the proto enum name of a resource type:
// StructureDefinition → STRUCTURE_DEFINITION.
func resourceTypeEnum(typ string) string {
	var b strings.Builder
	for i, r := range typ {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
